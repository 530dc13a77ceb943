#[cfg(target_arch = "wasm32")]
pub mod camera;
#[cfg(target_arch = "wasm32")]
pub mod classes;
#[cfg(target_arch = "wasm32")]
pub mod drawn;
pub mod state;
