//! The model spec: a versioned serde document describing a network (input shape, layers,
//! output head), and the built-in architectures. Its shape inference is in
//! [`shapes`](super::shapes).
//!
//! Plain Rust without tensors: the page uses it to show a model before it exists, the
//! engine to build the burn module, the model file to describe the weights.

use serde::{Deserialize, Serialize};

use crate::data::summary::Task;
use crate::flat::{MissingField, field};

pub use super::shapes::{LayerInfo, SpecError, same_padding};

/// The version of the spec format this code writes and reads.
pub const SPEC_VERSION: u32 = 1;
/// The most values one example may have at any point of the network (the input included):
/// 64 M, a 1024×1024 image with 64 channels. Checked before any arithmetic that could
/// overflow (on wasm32 `usize` is 32 bits), so a hostile spec is refused, never built.
pub const MAX_VALUES: usize = 1 << 26;
/// The most trainable parameters a model may have: 100 M (400 MB of f32 weights, about what
/// a browser tab can hold with Adam's two moments besides).
pub const MAX_PARAMS: u64 = 100_000_000;
/// The most hidden layers a model may have.
pub const MAX_LAYERS: usize = 256;

/// What one example looks like to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "FlatInputShape")]
pub enum InputShape {
    /// A row of `features` numbers (a prepared table).
    Features { features: usize },
    /// An image, channel-last as stored, fed to the network as channels x height x width.
    Image {
        height: usize,
        width: usize,
        channels: usize,
    },
}

/// [`InputShape`] as read (see [`crate::flat`]).
#[derive(Deserialize)]
struct FlatInputShape {
    kind: InputShapeKind,
    features: Option<usize>,
    height: Option<usize>,
    width: Option<usize>,
    channels: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum InputShapeKind {
    Features,
    Image,
}

impl InputShape {
    /// MNIST's digits: 28×28, one grey channel.
    pub const MNIST: InputShape = InputShape::Image {
        height: 28,
        width: 28,
        channels: 1,
    };
}

impl TryFrom<FlatInputShape> for InputShape {
    type Error = MissingField;

    fn try_from(flat: FlatInputShape) -> Result<Self, MissingField> {
        Ok(match flat.kind {
            InputShapeKind::Features => InputShape::Features {
                features: field(flat.features, "features")?,
            },
            InputShapeKind::Image => InputShape::Image {
                height: field(flat.height, "height")?,
                width: field(flat.width, "width")?,
                channels: field(flat.channels, "channels")?,
            },
        })
    }
}

/// The shape of the values between two layers (one example, no batch dimension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    Flat {
        size: usize,
    },
    Image {
        channels: usize,
        height: usize,
        width: usize,
    },
}

impl Shape {
    /// (channels, height, width); a flat shape is `size` channels of 1×1.
    pub fn dims(self) -> (usize, usize, usize) {
        match self {
            Shape::Image {
                channels,
                height,
                width,
            } => (channels, height, width),
            Shape::Flat { size } => (size, 1, 1),
        }
    }

    /// The number of values, or `None` when it is over [`MAX_VALUES`] (or any side is).
    pub fn checked_size(&self) -> Option<usize> {
        let (channels, height, width) = self.dims();
        [channels, height, width]
            .iter()
            .try_fold(1usize, |product, &n| {
                product.checked_mul(n).filter(|&p| p <= MAX_VALUES)
            })
            .filter(|_| channels.max(height).max(width) <= MAX_VALUES)
    }

    /// The number of values (of a shape that [`ModelSpec::infer`] accepted).
    pub fn size(&self) -> usize {
        match *self {
            Shape::Flat { size } => size,
            Shape::Image {
                channels,
                height,
                width,
            } => channels * height * width,
        }
    }

    /// As users read it: "128" or "32×26×26" (channels first).
    pub fn label(&self) -> String {
        match *self {
            Shape::Flat { size } => size.to_string(),
            Shape::Image {
                channels,
                height,
                width,
            } => format!("{channels}×{height}×{width}"),
        }
    }
}

impl From<InputShape> for Shape {
    fn from(input: InputShape) -> Self {
        match input {
            InputShape::Features { features } => Shape::Flat { size: features },
            InputShape::Image {
                height,
                width,
                channels,
            } => Shape::Image {
                channels,
                height,
                width,
            },
        }
    }
}

/// The function applied after a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    LeakyRelu,
    Elu,
    Gelu,
    Sigmoid,
    Tanh,
    Linear,
}

