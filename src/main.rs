//! The page's entry point: everything lives in the `hearth` library.

fn main() {
    // Natively there is no page to start: the crate is built there for its state's tests.
    #[cfg(target_arch = "wasm32")]
    hearth::start();
}
