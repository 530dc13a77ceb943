//! Predictions without burn: the forward pass of a Hearth model file in plain Rust, for the
//! web runtime (`crates/runtime`), which any web page can load to use a model and which
//! must stay small (no tensor library, no GPU code). It computes what
//! [`Network::infer`](super::network::Network::infer) computes, layer for layer, and the
//! tests hold the two to 1e-5 on every layer kind.
//!
//! Images flow channel-first (`channels × height × width`), as in the burn network.

use super::document::{ModelDocument, ModelFileError, f32_tensor, read_document};
use super::spec::{Activation, InputShape, Layer, Padding, Shape, same_padding};
use crate::data::DataError;
use crate::data::images::{Decoded, ImageShape, fit_decoded};
use crate::data::prep::{Schema, TargetSchema};
use crate::data::summary::Task;

/// Batch norm's epsilon, as burn's `BatchNormConfig` has it.
const BATCH_NORM_EPSILON: f32 = 1e-5;

/// A fully connected layer: `weight` is `inputs × outputs`, row-major (burn's layout).
#[derive(Debug, Clone)]
struct Dense {
    inputs: usize,
    outputs: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

impl Dense {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        let mut out = self.bias.clone();
        for (input, &value) in x.iter().enumerate().take(self.inputs) {
            if value == 0.0 {
                continue;
            }
            let row = &self.weight[input * self.outputs..(input + 1) * self.outputs];
            for (sum, &weight) in out.iter_mut().zip(row) {
                *sum += value * weight;
            }
        }
        out
    }
}

/// A 2-D convolution: `weight` is `filters × channels × kernel × kernel`.
#[derive(Debug, Clone)]
struct Conv {
    filters: usize,
    kernel: usize,
    stride: usize,
    /// Zero padding: top, left, bottom, right.
    pad: [usize; 4],
    weight: Vec<f32>,
    bias: Vec<f32>,
}

impl Conv {
    fn forward(&self, x: &[f32], (channels, height, width): (usize, usize, usize)) -> Vec<f32> {
        let [top, left, bottom, right] = self.pad;
        let (k, s) = (self.kernel, self.stride);
        let out_h = (height + top + bottom - k) / s + 1;
        let out_w = (width + left + right - k) / s + 1;
        let mut out = vec![0.0f32; self.filters * out_h * out_w];
        for filter in 0..self.filters {
            let plane = &mut out[filter * out_h * out_w..(filter + 1) * out_h * out_w];
            plane.fill(self.bias[filter]);
            for channel in 0..channels {
                let input = &x[channel * height * width..(channel + 1) * height * width];
                let kernel = &self.weight[(filter * channels + channel) * k * k..][..k * k];
                for oy in 0..out_h {
                    for ox in 0..out_w {
                        let mut sum = 0.0f32;
                        for ky in 0..k {
                            let Some(y) = (oy * s + ky).checked_sub(top).filter(|&y| y < height)
                            else {
                                continue;
                            };
                            for kx in 0..k {
                                let Some(x) =
                                    (ox * s + kx).checked_sub(left).filter(|&x| x < width)
                                else {
                                    continue;
                                };
                                sum += input[y * width + x] * kernel[ky * k + kx];
                            }
                        }
                        plane[oy * out_w + ox] += sum;
                    }
                }
            }
        }
        out
    }
}

/// One step of the network.
#[derive(Debug, Clone)]
enum Step {
    Dense(Dense, Activation),
    Conv(Conv, Activation),
    MaxPool {
        size: usize,
        stride: usize,
    },
    AvgPool {
        size: usize,
        stride: usize,
    },
    /// Batch norm at inference: `x · scale + shift` per channel (or feature).
    Norm {
        scale: Vec<f32>,
        shift: Vec<f32>,
        activation: Activation,
    },
    /// Flatten and dropout: nothing to compute.
    Pass,
}