impl Activation {
    pub const ALL: [Activation; 7] = [
        Activation::Relu,
        Activation::LeakyRelu,
        Activation::Elu,
        Activation::Gelu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Linear,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::Gelu => "gelu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Linear => "linear",
        }
    }
}

/// How a convolution treats the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding: the output shrinks by `kernel - 1`.
    #[default]
    Valid,
    /// Zero padding so that the output is `ceil(input / stride)`.
    Same,
}

/// One layer of the network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "FlatLayer")]
pub enum Layer {
    /// Fully connected: needs a flat input.
    Dense {
        units: usize,
        #[serde(default)]
        activation: Activation,
    },
    /// 2-D convolution over an image input.
    Conv2d {
        filters: usize,
        kernel: usize,
        #[serde(default = "one")]
        stride: usize,
        #[serde(default)]
        padding: Padding,
        #[serde(default)]
        activation: Activation,
    },
    MaxPool2d {
        size: usize,
        #[serde(default)]
        stride: Option<usize>,
    },
    AvgPool2d {
        size: usize,
        #[serde(default)]
        stride: Option<usize>,
    },
    /// Images to a flat vector.
    Flatten,
    /// Zeroes a fraction of the values while training.
    Dropout { rate: f32 },
    /// Normalises each feature (or channel) over the batch, then applies `activation`.
    BatchNorm {
        #[serde(default = "linear")]
        activation: Activation,
    },
}

fn one() -> usize {
    1
}

/// [`Layer`] as read (see [`crate::flat`]).
#[derive(Deserialize)]
struct FlatLayer {
    #[serde(rename = "type")]
    kind: LayerKind,
    units: Option<usize>,
    activation: Option<Activation>,
    filters: Option<usize>,
    kernel: Option<usize>,
    stride: Option<usize>,
    padding: Option<Padding>,
    size: Option<usize>,
    rate: Option<f32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum LayerKind {
    Dense,
    Conv2d,
    MaxPool2d,
    AvgPool2d,
    Flatten,
    Dropout,
    BatchNorm,
}

impl TryFrom<FlatLayer> for Layer {
    type Error = MissingField;

    fn try_from(flat: FlatLayer) -> Result<Self, MissingField> {
        let activation = flat.activation.unwrap_or_default();
        Ok(match flat.kind {
            LayerKind::Dense => Layer::Dense {
                units: field(flat.units, "units")?,
                activation,
            },
            LayerKind::Conv2d => Layer::Conv2d {
                filters: field(flat.filters, "filters")?,
                kernel: field(flat.kernel, "kernel")?,
                stride: flat.stride.unwrap_or_else(one),
                padding: flat.padding.unwrap_or_default(),
                activation,
            },
            LayerKind::MaxPool2d => Layer::MaxPool2d {
                size: field(flat.size, "size")?,
                stride: flat.stride,
            },
            LayerKind::AvgPool2d => Layer::AvgPool2d {
                size: field(flat.size, "size")?,
                stride: flat.stride,
            },
            LayerKind::Flatten => Layer::Flatten,
            LayerKind::Dropout => Layer::Dropout {
                rate: field(flat.rate, "rate")?,
            },
            LayerKind::BatchNorm => Layer::BatchNorm {
                activation: flat.activation.unwrap_or_else(linear),
            },
        })
    }
}

fn linear() -> Activation {
    Activation::Linear
}

impl Layer {
    /// A short name, e.g. "Dense 128 relu", "Conv2d 32 3×3".
    pub fn label(&self) -> String {
        match *self {
            Layer::Dense { units, activation } => format!("Dense {units} {}", activation.label()),
            Layer::Conv2d {
                filters,
                kernel,
                stride,
                activation,
                ..
            } => {
                let stride = if stride == 1 {
                    String::new()
                } else {
                    format!(" stride {stride}")
                };
                format!(
                    "Conv2d {filters} {kernel}×{kernel}{stride} {}",
                    activation.label()
                )
            }
            Layer::MaxPool2d { size, .. } => format!("MaxPool2d {size}×{size}"),
            Layer::AvgPool2d { size, .. } => format!("AvgPool2d {size}×{size}"),
            Layer::Flatten => "Flatten".to_string(),
            Layer::Dropout { rate } => format!("Dropout {rate}"),
            Layer::BatchNorm { activation } => format!("BatchNorm {}", activation.label()),
        }
    }
}

/// The loss of a regression head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegressionLoss {
    #[default]
    Mse,
    Mae,
    Huber,
}

