//! The model spec: a versioned serde document describing a network (input shape, layers,
//! output head), and shape inference that gives each layer's output shape, parameter count
//! and FLOPs, or an error that names the layer whose shapes do not fit.
//!
//! Plain Rust without tensors: the page uses it to show a model before it exists, the
//! engine to build the burn module, the model file to describe the weights.

use serde::{Deserialize, Serialize};

use crate::data::summary::Task;
use crate::flat::{MissingField, field};

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
}

/// What shape inference says about one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// "1. Conv2d 32 3×3 relu"; the head is "output".
    pub name: String,
    pub output: Shape,
    /// Trainable parameters.
    pub params: u64,
    /// Floating-point operations for one example's forward pass (a multiply-add is 2).
    pub flops: u64,
}

/// A spec whose shapes do not fit, with the layer to blame.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("layer {layer} ({name}): {message}")]
pub struct SpecError {
    /// 1-based; 0 for the input, `layers.len() + 1` for the output head.
    pub layer: usize,
    pub name: String,
    pub message: String,
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

    /// Each layer's output shape, parameters and FLOPs, the output head last.
    pub fn infer(&self) -> Result<Vec<LayerInfo>, SpecError> {
        let fail = |layer: usize, name: &str, message: String| SpecError {
            layer,
            name: name.to_string(),
            message,
        };
        if self.version != SPEC_VERSION {
            return Err(fail(
                0,
                "spec",
                format!(
                    "version {} is not supported (this Hearth reads version {SPEC_VERSION})",
                    self.version
                ),
            ));
        }
        if self.layers.len() > MAX_LAYERS {
            return Err(fail(
                0,
                "spec",
                format!(
                    "{} layers is too many: Hearth builds at most {MAX_LAYERS}",
                    self.layers.len()
                ),
            ));
        }
        let mut shape = Shape::from(self.input);
        let too_large = |shape: Shape| {
            format!(
                "{} values per example is too many: Hearth allows at most {} M at any layer; use smaller images or fewer filters",
                shape.label(),
                MAX_VALUES >> 20
            )
        };
        match shape.checked_size() {
            Some(0) => return Err(fail(0, "input", "the input has no values".to_string())),
            None => return Err(fail(0, "input", too_large(shape))),
            Some(_) => {}
        }
        let mut infos = Vec::with_capacity(self.layers.len() + 1);
        let mut total_params = 0u64;
        for (index, layer) in self.layers.iter().enumerate() {
            let number = index + 1;
            let name = format!("{number}. {}", layer.label());
            let (output, params, flops) = layer_shape(layer, number, shape)?;
            if output.checked_size().is_none() {
                return Err(fail(number, &layer.label(), too_large(output)));
            }
            total_params = total_params.saturating_add(params);
            if total_params > MAX_PARAMS {
                return Err(fail(number, &layer.label(), too_many_params(total_params)));
            }
            infos.push(LayerInfo {
                name,
                output,
                params,
                flops,
            });
            shape = output;
        }
        let head = self.layers.len() + 1;
        let Shape::Flat { size } = shape else {
            return Err(fail(
                head,
                "output",
                format!(
                    "the output layer needs a flat input but gets {}: add Flatten before it",
                    shape.label()
                ),
            ));
        };
        if self.task == Task::MultiClass && self.outputs < 2 {
            return Err(fail(
                head,
                "output",
                format!(
                    "multi-class output needs 2 or more classes, not {}",
                    self.outputs
                ),
            ));
        }
        let outputs = if self.task == Task::MultiClass {
            self.outputs
        } else {
            1
        };
        if outputs > MAX_VALUES {
            return Err(fail(
                head,
                "output",
                format!("{outputs} classes is too many: Hearth allows at most {MAX_VALUES}"),
            ));
        }
        let (params, flops) = dense_cost(size, outputs);
        if total_params.saturating_add(params) > MAX_PARAMS {
            return Err(fail(
                head,
                "output",
                too_many_params(total_params.saturating_add(params)),
            ));
        }
        infos.push(LayerInfo {
            name: "output".to_string(),
            output: Shape::Flat { size: outputs },
            params,
            flops,
        });
        Ok(infos)
    }

    /// Total trainable parameters (0 when the shapes do not fit).
    pub fn params(&self) -> u64 {
        self.infer()
            .map_or(0, |infos| infos.iter().map(|info| info.params).sum())
    }

    /// Total FLOPs of one example's forward pass (0 when the shapes do not fit).
    pub fn flops(&self) -> u64 {
        self.infer()
            .map_or(0, |infos| infos.iter().map(|info| info.flops).sum())
    }
}

fn too_many_params(params: u64) -> String {
    format!(
        "the model would have {:.1} M parameters; Hearth trains at most {} M in a browser tab: use fewer units or filters, or pool before Flatten",
        params as f64 / 1e6,
        MAX_PARAMS / 1_000_000
    )
}

