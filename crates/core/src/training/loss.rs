//! The loss a network is trained on (cross-entropy for classes, MSE, MAE or Huber for
//! values, weighted per example as the settings say) and what counts as classified right.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::batch::TrainSet;
use crate::data::summary::Task;
use crate::model::config::{self, ExampleWeights};
use crate::model::spec::{ModelSpec, RegressionLoss};

/// The mean loss of `rows` given the network's `output` for them, weighted as the
/// `example_weights` say when `weighted`, and the output.
pub fn loss(
    spec: &ModelSpec,
    example_weights: &ExampleWeights,
    data: &TrainSet,
    output: Tensor<2>,
    rows: &[u32],
    device: &Device,
    weighted: bool,
) -> (Tensor<1>, Tensor<2>) {
    let batch = rows.len();
    let logits = output.clone();
    let targets: Vec<f32> = rows.iter().map(|&row| data.y[row as usize]).collect();
    let per_example: Tensor<1> = match spec.task {
        Task::MultiClass => {
            let classes: Vec<i64> = targets.iter().map(|&y| y as i64).collect();
            let classes = Tensor::<2, Int>::from_data(TensorData::new(classes, [batch, 1]), device);
            log_softmax(output, 1)
                .gather(1, classes)
                .neg()
                .reshape([batch])
        }
        Task::Binary => {
            let y = Tensor::<2>::from_data(TensorData::new(targets.clone(), [batch, 1]), device);
            // Binary cross-entropy on logits, stable form: max(z,0) - z·y + ln(1 + e^-|z|).
            let z = output;
            (z.clone().clamp_min(0.0) - z.clone() * y + z.abs().neg().exp().add_scalar(1.0).log())
                .reshape([batch])
        }
        Task::Regression => {
            let scaled: Vec<f32> = targets
                .iter()
                .map(|&y| ((f64::from(y) - data.target_mean) / data.target_std) as f32)
                .collect();
            let y = Tensor::<2>::from_data(TensorData::new(scaled, [batch, 1]), device);
            let difference = output - y;
            match spec.regression_loss {
                RegressionLoss::Mse => difference.powf_scalar(2.0),
                RegressionLoss::Mae => difference.abs(),
                RegressionLoss::Huber => {
                    let absolute = difference.abs();
                    let small = absolute.clone().clamp_max(1.0);
                    small.clone().powf_scalar(2.0).mul_scalar(0.5) + (absolute - small)
                }
            }
            .reshape([batch])
        }
    };
    let weights = weights(example_weights, data, rows, weighted);
    let loss = match weights {
        None => per_example.mean(),
        Some(weights) => {
            let total: f32 = weights.iter().sum();
            let weights = Tensor::<1>::from_data(TensorData::new(weights, [batch]), device);
            (per_example * weights)
                .sum()
                .div_scalar(total.max(f32::EPSILON))
        }
    };
    (loss, logits)
}

/// Each of `rows`' weight in the loss as `example_weights` say, when `weighted`; `None`
/// when every example counts the same.
pub fn weights(
    example_weights: &ExampleWeights,
    data: &TrainSet,
    rows: &[u32],
    weighted: bool,
) -> Option<Vec<f32>> {
    let targets = || rows.iter().map(|&row| data.y[row as usize]);
    match (example_weights, weighted) {
        // ReweighGroups is refused by Trainer::new.
        (_, false) | (ExampleWeights::None | ExampleWeights::ReweighGroups { .. }, _) => None,
        (ExampleWeights::PerClass { weights }, true) => Some(
            targets()
                .map(|y| weights.get(y as usize).copied().unwrap_or(1.0))
                .collect(),
        ),
        (ExampleWeights::Balanced, true) => {
            let mut counts =
                vec![0usize; 1 + data.y.iter().fold(0usize, |m, &y| m.max(y as usize))];
            for &row in &data.train {
                if let Some(count) = counts.get_mut(data.y[row as usize] as usize) {
                    *count += 1;
                }
            }
            let weights = config::balanced_weights(&counts);
            Some(
                targets()
                    .map(|y| weights.get(y as usize).copied().unwrap_or(1.0))
                    .collect(),
            )
        }
        (ExampleWeights::PerSample { weights }, true) => Some(
            rows.iter()
                .map(|&row| weights.get(row as usize).copied().unwrap_or(1.0))
                .collect(),
        ),
    }
}

/// The total weight of `rows` in the loss (see [`weights`]): their count when unweighted.
pub fn weight_total(
    example_weights: &ExampleWeights,
    data: &TrainSet,
    rows: &[u32],
    weighted: bool,
) -> f32 {
    weights(example_weights, data, rows, weighted)
        .map_or(rows.len() as f32, |weights| weights.iter().sum())
}

/// How many of `rows` the outputs classify right, as a one-element tensor (`None`
/// for regression).
pub fn correct(
    task: Task,
    data: &TrainSet,
    output: Tensor<2>,
    rows: &[u32],
    device: &Device,
) -> Option<Tensor<1>> {
    let batch = rows.len();
    let targets: Vec<i64> = rows
        .iter()
        .map(|&row| data.y[row as usize] as i64)
        .collect();
    let targets = Tensor::<2, Int>::from_data(TensorData::new(targets, [batch, 1]), device);
    let predicted = match task {
        Task::Regression => return None,
        Task::MultiClass => output.argmax(1),
        Task::Binary => output.greater_elem(0.0).int(),
    };
    Some(predicted.equal(targets).float().sum())
}
