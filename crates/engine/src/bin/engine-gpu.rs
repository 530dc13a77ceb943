//! The WebGPU engine worker: the CPU engine's entry point (`src/main.rs`), built with the
//! `webgpu` feature. The page loads it in the background where the browser offers a WebGPU
//! adapter and moves its work onto it once it is ready.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// The static constructors: see `src/main.rs` for why the entry point names them.
    fn __wasm_call_ctors();
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    {
        // SAFETY: called once, first, before any code that reads what they register.
        unsafe { __wasm_call_ctors() };
        hearth_engine::worker::start();
    }
}