/// A Hearth model ready to predict, without burn.
#[derive(Debug, Clone)]
pub struct PlainModel {
    pub document: ModelDocument,
    /// Each step with the shape of its input.
    steps: Vec<(Step, Shape)>,
    head: Dense,
    /// The regression target's mean and standard deviation.
    target: (f32, f32),
}

/// Why an input cannot be predicted, in words for the person who wrote the page.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlainError {
    #[error("this model reads {expected}, and was given {given}: {hint}")]
    Kind {
        expected: String,
        given: &'static str,
        hint: String,
    },
    #[error("this model reads {expected} pixel values ({shape}), and was given {found}")]
    Pixels {
        expected: usize,
        found: usize,
        shape: String,
    },
    #[error("none of the row's fields ({given}) is a column this model reads; it reads: {columns}")]
    NoColumns { given: String, columns: String },
    #[error("the image cannot be read: {0}")]
    Image(#[from] DataError),
    #[error("nothing is drawn on the canvas")]
    NothingDrawn,
}

/// The model file's tensors, widened to f32.
struct Tensors<'a> {
    file: &'a str,
    tensors: safetensors::SafeTensors<'a>,
}

impl Tensors<'_> {
    fn get(&self, name: &str, expected: usize) -> Result<Vec<f32>, ModelFileError> {
        f32_tensor(&self.tensors, name, expected).ok_or_else(|| ModelFileError::Mismatch {
            file: self.file.to_string(),
            reason: format!("tensor {name} is missing or does not hold {expected} numbers"),
        })
    }

    fn dense(&self, name: &str, inputs: usize, outputs: usize) -> Result<Dense, ModelFileError> {
        Ok(Dense {
            inputs,
            outputs,
            weight: self.get(&format!("{name}.weight"), inputs * outputs)?,
            bias: self.get(&format!("{name}.bias"), outputs)?,
        })
    }
}

impl PlainModel {
    /// Reads the Hearth model file `bytes` (named `file` in messages), checking it as the
    /// studio does.
    pub fn open(file: &str, bytes: &[u8]) -> Result<PlainModel, ModelFileError> {
        let document = read_document(file, bytes)?;
        if document.sound.is_some() {
            return Err(ModelFileError::NotAModel {
                file: file.to_string(),
                reason: "it is a sound model, and this runtime reads table and image models only; use it in Hearth, or export it to ONNX".to_string(),
            });
        }
        let damaged = |reason: String| ModelFileError::Mismatch {
            file: file.to_string(),
            reason,
        };
        let widened = super::half::widened(bytes)
            .map_err(|reason| damaged(format!("its f16 weights could not be read ({reason})")))?;
        let tensors = Tensors {
            file,
            tensors: safetensors::SafeTensors::deserialize(&widened)
                .map_err(|error| damaged(format!("its tensors could not be read ({error})")))?,
        };
        let spec = &document.spec;
        let infos = spec
            .infer()
            .map_err(|error| damaged(format!("its architecture is invalid ({error})")))?;
        let mut shape = Shape::from(spec.input);
        let mut steps = Vec::with_capacity(spec.layers.len());
        for (index, (layer, info)) in spec.layers.iter().zip(&infos).enumerate() {
            let step = step(&tensors, &format!("blocks.{index}"), *layer, shape)?;
            steps.push((step, shape));
            shape = info.output;
        }
        let head = tensors.dense("head", shape.size(), spec.outputs)?;
        let target = match document.preprocessing.as_ref().map(|schema| &schema.target) {
            Some(TargetSchema::Regression { mean, std, .. }) => (*mean as f32, *std as f32),
            _ => (0.0, 1.0),
        };
        Ok(PlainModel {
            document,
            steps,
            head,
            target,
        })
    }

    /// The table's preprocessing (none for an image model).
    pub fn schema(&self) -> Option<&Schema> {
        self.document.preprocessing.as_ref()
    }

    /// The image size the model reads (none for a table model).
    pub fn image_shape(&self) -> Option<ImageShape> {
        ImageShape::read_by(self.document.spec.input)
    }

