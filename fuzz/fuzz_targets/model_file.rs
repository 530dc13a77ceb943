//! A model file as the studio opens it: the safetensors header, the JSON description
//! (spec, preprocessing, card), the architecture's shapes, then the network built and its
//! weights loaded. Any bytes must give a model or a `ModelFileError`, never a panic, and a
//! description must not make the loader allocate more than the file's own size implies.
#![no_main]

use burn::tensor::Device;
use hearth_core::model::file;
use hearth_core::model::summary::ModelSource;
use hearth_core::studio::ActiveModel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let device = Device::flex();
    std::hint::black_box(file::tensors(bytes));
    if let Ok(model) = ActiveModel::open("fuzz.safetensors", bytes, &device, ModelSource::File) {
        std::hint::black_box((model.card_markdown(), model.summary));
    }
});
