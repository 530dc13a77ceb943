#[cfg(target_arch = "wasm32")]
pub mod chunks;
#[cfg(target_arch = "wasm32")]
pub mod nav;
#[cfg(target_arch = "wasm32")]
mod shell;
pub mod steps;
#[cfg(target_arch = "wasm32")]
mod update;

#[cfg(target_arch = "wasm32")]
pub use shell::App;
