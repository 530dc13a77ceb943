#[cfg(target_arch = "wasm32")]
pub mod layers;
#[cfg(target_arch = "wasm32")]
pub mod panel;
#[cfg(target_arch = "wasm32")]
pub mod start;
pub mod state;
