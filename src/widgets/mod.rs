pub mod chart;
pub mod format;
#[cfg(target_arch = "wasm32")]
pub mod project;
#[cfg(target_arch = "wasm32")]
pub mod thumbnail;
