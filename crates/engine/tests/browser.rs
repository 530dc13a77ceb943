//! burn in the browser: the engine's network trains inside a dedicated Web Worker in
//! headless Chromium, on the CPU backend and, where an adapter exists, on WebGPU.
#![cfg(target_arch = "wasm32")]

use burn::tensor::Device;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const STEPS: usize = 20;

fn assert_loss_falls(losses: &[f32]) {
    assert_eq!(losses.len(), STEPS);
    assert!(
        losses[STEPS - 1] < losses[0] * 0.9,
        "loss should fall by 10% in {STEPS} steps: {losses:?}"
    );
}

#[wasm_bindgen_test]
async fn tiny_mlp_learns_on_the_cpu_backend_in_a_worker() {
    let losses = hearth_core::selftest::train_tiny_mlp(&Device::flex(), STEPS, |_, _| {})
        .await
        .expect("training runs");
    console_log!("CPU (flex) losses: {losses:?}");
    assert_loss_falls(&losses);
}

#[wasm_bindgen_test]
async fn tiny_mlp_learns_on_webgpu_in_a_worker() {
    let device = match hearth_engine::backend::webgpu_device().await {
        Ok(device) => device,
        Err(reason) => {
            console_log!("skipped the WebGPU test: {reason}");
            return;
        }
    };
    let losses = hearth_core::selftest::train_tiny_mlp(&device, STEPS, |_, _| {})
        .await
        .expect("training runs");
    console_log!("WebGPU losses: {losses:?}");
    assert_loss_falls(&losses);
}