/// A whole network: the input, the hidden layers, and the head the task implies
/// (multi-class: a softmax over `outputs` classes with cross-entropy; binary: one sigmoid
/// output with binary cross-entropy; regression: one linear output with MSE, MAE or Huber).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub version: u32,
    pub input: InputShape,
    pub layers: Vec<Layer>,
    pub task: Task,
    /// Classes for multi-class; 1 for binary and regression.
    pub outputs: usize,
    #[serde(default)]
    pub regression_loss: RegressionLoss,
    /// The model this one was built on, whose first layers it kept (see [`Origin`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// Where a model's first layers came from: a trained model it was built on ("Start from a
/// model" on the Model step, `hearth train --from`). The spec's first `kept_layers` layers
/// are that model's, and start with its weights; the rest, and the head, are new. It
/// travels in the spec, so the model file, `hearth inspect` and the model card say it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The base model's name.
    pub model: String,
    /// The SHA-256 of the base model's file (lowercase hex): which file it was, exactly.
    pub sha256: String,
    /// How many of its layers were kept: this spec's first `kept_layers`.
    pub kept_layers: usize,
    /// Whether the kept layers are frozen (no gradients, their weights unchanged), or
    /// fine-tuned at [`Origin::kept_rate`] times the run's learning rate.
    pub frozen: bool,
    /// The kept layers' learning rate as a fraction of the run's, when fine-tuned.
    #[serde(default = "default_kept_rate")]
    pub kept_rate: f64,
}

/// Fine-tuned layers learn at a tenth of the run's rate unless the user says otherwise.
pub const DEFAULT_KEPT_RATE: f64 = 0.1;

fn default_kept_rate() -> f64 {
    DEFAULT_KEPT_RATE
}

impl Origin {
    /// "its first 5 layers kept, frozen".
    pub fn kept_summary(&self) -> String {
        format!("its {} kept, {}", self.first(), self.how())
    }

    /// "first layer", "first 5 layers".
    fn first(&self) -> String {
        match self.kept_layers {
            1 => "first layer".to_string(),
            layers => format!("first {layers} layers"),
        }
    }

    /// "frozen", or "fine-tuned at 0.1 × the learning rate".
    pub fn how(&self) -> String {
        if self.frozen {
            "frozen".to_string()
        } else {
            format!("fine-tuned at {} × the learning rate", self.kept_rate)
        }
    }
}

impl ModelSpec {
    /// A spec with the current version.
    pub fn new(input: InputShape, layers: Vec<Layer>, task: Task, classes: usize) -> Self {
        ModelSpec {
            version: SPEC_VERSION,
            input,
            layers,
            task,
            outputs: if task == Task::MultiClass { classes } else { 1 },
            regression_loss: RegressionLoss::default(),
            origin: None,
        }
    }

    /// Logistic (or linear, for regression) regression: the head alone on flat inputs.
    pub fn logistic(input: InputShape, task: Task, classes: usize) -> Self {
        let layers = match input {
            InputShape::Image { .. } => vec![Layer::Flatten],
            InputShape::Features { .. } => Vec::new(),
        };
        ModelSpec::new(input, layers, task, classes)
    }

    /// A multi-layer perceptron: 128 and 64 ReLU units (784-128-64-10 on MNIST).
    pub fn mlp(input: InputShape, task: Task, classes: usize) -> Self {
        let mut layers = match input {
            InputShape::Image { .. } => vec![Layer::Flatten],
            InputShape::Features { .. } => Vec::new(),
        };
        layers.extend([
            Layer::Dense {
                units: 128,
                activation: Activation::Relu,
            },
            Layer::Dense {
                units: 64,
                activation: Activation::Relu,
            },
        ]);
        ModelSpec::new(input, layers, task, classes)
    }

    /// The classic small MNIST CNN: conv32-pool-conv64-pool-conv64-dense64-out.
    pub fn cnn(input: InputShape, task: Task, classes: usize) -> Self {
        let conv = |filters| Layer::Conv2d {
            filters,
            kernel: 3,
            stride: 1,
            padding: Padding::Valid,
            activation: Activation::Relu,
        };
        let pool = Layer::MaxPool2d {
            size: 2,
            stride: None,
        };
        let layers = vec![
            conv(32),
            pool,
            conv(64),
            pool,
            conv(64),
            Layer::Flatten,
            Layer::Dense {
                units: 64,
                activation: Activation::Relu,
            },
        ];
        ModelSpec::new(input, layers, task, classes)
    }

