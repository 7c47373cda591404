//! Generates the prost types from `proto/` with protox, a pure-Rust protobuf compiler, so that building from
//! source never needs a `protoc` binary; and writes the whole schema as an encoded descriptor set for message views.
//!
//! Two schemas come from the one source (proto/README.md, "Two files"): the typed decoder's (`transport.proto` and
//! `messages.proto`, where a field of an untabled type is `bytes`), and the views' (every file, with each such
//! field typed as the message its `(untabled)` option names).

use std::path::{Path, PathBuf};

use protox::prost_reflect::prost_types::field_descriptor_proto::Type;
use protox::prost_reflect::prost_types::{DescriptorProto, FileDescriptorSet};
use protox::prost_reflect::{DescriptorPool, ExtensionDescriptor, Value};

const TYPED: [&str; 2] = ["webcast/transport.proto", "webcast/messages.proto"];
const ALL: [&str; 2] = ["webcast/transport.proto", "webcast/untabled.proto"];
const OPTIONS_FILE: &str = "webcast/options.proto";
const MESSAGES_FILE: &str = "webcast/messages.proto";
const UNTABLED_FILE: &str = "webcast/untabled.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = locate_proto_root(&manifest_dir)?;
    for file in TYPED.iter().chain(&ALL).chain([&OPTIONS_FILE]) {
        println!("cargo:rerun-if-changed={}", proto_root.join(file).display());
    }
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut typed = without_options(protox::compile(TYPED, [&proto_root])?);
    build_trim::trim(&mut typed)?;
    prost_build::Config::new()
        .btree_map(["."])
        .bytes(["."])
        .compile_fds(typed.clone())?;
    build_budget::write_layouts(&typed, &out_dir.join("budget_layouts.rs"))?;
    let views = view_schema(&proto_root)?;
    std::fs::write(
        out_dir.join("webcast_descriptors.bin"),
        protox::prost_reflect::prost::Message::encode_to_vec(&views),
    )?;
    Ok(())
}

/// Every file, each `bytes` field with an `(untabled)` option typed as the message it names, without the option.
fn view_schema(proto_root: &Path) -> Result<FileDescriptorSet, Box<dyn std::error::Error>> {
    let mut compiler = protox::Compiler::new([proto_root])?;
    compiler.include_imports(true).include_source_info(false);
    compiler.open_files(ALL)?;
    let pool = compiler.descriptor_pool();
    let option = pool
        .get_extension_by_name("webcast.untabled")
        .ok_or("webcast/options.proto declares no `untabled` option")?;
    let mut set = compiler.file_descriptor_set();
    for file in &mut set.file {
        let package = file.package().to_owned();
        for message in &mut file.message_type {
            retype_untabled(&pool, &option, &package, message)?;
        }
    }
    Ok(merge_untabled(without_options(set)))
}

/// `untabled.proto` merged into `messages.proto`: once retyped, each references the other, a cycle no descriptor
/// pool accepts between two files.
fn merge_untabled(mut set: FileDescriptorSet) -> FileDescriptorSet {
    let untabled = set
        .file
        .iter()
        .position(|file| file.name() == UNTABLED_FILE);
    if let Some(untabled) = untabled.map(|index| set.file.remove(index)) {
        if let Some(messages) = set
            .file
            .iter_mut()
            .find(|file| file.name() == MESSAGES_FILE)
        {
            messages.message_type.extend(untabled.message_type);
            messages.enum_type.extend(untabled.enum_type);
        }
    }
    set
}

fn retype_untabled(
    pool: &DescriptorPool,
    option: &ExtensionDescriptor,
    package: &str,
    message: &mut DescriptorProto,
) -> Result<(), Box<dyn std::error::Error>> {
    let full_name = format!("{package}.{}", message.name());
    let descriptor = pool
        .get_message_by_name(&full_name)
        .ok_or_else(|| format!("{full_name} missing from its own pool"))?;
    for field in &mut message.field {
        let reflected = descriptor
            .get_field(u32::try_from(field.number())?)
            .ok_or_else(|| format!("{full_name}.{} missing", field.name()))?;
        let options = reflected.options();
        let Value::String(target) = options.get_extension(option).into_owned() else {
            continue;
        };
        if target.is_empty() {
            continue;
        }
        let type_name = format!(".{package}.{target}");
        if pool.get_message_by_name(&type_name[1..]).is_none() {
            return Err(format!("{full_name}.{}: no message {target}", field.name()).into());
        }
        let holder = if reflected.is_map() {
            // A map's value lives in its entry message, nested in this one.
            let entry = field
                .type_name()
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_owned();
            message
                .nested_type
                .iter_mut()
                .find(|nested| nested.name() == entry)
                .and_then(|entry| entry.field.iter_mut().find(|value| value.number() == 2))
                .ok_or_else(|| format!("{full_name}.{}: map entry missing", field.name()))?
        } else {
            field
        };
        holder.set_type(Type::Message);
        holder.type_name = Some(type_name);
        holder.options = None;
    }
    Ok(())
}

/// The set without `options.proto` and what only it needs: nothing generated or embedded depends on them.
fn without_options(mut set: FileDescriptorSet) -> FileDescriptorSet {
    set.file
        .retain(|file| file.name() != OPTIONS_FILE && !file.name().starts_with("google/protobuf/"));
    for file in &mut set.file {
        file.dependency
            .retain(|dependency| dependency != OPTIONS_FILE);
        file.public_dependency.clear();
        file.weak_dependency.clear();
        for message in &mut file.message_type {
            for field in &mut message.field {
                field.options = None;
            }
        }
    }
    set
}

/// `proto/` sits at the workspace root in the repository and is copied next to the crate in an sdist.
fn locate_proto_root(manifest_dir: &Path) -> Result<PathBuf, String> {
    [manifest_dir.join("proto"), manifest_dir.join("../../proto")]
        .into_iter()
        .find(|candidate| candidate.join("webcast/transport.proto").is_file())
        .ok_or_else(|| format!("proto/ not found near {}", manifest_dir.display()))
}

#[path = "build_budget.rs"]
mod build_budget;
#[path = "build_trim.rs"]
mod build_trim;