    /// The number of inputs one example has.
    pub fn width(&self) -> usize {
        Shape::from(self.document.spec.input).size()
    }

    /// Whether this is the MNIST-style digit model (28×28 grey, classes 0 to 9), which
    /// reads drawings as [`crate::digits::to_mnist`] prepares them.
    pub fn reads_digits(&self) -> bool {
        let labels = &self.document.class_labels;
        self.document.spec.input == InputShape::MNIST
            && labels.len() == 10
            && labels
                .iter()
                .enumerate()
                .all(|(i, label)| *label == i.to_string())
    }

    /// What the model reads, in words ("rows with the columns a, b" or "28×28 grey images").
    pub fn reads(&self) -> String {
        match (self.schema(), self.image_shape()) {
            (Some(schema), _) => {
                format!("table rows with the columns {}", columns(schema).join(", "))
            }
            (None, Some(shape)) => format!(
                "{}×{} {} images",
                shape.width,
                shape.height,
                if shape.channels == 1 {
                    "grey"
                } else {
                    "colour"
                }
            ),
            (None, None) => format!("{} numbers", self.width()),
        }
    }

    /// The outputs for one table row; `cell` gives a column's cell by name (`None` where
    /// missing). `given` names the fields the caller had, for the message when none fits.
    pub fn predict_row<'a>(
        &self,
        cell: impl Fn(&str) -> Option<&'a str>,
        given: &[String],
    ) -> Result<Vec<f32>, PlainError> {
        let Some(schema) = self.schema() else {
            return Err(self.wrong_kind("a row"));
        };
        let columns = columns(schema);
        if !given.is_empty() && !given.iter().any(|name| columns.contains(&name.as_str())) {
            return Err(PlainError::NoColumns {
                given: given.join(", "),
                columns: columns.join(", "),
            });
        }
        let x = schema.encode(cell);
        Ok(self.outputs(&x))
    }

    /// The outputs for an image decoded by the browser, fitted to the model's size exactly
    /// as the studio fits an image file.
    pub fn predict_image(&self, image: Decoded) -> Result<Vec<f32>, PlainError> {
        let Some(shape) = self.image_shape() else {
            return Err(self.wrong_kind("an image"));
        };
        let pixels = fit_decoded("the image", image, shape)?;
        let x: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        self.predict_pixels(&x)
    }

    /// The outputs for a drawing: `ink` from 0 (paper) to 1 (ink), `width × height`, made
    /// into an MNIST digit as the studio's drawing pad does.
    pub fn predict_drawing(
        &self,
        ink: &[f32],
        width: usize,
        height: usize,
    ) -> Result<Vec<f32>, PlainError> {
        if !self.reads_digits() {
            return Err(self.wrong_kind("a drawing"));
        }
        let digit = crate::digits::to_mnist(ink, width, height).ok_or(PlainError::NothingDrawn)?;
        self.predict_pixels(&digit)
    }

    /// The outputs for inputs already at the model's shape (pixels from 0 to 1, row by
    /// row, channel-last; or prepared table inputs).
    pub fn predict_pixels(&self, x: &[f32]) -> Result<Vec<f32>, PlainError> {
        if x.len() != self.width() {
            return Err(PlainError::Pixels {
                expected: self.width(),
                found: x.len(),
                shape: Shape::from(self.document.spec.input).label(),
            });
        }
        Ok(self.outputs(x))
    }

    fn wrong_kind(&self, given: &'static str) -> PlainError {
        let hint = match (self.schema(), self.reads_digits()) {
            (Some(_), _) => "pass an object whose fields are the columns".to_string(),
            (None, true) => {
                "pass an image, a canvas, a video, or a drawing (predictDrawing)".to_string()
            }
            (None, false) => "pass an image, a canvas or a video".to_string(),
        };
        PlainError::Kind {
            expected: self.reads(),
            given,
            hint,
        }
    }

    /// The forward pass: probabilities, or the value in the target's units.
    fn outputs(&self, x: &[f32]) -> Vec<f32> {
        let mut value = match self.document.spec.input {
            InputShape::Image {
                height,
                width,
                channels,
            } => channels_first(x, height, width, channels),
            InputShape::Features { .. } => x.to_vec(),
        };
        for (step, shape) in &self.steps {
            value = apply(step, &value, *shape);
        }
        let logits = self.head.forward(&value);
        match self.document.spec.task {
            Task::MultiClass => softmax(&logits),
            Task::Binary => {
                let p = sigmoid(logits.first().copied().unwrap_or(0.0));
                vec![1.0 - p, p]
            }
            Task::Regression => logits
                .iter()
                .map(|&v| v * self.target.1 + self.target.0)
                .collect(),
        }
    }
}

