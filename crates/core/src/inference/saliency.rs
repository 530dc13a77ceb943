//! Input gradients: how much each input moves one class's score, what a saliency map shows.

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use crate::Error;
use crate::data::summary::Task;
use crate::error::read_back;
use crate::model::network::Network;
use crate::model::spec::{ModelSpec, Shape};

/// The gradient of one example's class score with respect to its inputs (what a saliency
/// map shows): the score is the logit of `class` for multi-class models, the logit of the
/// positive class (negated for class 0) for binary ones, the value for regression. Dropout
/// and batch norm behave as in inference; the network's weights are not changed.
pub async fn input_gradient(
    network: &Network,
    spec: &ModelSpec,
    x: &[f32],
    class: usize,
    device: &Device,
) -> Result<Vec<f32>, Error> {
    let width = Shape::from(spec.input).size();
    if x.len() != width {
        return Err(Error::Inputs {
            expected: width,
            found: x.len(),
        });
    }
    // On the autodiff device, weights frozen and training behaviour off.
    let model = network.clone().train().freeze();
    let input = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [1, width]), device)
        .autodiff()
        .require_grad();
    let output = model.forward(spec, input.clone());
    let [_, outputs] = output.dims();
    let score = match spec.task {
        Task::MultiClass => {
            output.slice([0..1, class.min(outputs - 1)..class.min(outputs - 1) + 1])
        }
        Task::Binary if class == 0 => output.neg(),
        Task::Binary | Task::Regression => output,
    }
    .sum();
    let gradients = score.backward();
    let gradient = input
        .grad(&gradients)
        .ok_or_else(|| Error::Backend("no gradient reached the input".to_string()))?;
    read_back(gradient).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputShape;

    #[test]
    fn the_input_gradient_matches_finite_differences() {
        // A small CNN with dropout and batch norm, as freshly initialised: the gradient
        // of one class's logit with respect to a few pixels, against central differences.
        let input = InputShape::Image {
            height: 16,
            width: 16,
            channels: 2,
        };
        use crate::model::{Activation, Layer, Padding};
        let spec = ModelSpec::new(
            input,
            vec![
                Layer::Conv2d {
                    filters: 4,
                    kernel: 3,
                    stride: 1,
                    padding: Padding::Same,
                    activation: Activation::Tanh,
                },
                Layer::BatchNorm {
                    activation: Activation::Tanh,
                },
                Layer::MaxPool2d {
                    size: 2,
                    stride: None,
                },
                Layer::Flatten,
                Layer::Dropout { rate: 0.5 },
                Layer::Dense {
                    units: 8,
                    activation: Activation::Tanh,
                },
            ],
            Task::MultiClass,
            3,
        );
        spec.infer().expect("a valid spec");
        let device = Device::flex();
        device.seed(3);
        let network = Network::new(&spec, 3, &device).expect("network").valid();
        // No ties for the max pool to break differently on either side of a step.
        let x: Vec<f32> = (0..512)
            .map(|i| 0.5 + 0.5 * ((i as f32) * 12.9898).sin())
            .collect();
        let class = 2;
        let gradient =
            pollster::block_on(input_gradient(&network, &spec, &x, class, &device)).unwrap();
        assert_eq!(gradient.len(), x.len());
        let logit = |x: &[f32]| -> f64 {
            let input = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [1, 512]), &device);
            let output = network
                .forward(&spec, input)
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            f64::from(output[class])
        };
        let step = 2e-3f32;
        for pixel in [0, 9, 42, 77, 200, 311, 511] {
            let (mut up, mut down) = (x.clone(), x.clone());
            up[pixel] += step;
            down[pixel] -= step;
            let numeric = (logit(&up) - logit(&down)) / (2.0 * f64::from(step));
            let analytic = f64::from(gradient[pixel]);
            assert!(
                (numeric - analytic).abs() <= 2e-3 + 0.05 * analytic.abs(),
                "pixel {pixel}: finite differences {numeric}, gradient {analytic}"
            );
        }
        assert!(gradient.iter().any(|g| g.abs() > 1e-4), "{gradient:?}");
        // The weights are untouched, and training behaviour stays off: the same input
        // gives the same gradient again.
        let again =
            pollster::block_on(input_gradient(&network, &spec, &x, class, &device)).unwrap();
        assert_eq!(gradient, again);
    }
}
