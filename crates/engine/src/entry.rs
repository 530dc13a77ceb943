// The engine worker's entry, shared by both engines' binaries (`src/main.rs`, the CPU
// engine; `src/bin/engine-gpu.rs`, the WebGPU engine), which `include!` it. It only does
// something in the browser; natively the engine's logic is exercised through
// `hearth-core`'s and this crate's tests.

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// The static constructors, synthesised by wasm-ld (burn's compiler stack registers
    /// its operations with `inventory` in them). For a binary that never names it, wasm-ld
    /// wraps every export in a call to it, so each call from JavaScript into the engine (a
    /// message, a resolved promise, an allocation) ran them all again: 8 of 27 s of loading
    /// 5,000 images. Naming it here turns the wrappers off; `main` runs them once.
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
