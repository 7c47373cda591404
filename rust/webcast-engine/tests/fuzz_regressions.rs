//! Every input the fuzzers ever found a problem with (`fuzz/regressions/<target>/`), and the seed corpus
//! (`fuzz/seeds/<target>/`), through the same checks the fuzz targets make (`fuzz/checks.rs`).

use std::path::PathBuf;

#[path = "../fuzz/checks.rs"]
mod checks;

type Check = fn(&[u8]);

const TARGETS: [(&str, Check); 5] = [
    ("push_frame", checks::push_frame),
    ("fetch_response", checks::fetch_response),
    ("message", checks::message),
    ("websocket", checks::websocket),
    ("inbox", checks::inbox),
];

fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<(PathBuf, Vec<u8>)> = entries
        .map(|entry| {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            (path, data)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn every_regression_input_passes_its_check() {
    for (target, check) in TARGETS {
        for (path, data) in inputs("regressions", target) {
            eprintln!("{}", path.display());
            check(&data);
        }
    }
}

#[test]
fn every_seed_passes_its_check() {
    let mut count = 0;
    for (target, check) in TARGETS {
        let seeds = inputs("seeds", target);
        assert!(!seeds.is_empty(), "no seeds for {target}");
        for (path, data) in seeds {
            eprintln!("{}", path.display());
            check(&data);
            count += 1;
        }
    }
    assert!(count >= 12);
}
