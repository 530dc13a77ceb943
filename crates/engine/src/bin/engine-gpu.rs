//! The WebGPU engine's worker (built with the `webgpu` feature). The page loads it in the
//! background where the browser offers a WebGPU adapter and moves its work onto it once it
//! is ready.

include!("../entry.rs");
