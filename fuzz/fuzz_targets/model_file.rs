//! A model file as the engine opens it (`hearth_core::hostile::open_model_file`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    hearth_core::hostile::open_model_file(bytes);
});
