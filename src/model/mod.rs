#[cfg(target_arch = "wasm32")]
pub mod layers;
#[cfg(target_arch = "wasm32")]
pub mod panel;
pub mod state;