/// A dense layer's parameters and FLOPs, from `inputs` to `units` (saturating: the caller
/// refuses anything near the limits).
fn dense_cost(inputs: usize, units: usize) -> (u64, u64) {
    let weights = (inputs as u64).saturating_mul(units as u64);
    (
        weights.saturating_add(units as u64),
        weights.saturating_mul(2),
    )
}

/// One layer's output shape, parameters and FLOPs for `input` (whose size is at most
/// [`MAX_VALUES`]), or why layer `number` does not fit. Counts are saturating u64: the caller checks the
/// output's size and the parameter total before anything is built.
fn layer_shape(layer: &Layer, number: usize, input: Shape) -> Result<(Shape, u64, u64), SpecError> {
    let misfit = |message: String| SpecError {
        layer: number,
        name: layer.label(),
        message,
    };
    let image = |what: &str| match input {
        Shape::Image {
            channels,
            height,
            width,
        } => Ok((channels, height, width)),
        Shape::Flat { size } => Err(misfit(format!(
            "{what} needs an image input (channels × height × width) but gets a flat {size}"
        ))),
    };
    match *layer {
        Layer::Dense { units, .. } => {
            let Shape::Flat { size } = input else {
                return Err(misfit(format!(
                    "Dense needs a flat input but gets {}: add Flatten before it",
                    input.label()
                )));
            };
            if units == 0 {
                return Err(misfit("a Dense layer needs at least 1 unit".to_string()));
            }
            let (params, flops) = dense_cost(size, units);
            Ok((Shape::Flat { size: units }, params, flops))
        }
        Layer::Conv2d {
            filters,
            kernel,
            stride,
            padding,
            ..
        } => {
            let (channels, height, width) = image("Conv2d")?;
            if filters == 0 || kernel == 0 || stride == 0 {
                return Err(misfit(
                    "filters, kernel and stride must be at least 1".to_string(),
                ));
            }
            let out = |side: usize| match padding {
                Padding::Same => Ok(side.div_ceil(stride)),
                Padding::Valid if side >= kernel => Ok((side - kernel) / stride + 1),
                Padding::Valid => Err(misfit(format!(
                    "a {kernel}×{kernel} kernel does not fit in {height}×{width} without padding: use a smaller kernel, padding \"same\", or fewer pooling layers before it"
                ))),
            };
            let (oh, ow) = (out(height)?, out(width)?);
            let weights = [kernel, kernel, channels, filters]
                .iter()
                .fold(1u64, |product, &n| product.saturating_mul(n as u64));
            let params = weights.saturating_add(filters as u64);
            let flops = weights
                .saturating_mul(2)
                .saturating_mul(oh as u64)
                .saturating_mul(ow as u64);
            Ok((
                Shape::Image {
                    channels: filters,
                    height: oh,
                    width: ow,
                },
                params,
                flops,
            ))
        }
        Layer::MaxPool2d { size, stride } | Layer::AvgPool2d { size, stride } => {
            let (channels, height, width) = image("Pooling")?;
            let stride = stride.unwrap_or(size);
            if size == 0 || stride == 0 {
                return Err(misfit(
                    "pool size and stride must be at least 1".to_string(),
                ));
            }
            if height < size || width < size {
                return Err(misfit(format!(
                    "a {size}×{size} pool does not fit in {height}×{width}: remove a pooling layer or use a smaller one"
                )));
            }
            let (oh, ow) = ((height - size) / stride + 1, (width - size) / stride + 1);
            let flops = [size, size, channels, oh, ow]
                .iter()
                .fold(1u64, |product, &n| product.saturating_mul(n as u64));
            Ok((
                Shape::Image {
                    channels,
                    height: oh,
                    width: ow,
                },
                0,
                flops,
            ))
        }
        Layer::Flatten => Ok((Shape::Flat { size: input.size() }, 0, 0)),
        Layer::Dropout { rate } => {
            if !(0.0..1.0).contains(&rate) {
                return Err(misfit(format!(
                    "the dropout rate must be at least 0 and below 1, not {rate}"
                )));
            }
            Ok((input, 0, 0))
        }
        Layer::BatchNorm { .. } => {
            let features = match input {
                Shape::Flat { size } => size,
                Shape::Image { channels, .. } => channels,
            };
            Ok((input, 2 * features as u64, 4 * input.size() as u64))
        }
    }
}

