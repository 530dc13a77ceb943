//! Replays the committed fuzz corpora (`fuzz/corpus/`) through the same entry points as the
//! fuzz targets, as ordinary tests: every seed and every input the fuzzer once found must
//! still be read without a panic. Fuzzing itself (libFuzzer, new inputs) is
//! `scripts/fuzz.sh`, outside `./test.sh`.

// The helpers here are not #[test] functions, so clippy's allowances for tests miss them;
// a failing helper should stop the test at once, as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("?")
}

#[test]
fn every_csv_seed_is_read_without_a_panic() {
    let files = corpus("csv");
    assert!(
        files.len() >= 19,
        "the CSV corpus has {} files",
        files.len()
    );
    for path in &files {
        let bytes = std::fs::read(path).expect("a corpus file");
        let outcome = std::panic::catch_unwind(|| hearth_core::hostile::read_csv_upload(&bytes));
        assert!(outcome.is_ok(), "reading {} panicked", name(path));
    }
}

#[cfg(feature = "modelfile")]
#[test]
fn every_model_file_seed_opens_or_is_refused_without_a_panic() {
    let files = corpus("model_file");
    assert!(
        files.len() >= 15,
        "the model-file corpus has {} files",
        files.len()
    );
    let mut opened = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("a corpus file");
        match std::panic::catch_unwind(|| hearth_core::hostile::open_model_file(&bytes)) {
            Ok(true) => opened.push(name(path).to_owned()),
            Ok(false) => {}
            Err(_) => panic!("opening {} panicked", name(path)),
        }
    }
    // The real models made by `fuzz/make-corpus.sh` open; each broken one is refused.
    assert_eq!(
        opened,
        [
            "digits-tiny-cnn.safetensors",
            "iris-logistic.safetensors",
            "loans-mlp.safetensors"
        ]
    );
}
