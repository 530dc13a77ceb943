//! Shape inference for a [`ModelSpec`]: each layer's output shape, parameter count and
//! FLOPs, or an error that names the layer whose shapes do not fit. Every count is checked
//! against Hearth's limits before anything is built.

use serde::{Deserialize, Serialize};

use super::spec::{
    Layer, MAX_LAYERS, MAX_PARAMS, MAX_VALUES, ModelSpec, Padding, SPEC_VERSION, Shape,
};
use crate::data::summary::Task;

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
        if let Some(origin) = &self.origin {
            origin_fits(origin, self.layers.len())?;
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

    /// How many examples one forward pass for predictions or scoring takes at most: 512,
    /// or fewer where one example's largest intermediate (a layer's output, or for a
    /// convolution its unfolded patches, kernel² × input channels for every output pixel)
    /// would make the pass's buffers exceed [`PASS_BYTES`]. The engine's memory never
    /// shrinks, so a pass over 512 images of the small CNN (71 MB of patches for its second
    /// convolution) set its peak.
    pub fn rows_per_pass(&self) -> usize {
        let Ok(infos) = self.infer() else {
            return MAX_ROWS_PER_PASS;
        };
        let mut input = Shape::from(self.input);
        let mut largest = input.size();
        for (layer, info) in self.layers.iter().zip(&infos) {
            let patches = match (layer, input) {
                (Layer::Conv2d { kernel, .. }, Shape::Image { channels, .. }) => {
                    let pixels = match info.output {
                        Shape::Image { height, width, .. } => height * width,
                        Shape::Flat { .. } => 0,
                    };
                    pixels
                        .saturating_mul(kernel * kernel)
                        .saturating_mul(channels)
                }
                _ => 0,
            };
            largest = largest.max(patches).max(info.output.size());
            input = info.output;
        }
        let per_example = largest.saturating_mul(std::mem::size_of::<f32>()).max(1);
        (PASS_BYTES / per_example).clamp(MIN_ROWS_PER_PASS, MAX_ROWS_PER_PASS)
    }
}

/// The largest buffer a forward pass for predictions or scoring is planned to make (see
/// [`ModelSpec::rows_per_pass`]).
pub const PASS_BYTES: usize = 16 << 20;
const MAX_ROWS_PER_PASS: usize = 512;
const MIN_ROWS_PER_PASS: usize = 16;

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

/// Whether a model built on another keeps layers it has, and learns at a lower rate.
fn origin_fits(origin: &super::spec::Origin, layers: usize) -> Result<(), SpecError> {
    let fail = |message: String| SpecError {
        layer: 0,
        name: "spec".to_string(),
        message,
    };
    if origin.kept_layers == 0 || origin.kept_layers > layers {
        return Err(fail(format!(
            "it keeps {} of {}, but has {}",
            crate::text::counted(origin.kept_layers as u64, "layer"),
            origin.model,
            crate::text::counted(layers as u64, "layer")
        )));
    }
    let rate = origin.kept_rate;
    let lower = rate > 0.0 && rate <= 1.0;
    if !origin.frozen && !lower {
        return Err(fail(format!(
            "the kept layers' learning rate is {rate} × the run's: it must be more than 0 and at most 1"
        )));
    }
    Ok(())
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
    use crate::model::spec::{Activation, InputShape};

    const MNIST: InputShape = InputShape::MNIST;

    #[test]
    fn a_pass_over_a_convolution_takes_fewer_rows_so_its_patches_stay_small() {
        // The MLP's largest intermediate is its 784 inputs: 3 KB an example, 512 rows.
        assert_eq!(
            ModelSpec::mlp(MNIST, Task::MultiClass, 10).rows_per_pass(),
            512
        );
        // The CNN's second convolution unfolds 11 × 11 pixels × 3 × 3 × 32 channels = 34,848
        // values an example (136 KB): 120 rows fit in 16 MiB.
        let cnn = ModelSpec::cnn(MNIST, Task::MultiClass, 10);
        assert_eq!(cnn.rows_per_pass(), (16 << 20) / (34_848 * 4));
        assert_eq!(cnn.rows_per_pass(), 120);
        // A huge image still gets a few rows a pass.
        let large = ModelSpec::cnn(
            InputShape::Image {
                channels: 3,
                height: 256,
                width: 256,
            },
            Task::MultiClass,
            10,
        );
        assert_eq!(large.rows_per_pass(), 16);
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
