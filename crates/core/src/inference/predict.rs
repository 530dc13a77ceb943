//! Forward passes for predictions: class probabilities, or values in the target's units.

use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use crate::Error;
use crate::data::summary::Task;
use crate::error::read_back;
use crate::model::network::Network;
use crate::model::spec::{ModelSpec, Shape};

/// The network's predictions for row-major inputs `x` (one row per example): class
/// probabilities (two columns for binary tasks), or the value for regression, mapped back
/// to the target's units by `target = (mean, std)`.
pub async fn predict(
    network: &Network,
    spec: &ModelSpec,
    x: &[f32],
    target: (f64, f64),
    device: &Device,
) -> Result<Vec<Vec<f32>>, Error> {
    let width = Shape::from(spec.input).size();
    if width == 0 || !x.len().is_multiple_of(width) {
        return Err(Error::Inputs {
            expected: width,
            found: x.len(),
        });
    }
    let mut out = Vec::with_capacity(x.len() / width);
    for chunk in x.chunks(spec.rows_per_pass() * width) {
        let batch = chunk.len() / width;
        let input = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [batch, width]), device);
        let output = network.infer(spec, input);
        let output = match spec.task {
            Task::MultiClass => softmax(output, 1),
            Task::Binary => {
                let p = sigmoid(output);
                Tensor::cat(vec![p.clone().neg().add_scalar(1.0), p], 1)
            }
            Task::Regression => output.mul_scalar(target.1).add_scalar(target.0),
        };
        let [_, columns] = output.dims();
        let values = read_back(output).await?;
        out.extend(values.chunks(columns).map(<[f32]>::to_vec));
    }
    Ok(out)
}
