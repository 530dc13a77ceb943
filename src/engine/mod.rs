#[cfg(target_arch = "wasm32")]
pub mod connection;
#[cfg(target_arch = "wasm32")]
pub mod link;
pub mod status;
#[cfg(target_arch = "wasm32")]
pub mod widgets;
