//! Hearth's compute engine: burn, run inside a Web Worker, driven by the page through
//! [`hearth_core::protocol`] messages.

pub mod backend;
#[cfg(target_arch = "wasm32")]
pub mod worker;