/// The columns a table model reads, in order.
fn columns(schema: &Schema) -> Vec<&str> {
    schema.features.iter().map(|f| f.column()).collect()
}

/// The step of `layer` (tensors `blocks.N.*`) on an input of `shape`.
fn step(
    tensors: &Tensors<'_>,
    prefix: &str,
    layer: Layer,
    shape: Shape,
) -> Result<Step, ModelFileError> {
    let (channels, height, width) = shape.dims();
    Ok(match layer {
        Layer::Dense { units, activation } => Step::Dense(
            tensors.dense(&format!("{prefix}.Dense"), shape.size(), units)?,
            activation,
        ),
        Layer::Conv2d {
            filters,
            kernel,
            stride,
            padding,
            activation,
        } => {
            let pad = match padding {
                Padding::Valid => [0; 4],
                Padding::Same => {
                    let (top, bottom) = same_padding(height, kernel, stride);
                    let (left, right) = same_padding(width, kernel, stride);
                    [top, left, bottom, right]
                }
            };
            let name = format!("{prefix}.Conv");
            Step::Conv(
                Conv {
                    filters,
                    kernel,
                    stride,
                    pad,
                    weight: tensors.get(
                        &format!("{name}.weight"),
                        filters * channels * kernel * kernel,
                    )?,
                    bias: tensors.get(&format!("{name}.bias"), filters)?,
                },
                activation,
            )
        }
        Layer::MaxPool2d { size, stride } => Step::MaxPool {
            size,
            stride: stride.unwrap_or(size),
        },
        Layer::AvgPool2d { size, stride } => Step::AvgPool {
            size,
            stride: stride.unwrap_or(size),
        },
        Layer::Flatten | Layer::Dropout { .. } => Step::Pass,
        Layer::BatchNorm { activation } => {
            let part = |name: &str| tensors.get(&format!("{prefix}.BatchNorm.{name}"), channels);
            let (gamma, beta) = (part("gamma")?, part("beta")?);
            let (mean, var) = (part("running_mean")?, part("running_var")?);
            let scale: Vec<f32> = gamma
                .iter()
                .zip(&var)
                .map(|(g, v)| g / (v + BATCH_NORM_EPSILON).sqrt())
                .collect();
            let shift = beta
                .iter()
                .zip(&mean)
                .zip(&scale)
                .map(|((b, m), s)| b - m * s)
                .collect();
            Step::Norm {
                scale,
                shift,
                activation,
            }
        }
    })
}

/// `step` applied to `x`, whose shape is `shape`.
fn apply(step: &Step, x: &[f32], shape: Shape) -> Vec<f32> {
    let dims = shape.dims();
    match step {
        Step::Dense(dense, activation) => activate(dense.forward(x), *activation),
        Step::Conv(conv, activation) => activate(conv.forward(x, dims), *activation),
        Step::MaxPool { size, stride } => pool(x, dims, *size, *stride, true),
        Step::AvgPool { size, stride } => pool(x, dims, *size, *stride, false),
        Step::Norm {
            scale,
            shift,
            activation,
        } => {
            let plane = dims.1 * dims.2;
            let out = x
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let channel = i / plane.max(1);
                    v * scale[channel] + shift[channel]
                })
                .collect();
            activate(out, *activation)
        }
        Step::Pass => x.to_vec(),
    }
}

