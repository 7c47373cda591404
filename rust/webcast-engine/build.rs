//! Generates the prost types from `proto/` with protox, a pure-Rust protobuf compiler, so that building from
//! source never needs a `protoc` binary.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = locate_proto_root(&manifest_dir)?;
    let files = ["webcast/transport.proto", "webcast/messages.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={}", proto_root.join(file).display());
    }
    let mut descriptors = protox::compile(files, [&proto_root])?;
    build_trim::trim(&mut descriptors)?;
    prost_build::Config::new()
        .btree_map(["."])
        .bytes(["."])
        .compile_fds(descriptors.clone())?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    build_budget::write_layouts(&descriptors, &out_dir.join("budget_layouts.rs"))?;
    Ok(())
}

/// `proto/` sits at the workspace root in the repository and is copied next to the crate in an sdist.
fn locate_proto_root(manifest_dir: &std::path::Path) -> Result<PathBuf, String> {
    [manifest_dir.join("proto"), manifest_dir.join("../../proto")]
        .into_iter()
        .find(|candidate| candidate.join("webcast/transport.proto").is_file())
        .ok_or_else(|| format!("proto/ not found near {}", manifest_dir.display()))
}

#[path = "build_budget.rs"]
mod build_budget;
#[path = "build_trim.rs"]
mod build_trim;