    /// The sound preset: a smaller CNN for 32×32 spectrograms (about 79,000 parameters for
    /// a few classes), with dropout, since recorded classes are small.
    pub fn sound_cnn(input: InputShape, task: Task, classes: usize) -> Self {
        let conv = |filters| Layer::Conv2d {
            filters,
            kernel: 3,
            stride: 1,
            padding: Padding::Valid,
            activation: Activation::Relu,
        };
        let pool = Layer::MaxPool2d {
            size: 2,
            stride: None,
        };
        let layers = vec![
            conv(16),
            pool,
            conv(32),
            pool,
            Layer::Flatten,
            Layer::Dense {
                units: 64,
                activation: Activation::Relu,
            },
            Layer::Dropout { rate: 0.25 },
        ];
        ModelSpec::new(input, layers, task, classes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MNIST: InputShape = InputShape::MNIST;

    #[test]
    fn the_sound_preset_fits_a_second_of_sound() {
        let input = InputShape::Image {
            height: 32,
            width: 32,
            channels: 1,
        };
        let spec = ModelSpec::sound_cnn(input, Task::MultiClass, 3);
        let infos = spec.infer().unwrap();
        let shapes: Vec<String> = infos.iter().map(|info| info.output.label()).collect();
        assert_eq!(
            shapes.first().map(String::as_str),
            Some("16×30×30"),
            "{shapes:?}"
        );
        assert_eq!(shapes.last().map(String::as_str), Some("3"));
        // 16·9+16 + 32·16·9+32 + 1152·64+64 + 64·3+3
        let parameters: u64 = infos.iter().map(|info| info.params).sum();
        assert_eq!(parameters, 160 + 4640 + 73_792 + 195);
    }

    #[test]
    fn the_mlp_preset_has_the_textbook_parameter_count() {
        let spec = ModelSpec::mlp(MNIST, Task::MultiClass, 10);
        let infos = spec.infer().unwrap();
        let shapes: Vec<String> = infos.iter().map(|info| info.output.label()).collect();
        assert_eq!(shapes, ["784", "128", "64", "10"]);
        // 784·128+128 + 128·64+64 + 64·10+10
        assert_eq!(spec.params(), 100_480 + 8_256 + 650);
        assert_eq!(spec.flops(), 2 * (784 * 128 + 128 * 64 + 64 * 10));
    }

    #[test]
    fn the_cnn_preset_matches_the_keras_tutorial() {
        let spec = ModelSpec::cnn(MNIST, Task::MultiClass, 10);
        let infos = spec.infer().unwrap();
        let shapes: Vec<String> = infos.iter().map(|info| info.output.label()).collect();
        assert_eq!(
            shapes,
            [
                "32×26×26",
                "32×13×13",
                "64×11×11",
                "64×5×5",
                "64×3×3",
                "576",
                "64",
                "10"
            ]
        );
        let params: Vec<u64> = infos.iter().map(|info| info.params).collect();
        // The TensorFlow CNN tutorial's counts for the same network on 28×28×1.
        assert_eq!(params, [320, 0, 18_496, 0, 36_928, 0, 36_928, 650]);
        assert_eq!(spec.params(), 93_322);
        assert_eq!(infos[0].flops, 2 * 9 * 32 * 26 * 26);
    }

    #[test]
    fn heads_follow_the_task() {
        let input = InputShape::Features { features: 4 };
        assert_eq!(ModelSpec::logistic(input, Task::Binary, 2).params(), 5);
        assert_eq!(ModelSpec::logistic(input, Task::Regression, 0).params(), 5);
        assert_eq!(ModelSpec::logistic(input, Task::MultiClass, 3).params(), 15);
        let error = ModelSpec::logistic(input, Task::MultiClass, 1)
            .infer()
            .unwrap_err();
        assert_eq!(error.name, "output");
    }

    #[test]
    fn specs_are_versioned_json_with_defaults() {
        let spec = ModelSpec::cnn(MNIST, Task::MultiClass, 10);
        let json = serde_json::to_string(&spec).unwrap();
        assert!(json.contains("\"version\":1"), "{json}");
        assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), spec);
        // Hand-written specs may leave out stride, padding and activations.
        let written = r#"{"version":1,"input":{"kind":"features","features":4},
            "layers":[{"type":"dense","units":8},{"type":"dropout","rate":0.2}],
            "task":"multi_class","outputs":3}"#;
        let spec: ModelSpec = serde_json::from_str(written).unwrap();
        assert_eq!(
            spec.layers[0],
            Layer::Dense {
                units: 8,
                activation: Activation::Relu
            }
        );
        assert_eq!(spec.params(), 4 * 8 + 8 + 8 * 3 + 3);
        let future = ModelSpec { version: 2, ..spec };
        assert!(
            future
                .infer()
                .unwrap_err()
                .message
                .contains("version 2 is not supported")
        );
    }
}