/// Max or average pooling without padding (burn's, and so the studio's).
fn pool(
    x: &[f32],
    (channels, height, width): (usize, usize, usize),
    size: usize,
    stride: usize,
    max: bool,
) -> Vec<f32> {
    let out_h = (height - size) / stride + 1;
    let out_w = (width - size) / stride + 1;
    let mut out = Vec::with_capacity(channels * out_h * out_w);
    for channel in 0..channels {
        let plane = &x[channel * height * width..(channel + 1) * height * width];
        for oy in 0..out_h {
            for ox in 0..out_w {
                let window = (0..size).flat_map(|ky| {
                    let row = (oy * stride + ky) * width + ox * stride;
                    plane[row..row + size].iter().copied()
                });
                out.push(if max {
                    window.fold(f32::NEG_INFINITY, f32::max)
                } else {
                    window.sum::<f32>() / (size * size) as f32
                });
            }
        }
    }
    out
}

/// Channel-last pixels (as stored) to channel-first.
fn channels_first(x: &[f32], height: usize, width: usize, channels: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for (i, &value) in x.iter().enumerate() {
        let (pixel, channel) = (i / channels, i % channels);
        out[channel * height * width + pixel] = value;
    }
    out
}

fn activate(mut x: Vec<f32>, activation: Activation) -> Vec<f32> {
    let f: fn(f32) -> f32 = match activation {
        Activation::Linear => return x,
        Activation::Relu => |v| v.max(0.0),
        Activation::LeakyRelu => |v| if v >= 0.0 { v } else { 0.01 * v },
        Activation::Elu => |v| if v > 0.0 { v } else { v.exp() - 1.0 },
        Activation::Gelu => |v| 0.5 * v * (1.0 + libm::erff(v / std::f32::consts::SQRT_2)),
        Activation::Sigmoid => sigmoid,
        Activation::Tanh => f32::tanh,
    };
    x.iter_mut().for_each(|v| *v = f(*v));
    x
}

fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|&v| (v - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|&e| e / sum).collect()
}

#[cfg(test)]
#[cfg(feature = "modelfile")]
mod tests {
    use super::*;
    use crate::data::prep::FeatureSchema;
    use crate::inference::ActiveModel;
    use crate::model::document::{FORMAT_VERSION, ModelCard};
    use crate::model::network::Network;
    use crate::model::spec::ModelSpec;
    use crate::model::summary::{ModelSource, PredictInput};
    use crate::training::job::tests::{stateless, trained};
    use burn::tensor::Device;

    /// Deterministic numbers in [0, 1).
    struct Numbers(u64);

    impl Numbers {
        fn next(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (self.0 >> 40) as f32 / (1u64 << 24) as f32
        }
    }

