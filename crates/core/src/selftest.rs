//! A tiny network trained for a few steps: proves that a backend computes and learns.
//! The engine runs it on request (the page's "engine check") and in its browser tests.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::Error;

/// Points of the self test's data set.
const POINTS: usize = 64;
const LEARNING_RATE: f64 = 0.05;

/// Two inputs, one hidden layer of 16, two classes.
#[derive(Module, Debug)]
struct TinyMlp {
    hidden: Linear,
    output: Linear,
}

impl TinyMlp {
    fn new(device: &Device) -> Self {
        TinyMlp {
            hidden: LinearConfig::new(2, 16).init(device),
            output: LinearConfig::new(16, 2).init(device),
        }
    }

    /// # Shapes
    /// - input: `[batch, 2]`
    /// - output: `[batch, 2]` logits
    fn forward(&self, input: Tensor<2>) -> Tensor<2> {
        self.output.forward(relu(self.hidden.forward(input)))
    }
}

/// Trains the tiny network for `steps` full-batch Adam steps on `device` and returns the
/// loss of each step. `on_step(step, loss)` is called after each step, counting from 1.
/// Losses are read back asynchronously, as WebGPU in the browser requires.
pub async fn train_tiny_mlp(
    device: &Device,
    steps: usize,
    mut on_step: impl FnMut(usize, f32),
) -> Result<Vec<f32>, Error> {
    let device = device.clone().autodiff();
    device.seed(7);
    let (inputs, labels) = xor_points(POINTS);
    let inputs = Tensor::<2>::from_data(TensorData::new(inputs, [POINTS, 2]), &device);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [POINTS]), &device);
    let loss_function = CrossEntropyLossConfig::new().init(&device);
    let mut model = TinyMlp::new(&device);
    let mut optimizer = AdamConfig::new().init();
    let mut losses = Vec::with_capacity(steps);

    for step in 1..=steps {
        let loss = loss_function.forward(model.forward(inputs.clone()), labels.clone());
        let value = loss
            .clone()
            .into_scalar_async::<f32>()
            .await
            .map_err(Error::backend)?;
        if !value.is_finite() {
            return Err(Error::Diverged { step, loss: value });
        }
        let gradients = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(LEARNING_RATE, model, gradients);
        losses.push(value);
        on_step(step, value);
    }
    Ok(losses)
}

/// `count` points on a grid in [-1, 1]², labelled 1 where x and y have the same sign:
/// the classic XOR problem, which no linear model solves.
fn xor_points(count: usize) -> (Vec<f32>, Vec<i64>) {
    let side = (count as f64).sqrt().ceil() as usize;
    let coordinate = |index: usize| -1.0 + 2.0 * (index as f32 + 0.5) / side as f32;
    (0..count)
        .map(|index| {
            let (x, y) = (coordinate(index % side), coordinate(index / side));
            ([x, y], i64::from(x * y > 0.0))
        })
        .fold(
            (Vec::with_capacity(count * 2), Vec::with_capacity(count)),
            |(mut inputs, mut labels), (point, label)| {
                inputs.extend(point);
                labels.push(label);
                (inputs, labels)
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_points_are_balanced_and_inside_the_square() {
        let (inputs, labels) = xor_points(64);
        assert_eq!(inputs.len(), 128);
        assert_eq!(labels.iter().filter(|label| **label == 1).count(), 32);
        assert!(inputs.iter().all(|value| value.abs() < 1.0));
    }

    #[test]
    fn tiny_mlp_loss_falls_on_the_cpu_backend() {
        let mut reported = Vec::new();
        let losses = pollster::block_on(train_tiny_mlp(&Device::flex(), 20, |step, loss| {
            reported.push((step, loss))
        }))
        .expect("training runs");
        assert_eq!(losses.len(), 20);
        assert_eq!(reported.len(), 20);
        assert_eq!(reported[0].0, 1);
        assert!(
            losses[19] < losses[0] * 0.9,
            "loss should fall by 10% in 20 steps: {losses:?}"
        );
    }
}
