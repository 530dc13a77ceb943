//! A CSV file as the engine reads it: parsed, summarised (column kinds, statistics, the
//! suggested roles), then prepared for training with the proposed configuration. Any
//! bytes must give a table or a `DataError`, never a panic or an outsized allocation.
#![no_main]

use hearth_core::data::session::DataSession;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // The first byte chooses whether ragged rows are skipped (the page's "skip them" button).
    let (skip_ragged, bytes) = match bytes.split_first() {
        Some((first, rest)) => (first & 1 == 1, rest),
        None => (false, bytes),
    };
    let mut session = DataSession::default();
    let _ = session.load_csv("fuzz.csv", bytes, skip_ragged, &mut |_| {});
    if let Some(Ok(prepared)) = session.prepared() {
        std::hint::black_box(prepared);
    }
});