    fn close(plain: &[f32], burn: &[f32], what: &str) {
        assert_eq!(plain.len(), burn.len(), "{what}");
        for (a, b) in plain.iter().zip(burn) {
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{what}: {plain:?} against {burn:?}"
            );
        }
    }

    /// A network of `spec` with every weight and statistic drawn at random (variances
    /// positive), saved as a model file.
    fn random_model(spec: ModelSpec, seed: u64) -> (Network, Vec<u8>) {
        let device = Device::flex();
        let network = Network::new(&spec, 0, &device).unwrap();
        let mut host = pollster::block_on(network.to_host()).unwrap();
        let mut numbers = Numbers(seed);
        for (dims, values) in &mut host.tensors {
            let fan_in = dims.iter().skip(1).product::<usize>().max(1) as f32;
            for value in values.iter_mut() {
                *value = if dims.len() == 1 {
                    0.1 + numbers.next()
                } else {
                    (2.0 * numbers.next() - 1.0) * 2.0 / fan_in.sqrt()
                };
            }
        }
        let network = Network::from_host(&spec, &host, &device).unwrap();
        let labels: Vec<String> = (0..spec.outputs).map(|i| format!("class {i}")).collect();
        let document = ModelDocument {
            format_version: FORMAT_VERSION,
            spec,
            preprocessing: None,
            class_labels: labels,
            train_config: None,
            history: Vec::new(),
            metrics: serde_json::Value::Null,
            card: ModelCard::default(),
            sound: None,
        };
        let bytes = crate::model::file::save(&network, &document).unwrap();
        (network, bytes)
    }

    fn burn_outputs(network: &Network, spec: &ModelSpec, x: &[f32]) -> Vec<f32> {
        let outputs = pollster::block_on(crate::inference::predict(
            network,
            spec,
            x,
            (0.0, 1.0),
            &Device::flex(),
        ))
        .unwrap();
        outputs.concat()
    }

    #[test]
    fn every_layer_kind_predicts_as_the_burn_network_does() {
        use Activation::*;
        let conv = |filters, kernel, stride, padding, activation| Layer::Conv2d {
            filters,
            kernel,
            stride,
            padding,
            activation,
        };
        let spec = ModelSpec::new(
            InputShape::Image {
                height: 13,
                width: 11,
                channels: 3,
            },
            vec![
                conv(4, 3, 2, Padding::Same, Gelu),
                Layer::BatchNorm { activation: Elu },
                conv(5, 3, 1, Padding::Valid, LeakyRelu),
                Layer::AvgPool2d {
                    size: 2,
                    stride: Some(1),
                },
                Layer::Dropout { rate: 0.3 },
                conv(6, 2, 1, Padding::Same, Tanh),
                Layer::MaxPool2d {
                    size: 2,
                    stride: None,
                },
                Layer::Flatten,
                Layer::Dense {
                    units: 7,
                    activation: Sigmoid,
                },
                Layer::BatchNorm { activation: Relu },
                Layer::Dense {
                    units: 5,
                    activation: Linear,
                },
            ],
            Task::MultiClass,
            4,
        );
        let (network, bytes) = random_model(spec.clone(), 7);
        let model = PlainModel::open("layers.safetensors", &bytes).unwrap();
        let mut numbers = Numbers(11);
        for example in 0..3 {
            let x: Vec<f32> = (0..13 * 11 * 3).map(|_| numbers.next()).collect();
            let plain = model.predict_pixels(&x).unwrap();
            close(
                &plain,
                &burn_outputs(&network, &spec, &x),
                &format!("example {example}"),
            );
            assert!((plain.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
        // A binary head gives both probabilities.
        let binary = ModelSpec::new(
            InputShape::Features { features: 3 },
            vec![Layer::Dense {
                units: 4,
                activation: Gelu,
            }],
            Task::Binary,
            1,
        );
        let (network, bytes) = random_model(binary.clone(), 5);
        let model = PlainModel::open("binary.safetensors", &bytes).unwrap();
        let x = [0.3, -1.2, 2.0];
        close(
            &model.predict_pixels(&x).unwrap(),
            &burn_outputs(&network, &binary, &x),
            "binary",
        );
    }

    #[test]
    fn the_shipped_digit_model_in_f16_predicts_as_the_studio_does() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/digits.safetensors"
        ))
        .unwrap();
        let studio = ActiveModel::open(
            "digits.safetensors",
            &bytes,
            &Device::flex(),
            ModelSource::File,
        )
        .unwrap();
        let model = PlainModel::open("digits.safetensors", &bytes).unwrap();
        assert!(model.reads_digits());
        let mut numbers = Numbers(3);
        let x: Vec<f32> = (0..784).map(|_| numbers.next().powi(4)).collect();
        let input = PredictInput::Pixels { values: x.clone() };
        let expected = pollster::block_on(studio.predict(&input, None))
            .unwrap()
            .outputs;
        close(&model.predict_pixels(&x).unwrap(), &expected, "digits");
        // A drawing goes through the pad's MNIST fitting; a stroke of ink is some digit.
        let mut ink = vec![0.0; 100 * 100];
        for y in 20..80 {
            ink[y * 100 + 50] = 1.0;
            ink[y * 100 + 51] = 1.0;
        }
        let drawing = model.predict_drawing(&ink, 100, 100).unwrap();
        let pixels = crate::digits::to_mnist(&ink, 100, 100).unwrap();
        close(&drawing, &model.predict_pixels(&pixels).unwrap(), "drawing");
        assert_eq!(
            model.predict_drawing(&vec![0.0; 100], 10, 10),
            Err(PlainError::NothingDrawn)
        );
        let wrong = model.predict_row(|_| None, &[]).unwrap_err().to_string();
        assert_eq!(
            wrong,
            "this model reads 28×28 grey images, and was given a row: pass an image, a canvas, a video, or a drawing (predictDrawing)"
        );
        let short = model.predict_pixels(&[0.5; 10]).unwrap_err().to_string();
        assert_eq!(
            short,
            "this model reads 784 pixel values (1×28×28), and was given 10"
        );
    }

    /// Rows for `schema`: typical cells, missing cells, unseen categories, odd spacing.
    fn rows(schema: &Schema) -> Vec<Vec<(String, String)>> {
        (0..4)
            .map(|variant| {
                schema
                    .features
                    .iter()
                    .enumerate()
                    .map(|(index, feature)| {
                        let cell = match (feature, (variant + index) % 4) {
                            (_, 3) => String::new(),
                            (FeatureSchema::Numeric { shift, scale, .. }, n) => {
                                format!(" {} ", shift + scale * (n as f64 - 1.0))
                            }
                            (FeatureSchema::Boolean { true_value, .. }, 0) => {
                                true_value.to_uppercase()
                            }
                            (FeatureSchema::Boolean { .. }, _) => "other".to_string(),
                            (FeatureSchema::Categorical { levels, .. }, 0) => {
                                format!(" {}", levels[0])
                            }
                            (FeatureSchema::Categorical { levels, .. }, 1) => {
                                levels[levels.len() - 1].clone()
                            }
                            (FeatureSchema::Categorical { .. }, _) => "never seen".to_string(),
                        };
                        (feature.column().to_string(), cell)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn table_models_read_rows_as_the_studio_does() {
        for (name, spec_layers) in [("iris", 2), ("loans", 1), ("regression", 1)] {
            let mut data = crate::data::session::DataSession::default();
            data.load_builtin(name);
            let prepared = data.prepared().unwrap().unwrap();
            let features = prepared.schema.width();
            let task = prepared.schema.target.task();
            let outputs = match &prepared.schema.target {
                TargetSchema::Classes {
                    labels,
                    binary: false,
                    ..
                } => labels.len(),
                _ => 1,
            };
            let layers = (0..spec_layers)
                .map(|_| Layer::Dense {
                    units: 8,
                    activation: Activation::Relu,
                })
                .collect();
            let spec = ModelSpec::new(InputShape::Features { features }, layers, task, outputs);
            let studio = trained(&data, spec, stateless(2));
            let bytes = crate::model::file::save(&studio.network, &studio.document()).unwrap();
            let model = PlainModel::open("table.safetensors", &bytes).unwrap();
            let schema = model.schema().unwrap().clone();
            for cells in rows(&schema) {
                let input = PredictInput::Row {
                    cells: cells.clone(),
                };
                let expected = pollster::block_on(studio.predict(&input, None))
                    .unwrap()
                    .outputs;
                let cell = |column: &str| {
                    cells
                        .iter()
                        .find(|(name, _)| name == column)
                        .map(|(_, value)| value.as_str())
                };
                let plain = model.predict_row(cell, &[]).unwrap();
                close(&plain, &expected, &format!("{name}: {cells:?}"));
            }
            let error = model
                .predict_row(|_| None, &["colour".to_string()])
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with(
                    "none of the row's fields (colour) is a column this model reads; it reads: "
                ),
                "{error}"
            );
            let error = model.predict_pixels(&[0.0; 3]).unwrap_err().to_string();
            assert!(error.contains("and was given 3"), "{error}");
        }
    }
}
