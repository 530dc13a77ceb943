//! The entry points that untrusted bytes go through, as the engine uses them.
//!
//! The fuzz targets (`fuzz/fuzz_targets/`) call these, and `tests/fuzz_corpus.rs` replays
//! the committed fuzz corpora through them as ordinary tests, so `./test.sh` checks every
//! seed and every input the fuzzer once found without building libFuzzer.

use crate::data::session::DataSession;

/// A CSV upload as the engine reads it: parsed, summarised (column kinds, statistics, the
/// suggested roles), then prepared for training with the proposed configuration. The first
/// byte chooses whether ragged rows are skipped (the page's "skip them" button). Any bytes
/// must give a table or a `DataError`, never a panic or an outsized allocation.
pub fn read_csv_upload(bytes: &[u8]) {
    let (skip_ragged, bytes) = match bytes.split_first() {
        Some((first, rest)) => (first & 1 == 1, rest),
        None => (false, bytes),
    };
    let mut session = DataSession::default();
    let _ = session.load_csv("fuzz.csv", bytes, skip_ragged, &mut |_| {});
    if let Some(Ok(prepared)) = session.prepared() {
        std::hint::black_box(prepared);
    }
}

/// A model file as the engine opens it: the safetensors header, the JSON description
/// (spec, preprocessing, card), the architecture's shapes, then the network built and its
/// weights loaded. Returns whether it opened. Any bytes must give a model or a
/// `ModelFileError`, never a panic, and a description must not make the loader allocate
/// more than the file's own size implies.
#[cfg(feature = "modelfile")]
pub fn open_model_file(bytes: &[u8]) -> bool {
    use crate::inference::ActiveModel;
    use crate::model::file;
    use crate::model::summary::ModelSource;
    let device = burn::tensor::Device::flex();
    std::hint::black_box(file::tensors(bytes));
    match ActiveModel::open("fuzz.safetensors", bytes, &device, ModelSource::File) {
        Ok(model) => {
            std::hint::black_box((model.card_markdown(), model.summary));
            true
        }
        Err(_) => false,
    }
}
