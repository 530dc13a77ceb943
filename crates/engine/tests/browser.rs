//! burn in the browser: the engine's network trains inside a dedicated Web Worker in
//! headless Chromium, on the CPU backend and, where an adapter exists, on WebGPU.
#![cfg(target_arch = "wasm32")]
// `#[wasm_bindgen_test]` functions are tests that clippy does not know as such, so its
// allowances for tests miss them; a failing step should stop the test at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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

/// The real trainer, step by step as the training job drives it: XOR with the MLP preset for
/// three epochs, then predictions on the test rows.
async fn trainer_learns_xor(device: &Device) -> (f32, f64) {
    use hearth_core::data::session::DataSession;
    use hearth_core::model::{InputShape, ModelSpec, TrainConfig};
    use hearth_core::training::{StepOutcome, TrainSet, Trainer};

    let mut session = DataSession::default();
    session.load_builtin("xor");
    let prepared = session.prepared().expect("a table").expect("xor prepares");
    let set = TrainSet::from_prepared(&prepared);
    let test = set.test.clone();
    let truth: Vec<usize> = test
        .iter()
        .map(|&row| set.y[row as usize] as usize)
        .collect();
    let spec = ModelSpec::mlp(
        InputShape::Features {
            features: set.width,
        },
        prepared.target.task,
        2,
    );
    let config = TrainConfig {
        learning_rate: 0.02,
        epochs: 3,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(spec, config, set, device).expect("a trainer");
    let mut validation_accuracy = 0.0;
    loop {
        match trainer.step().await.expect("a step") {
            StepOutcome::Step { .. } => {}
            StepOutcome::Epoch(record) => {
                console_log!("epoch {record:?}");
                validation_accuracy = record.validation_accuracy.expect("classification");
            }
            StepOutcome::Finished { .. } => break,
        }
    }
    let probabilities = trainer.predict(&test).await.expect("predictions");
    let right = probabilities
        .iter()
        .zip(&truth)
        .filter(|(p, t)| (p[1] > 0.5) == (**t == 1))
        .count();
    (validation_accuracy, right as f64 / truth.len() as f64)
}

#[wasm_bindgen_test]
async fn the_trainer_learns_xor_on_the_cpu_backend_in_a_worker() {
    let (validation, test) = trainer_learns_xor(&Device::flex()).await;
    console_log!("CPU: validation accuracy {validation}, test accuracy {test}");
    assert!(validation >= 0.9 && test >= 0.9, "{validation} {test}");
}

#[wasm_bindgen_test]
async fn the_trainer_learns_xor_on_webgpu_in_a_worker() {
    let device = match hearth_engine::backend::webgpu_device().await {
        Ok(device) => device,
        Err(reason) => {
            console_log!("skipped the WebGPU trainer test: {reason}");
            return;
        }
    };
    let (validation, test) = trainer_learns_xor(&device).await;
    console_log!("WebGPU: validation accuracy {validation}, test accuracy {test}");
    assert!(validation >= 0.9 && test >= 0.9, "{validation} {test}");
}
