//! The CPU engine's worker (burn's flex backend): the engine every visit starts.

include!("entry.rs");