/// "Same" padding as TensorFlow defines it, for any stride: the pixels added (before,
/// after) a side of `side` pixels so that the output is ceil(side / stride); the extra
/// pixel, if any, goes after (at the bottom and right).
pub fn same_padding(side: usize, kernel: usize, stride: usize) -> (usize, usize) {
    let total = ((side.div_ceil(stride) - 1) * stride + kernel).saturating_sub(side);
    (total / 2, total - total / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MNIST: InputShape = InputShape::MNIST;

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
    fn misfits_name_the_layer() {
        let dense_on_image = ModelSpec::new(
            MNIST,
            vec![Layer::Dense {
                units: 10,
                activation: Activation::Relu,
            }],
            Task::MultiClass,
            10,
        );
        let error = dense_on_image.infer().unwrap_err();
        assert_eq!(error.layer, 1);
        assert!(
            error.to_string().starts_with(
                "layer 1 (Dense 10 relu): Dense needs a flat input but gets 1×28×28: add Flatten"
            ),
            "{error}"
        );

        let conv_on_table = ModelSpec::cnn(InputShape::Features { features: 4 }, Task::Binary, 2);
        assert!(
            conv_on_table
                .infer()
                .unwrap_err()
                .message
                .contains("needs an image input")
        );

        let too_many_pools = ModelSpec::new(
            InputShape::Image {
                height: 4,
                width: 4,
                channels: 1,
            },
            vec![
                Layer::MaxPool2d {
                    size: 2,
                    stride: None,
                },
                Layer::MaxPool2d {
                    size: 2,
                    stride: None,
                },
                Layer::MaxPool2d {
                    size: 2,
                    stride: None,
                },
            ],
            Task::Binary,
            2,
        );
        let error = too_many_pools.infer().unwrap_err();
        assert_eq!(error.layer, 3);
        assert!(error.message.contains("does not fit in 1×1"), "{error}");

        let no_flatten = ModelSpec::new(MNIST, Vec::new(), Task::Binary, 2);
        assert!(
            no_flatten
                .infer()
                .unwrap_err()
                .message
                .contains("add Flatten")
        );

        let bad_dropout = ModelSpec::new(
            InputShape::Features { features: 3 },
            vec![Layer::Dropout { rate: 1.5 }],
            Task::Binary,
            2,
        );
        assert!(
            bad_dropout
                .infer()
                .unwrap_err()
                .message
                .contains("dropout rate")
        );
    }

    #[test]
    fn same_padding_and_strides() {
        let spec = ModelSpec::new(
            InputShape::Image {
                height: 32,
                width: 32,
                channels: 3,
            },
            vec![
                Layer::Conv2d {
                    filters: 16,
                    kernel: 3,
                    stride: 2,
                    padding: Padding::Same,
                    activation: Activation::Gelu,
                },
                Layer::BatchNorm {
                    activation: Activation::Relu,
                },
                Layer::AvgPool2d {
                    size: 2,
                    stride: None,
                },
                Layer::Flatten,
            ],
            Task::MultiClass,
            10,
        );
        let infos = spec.infer().unwrap();
        assert_eq!(infos[0].output.label(), "16×16×16");
        assert_eq!(infos[1].params, 32);
        assert_eq!(infos[2].output.label(), "16×8×8");
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

    #[test]
    fn hostile_sizes_are_refused_before_any_arithmetic_overflows() {
        let dense = |units| Layer::Dense {
            units,
            activation: Activation::Relu,
        };
        let features = |features| InputShape::Features { features };
        let message = |spec: ModelSpec| spec.infer().unwrap_err().to_string();
        // An input, a layer or a class count past the value limit.
        let huge = ModelSpec::new(features(usize::MAX), vec![], Task::MultiClass, 3);
        assert!(message(huge).contains("values per example is too many"));
        let image = InputShape::Image {
            height: usize::MAX / 2,
            width: 4,
            channels: 0,
        };
        assert!(message(ModelSpec::new(image, vec![], Task::Binary, 2)).contains("too many"));
        let wide = ModelSpec::new(features(4), vec![dense(usize::MAX)], Task::Binary, 2);
        assert!(message(wide).starts_with("layer 1 (Dense"));
        let classes = ModelSpec::new(features(4), vec![], Task::MultiClass, usize::MAX);
        assert!(message(classes).contains("classes is too many"));
        // Parameters: each layer fits, the total does not; the layer that tips it is named.
        let deep = ModelSpec::new(
            features(10_000),
            vec![dense(4_000), dense(10_000), dense(10_000)],
            Task::Binary,
            2,
        );
        let error = deep.infer().unwrap_err();
        assert_eq!(error.layer, 3);
        assert!(error.message.contains("at most 100 M"), "{error}");
        assert_eq!(deep.params(), 0);
        // A kernel whose square overflows, with "same" padding (no fit check).
        let conv = Layer::Conv2d {
            filters: 8,
            kernel: usize::MAX / 2,
            stride: 1,
            padding: Padding::Same,
            activation: Activation::Relu,
        };
        assert!(message(ModelSpec::new(MNIST, vec![conv], Task::Binary, 2)).contains("parameters"));
        let many = ModelSpec::new(features(4), vec![dense(2); MAX_LAYERS + 1], Task::Binary, 2);
        assert!(message(many).contains("too many"));
        // The largest models that are allowed still are.
        let big = ModelSpec::new(features(9_000), vec![dense(10_000)], Task::Binary, 2);
        assert!(big.params() > 90_000_000 && big.params() <= MAX_PARAMS);
    }
}
