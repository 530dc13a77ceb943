//! The engine worker's entry point. It only does something in the browser; natively the
//! engine's logic is exercised through `hearth-core`'s and this crate's tests.

fn main() {
    #[cfg(target_arch = "wasm32")]
    hearth_engine::worker::start();
}
