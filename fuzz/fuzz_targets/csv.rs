//! A CSV file as the engine reads it (`hearth_core::hostile::read_csv_upload`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| hearth_core::hostile::read_csv_upload(bytes));
