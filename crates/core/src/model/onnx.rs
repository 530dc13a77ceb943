//! ONNX export: a Hearth model file as a standard ONNX model (`hearth export --format
//! onnx`). The graph does what Hearth does from a row or an image to the probabilities
//! (or the value): table models take the raw columns as named inputs (numbers as floats,
//! missing as NaN; categories and yes/no as strings) and do the preprocessing with standard
//! operators (`ai.onnx.ml`'s Imputer, Scaler and LabelEncoder, ONNX's OneHot); image models
//! take `[N, height, width, channels]` pixels from 0 to 1. The model card is in the metadata.
//!
//! The protobuf messages are the subset of `onnx.proto` that a model needs, encoded by
//! `prost` (field numbers as in onnx.proto; ONNX ships no Rust bindings of its own).

use prost::Message;

use super::document::{METADATA_KEY, ModelDocument};
use super::spec::{Activation, InputShape, Layer, Padding, Shape, same_padding};
use crate::data::prep::{FeatureSchema, Schema, TargetSchema};
use crate::data::summary::Task;

/// The ONNX IR version written (ONNX 1.15's, which reads opset 20).
const IR_VERSION: i64 = 9;
/// The default domain's opset: 20 has Gelu.
const OPSET: i64 = 20;
/// `ai.onnx.ml`'s opset: 3 has LabelEncoder with float values and Imputer, Scaler.
const ML_OPSET: i64 = 3;
/// burn's batch-norm epsilon (BatchNormConfig's default).
const BATCH_NORM_EPSILON: f32 = 1e-5;

const FLOAT: i32 = 1;
const INT64: i32 = 7;
const STRING: i32 = 8;

#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(int64, tag = "1")]
    ir_version: i64,
    #[prost(string, tag = "2")]
    producer_name: String,
    #[prost(string, tag = "3")]
    producer_version: String,
    #[prost(string, tag = "6")]
    doc_string: String,
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    opset_import: Vec<OperatorSetIdProto>,
    #[prost(message, repeated, tag = "14")]
    metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, Message)]
struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    domain: String,
    #[prost(int64, tag = "2")]
    version: i64,
}

#[derive(Clone, PartialEq, Message)]
struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(string, tag = "2")]
    value: String,
}

#[derive(Clone, PartialEq, Message)]
struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(message, repeated, tag = "5")]
    initializer: Vec<TensorProto>,
    #[prost(string, tag = "10")]
    doc_string: String,
    #[prost(message, repeated, tag = "11")]
    input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    output: Vec<ValueInfoProto>,
}

#[derive(Clone, PartialEq, Message)]
struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    output: Vec<String>,
    #[prost(string, tag = "3")]
    name: String,
    #[prost(string, tag = "4")]
    op_type: String,
    #[prost(message, repeated, tag = "5")]
    attribute: Vec<AttributeProto>,
    #[prost(string, tag = "7")]
    domain: String,
}

#[derive(Clone, PartialEq, Message)]
struct AttributeProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(float, tag = "2")]
    f: f32,
    #[prost(int64, tag = "3")]
    i: i64,
    #[prost(bytes = "vec", tag = "4")]
    s: Vec<u8>,
    #[prost(float, repeated, tag = "7")]
    floats: Vec<f32>,
    #[prost(int64, repeated, tag = "8")]
    ints: Vec<i64>,
    #[prost(bytes = "vec", repeated, tag = "9")]
    strings: Vec<Vec<u8>>,
    /// AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8.
    #[prost(int32, tag = "20")]
    r#type: i32,
}

#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    #[prost(int64, repeated, tag = "1")]
    dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    data_type: i32,
    #[prost(float, repeated, tag = "4")]
    float_data: Vec<f32>,
    #[prost(int64, repeated, tag = "7")]
    int64_data: Vec<i64>,
    #[prost(string, tag = "8")]
    name: String,
}

#[derive(Clone, PartialEq, Message)]
struct ValueInfoProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    r#type: Option<TypeProto>,
    #[prost(string, tag = "3")]
    doc_string: String,
}

#[derive(Clone, PartialEq, Message)]
struct TypeProto {
    #[prost(message, optional, tag = "1")]
    tensor_type: Option<TensorTypeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    elem_type: i32,
    #[prost(message, optional, tag = "2")]
    shape: Option<TensorShapeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    dim: Vec<Dimension>,
}

#[derive(Clone, PartialEq, Message)]
struct Dimension {
    #[prost(int64, optional, tag = "1")]
    dim_value: Option<i64>,
    #[prost(string, optional, tag = "2")]
    dim_param: Option<String>,
}

/// Why a model cannot be exported to ONNX.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OnnxError {
    #[error(transparent)]
    File(#[from] super::document::ModelFileError),
    #[error("{file} has no weight {name} (or it is not {expected} numbers): the file is damaged")]
    Weight {
        file: String,
        name: String,
        expected: usize,
    },
    #[error("{file}: {reason}")]
    Unsupported { file: String, reason: String },
}

/// An attribute of a node.
enum Value {
    Int(i64),
    Float(f32),
    Ints(Vec<i64>),
    Floats(Vec<f32>),
    Text(String),
    Texts(Vec<String>),
}

fn attribute(name: &str, value: Value) -> AttributeProto {
    let mut attribute = AttributeProto {
        name: name.to_string(),
        ..AttributeProto::default()
    };
    match value {
        Value::Float(f) => (attribute.f, attribute.r#type) = (f, 1),
        Value::Int(i) => (attribute.i, attribute.r#type) = (i, 2),
        Value::Text(s) => (attribute.s, attribute.r#type) = (s.into_bytes(), 3),
        Value::Floats(floats) => (attribute.floats, attribute.r#type) = (floats, 6),
        Value::Ints(ints) => (attribute.ints, attribute.r#type) = (ints, 7),
        Value::Texts(strings) => {
            attribute.strings = strings.into_iter().map(String::into_bytes).collect();
            attribute.r#type = 8;
        }
    }
    attribute
}

fn value_info(name: &str, elem_type: i32, dims: &[Option<i64>], doc: &str) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|dim| match dim {
            Some(size) => Dimension {
                dim_value: Some(*size),
                dim_param: None,
            },
            None => Dimension {
                dim_value: None,
                dim_param: Some("N".to_string()),
            },
        })
        .collect();
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type,
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
        doc_string: doc.to_string(),
    }
}

/// The graph being written: its nodes and constant tensors, with fresh names.
#[derive(Default)]
struct Builder {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    next: usize,
}

impl Builder {
    fn fresh(&mut self, hint: &str) -> String {
        self.next += 1;
        format!("{hint}_{}", self.next)
    }

    /// Adds a node of `op` on `inputs`; returns its (first) output's name.
    fn node(
        &mut self,
        op: &str,
        domain: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) -> String {
        let output = self.fresh(&op.to_lowercase());
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|input| input.to_string()).collect(),
            output: vec![output.clone()],
            name: output.clone(),
            op_type: op.to_string(),
            attribute: attributes,
            domain: domain.to_string(),
        });
        output
    }

    /// Names the last node's output `name` (a graph output).
    fn name_last(&mut self, name: &str) {
        if let Some(node) = self.nodes.last_mut() {
            node.output = vec![name.to_string()];
        }
    }

    fn op(&mut self, op: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        self.node(op, "", inputs, attributes)
    }

    fn ml(&mut self, op: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        self.node(op, "ai.onnx.ml", inputs, attributes)
    }

    fn floats(&mut self, hint: &str, dims: &[usize], values: Vec<f32>) -> String {
        let name = self.fresh(hint);
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&dim| dim as i64).collect(),
            data_type: FLOAT,
            float_data: values,
            int64_data: Vec::new(),
            name: name.clone(),
        });
        name
    }

    fn ints(&mut self, hint: &str, values: Vec<i64>) -> String {
        let name = self.fresh(hint);
        self.initializers.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: INT64,
            float_data: Vec::new(),
            int64_data: values,
            name: name.clone(),
        });
        name
    }

    fn activation(&mut self, x: String, activation: Activation) -> String {
        match activation {
            Activation::Linear => x,
            Activation::Relu => self.op("Relu", &[&x], Vec::new()),
            Activation::LeakyRelu => self.op(
                "LeakyRelu",
                &[&x],
                vec![attribute("alpha", Value::Float(0.01))],
            ),
            Activation::Elu => self.op("Elu", &[&x], vec![attribute("alpha", Value::Float(1.0))]),
            Activation::Gelu => self.op("Gelu", &[&x], Vec::new()),
            Activation::Sigmoid => self.op("Sigmoid", &[&x], Vec::new()),
            Activation::Tanh => self.op("Tanh", &[&x], Vec::new()),
        }
    }
}

/// The model file's weights, widened to f32, by name.
struct Weights<'a> {
    file: &'a str,
    tensors: safetensors::SafeTensors<'a>,
}

impl Weights<'_> {
    /// Tensor `name`, which must hold `expected` numbers.
    fn get(&self, name: &str, expected: usize) -> Result<Vec<f32>, OnnxError> {
        super::document::f32_tensor(&self.tensors, name, expected).ok_or_else(|| {
            OnnxError::Weight {
                file: self.file.to_string(),
                name: name.to_string(),
                expected,
            }
        })
    }
}

/// The ONNX model of the Hearth model file `bytes` (named `file` in messages).
pub fn export(file: &str, bytes: &[u8]) -> Result<Vec<u8>, OnnxError> {
    let document = super::document::read_document(file, bytes)?;
    let widened = super::half::widened(bytes).map_err(|reason| OnnxError::Unsupported {
        file: file.to_string(),
        reason: format!("its f16 weights could not be read ({reason})"),
    })?;
    let tensors = safetensors::SafeTensors::deserialize(&widened).map_err(|error| {
        OnnxError::Unsupported {
            file: file.to_string(),
            reason: format!("its tensors could not be read ({error})"),
        }
    })?;
    let weights = Weights { file, tensors };
    let mut graph = Builder::default();
    let (inputs, x) = inputs(&mut graph, &document);
    let x = network(&mut graph, &document, &weights, x)?;
    let output = outputs(&mut graph, &document, x);
    let card = &document.card;
    let mut metadata = vec![
        ("name", card.name.clone()),
        ("description", card.description.clone()),
        ("intended_use", card.intended_use.clone()),
        ("limitations", card.limitations.clone()),
        (
            "classes",
            serde_json::to_string(&document.class_labels).unwrap_or_default(),
        ),
        (
            METADATA_KEY,
            serde_json::to_string(&document).unwrap_or_default(),
        ),
    ];
    metadata.retain(|(_, value)| !value.is_empty());
    let model = ModelProto {
        ir_version: IR_VERSION,
        producer_name: "Hearth".to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        doc_string: card.description.clone(),
        graph: Some(GraphProto {
            node: graph.nodes,
            name: crate::text::slug(&card.name),
            initializer: graph.initializers,
            doc_string: card.description.clone(),
            input: inputs,
            output: vec![output],
        }),
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            },
            OperatorSetIdProto {
                domain: "ai.onnx.ml".to_string(),
                version: ML_OPSET,
            },
        ],
        metadata_props: metadata
            .into_iter()
            .map(|(key, value)| StringStringEntryProto {
                key: key.to_string(),
                value,
            })
            .collect(),
    };
    Ok(model.encode_to_vec())
}

/// The graph's inputs, and the model input they become (`[N, features]`, or NCHW images).
fn inputs(graph: &mut Builder, document: &ModelDocument) -> (Vec<ValueInfoProto>, String) {
    match (document.spec.input, &document.preprocessing) {
        (
            InputShape::Image {
                height,
                width,
                channels,
            },
            _,
        ) => {
            let dims = [
                None,
                Some(height as i64),
                Some(width as i64),
                Some(channels as i64),
            ];
            let info = value_info(
                "image",
                FLOAT,
                &dims,
                "pixels from 0 to 1, [N, height, width, channels]",
            );
            let x = graph.op(
                "Transpose",
                &["image"],
                vec![attribute("perm", Value::Ints(vec![0, 3, 1, 2]))],
            );
            (vec![info], x)
        }
        (InputShape::Features { .. }, Some(schema)) => table_inputs(graph, schema),
        (InputShape::Features { features }, None) => {
            let info = value_info(
                "inputs",
                FLOAT,
                &[None, Some(features as i64)],
                "the model's prepared inputs (the model file records no preprocessing)",
            );
            (vec![info], "inputs".to_string())
        }
    }
}

/// One input per column (`[N, 1]`: floats for numbers, strings otherwise) and the nodes
/// that encode them as Hearth does, concatenated in the schema's order.
fn table_inputs(graph: &mut Builder, schema: &Schema) -> (Vec<ValueInfoProto>, String) {
    let mut infos = Vec::new();
    let mut parts = Vec::new();
    for feature in &schema.features {
        let (info, encoded) = match feature {
            FeatureSchema::Numeric {
                column,
                fill,
                shift,
                scale,
                indicator,
            } => numeric(graph, column, *fill, *shift, *scale, *indicator),
            FeatureSchema::Boolean {
                column,
                true_value,
                fill,
                indicator,
            } => boolean(graph, column, true_value, *fill, *indicator),
            FeatureSchema::Categorical {
                column,
                levels,
                fill,
                indicator,
            } => categorical(graph, column, levels, fill.as_deref(), *indicator),
        };
        infos.push(info);
        parts.extend(encoded);
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    let x = graph.op("Concat", &refs, vec![attribute("axis", Value::Int(1))]);
    (infos, x)
}

/// The cells Hearth reads as missing (lower case, the empty cell among them).
fn missing_tokens() -> Vec<String> {
    crate::data::infer::MISSING_TOKENS
        .iter()
        .map(|token| token.to_string())
        .collect()
}

/// A number column: NaN where missing, filled, then shifted and scaled.
fn numeric(
    graph: &mut Builder,
    column: &str,
    fill: f64,
    shift: f64,
    scale: f64,
    indicator: bool,
) -> (ValueInfoProto, Vec<String>) {
    let info = value_info(
        column,
        FLOAT,
        &[None, Some(1)],
        "a number; NaN where missing",
    );
    let filled = graph.ml(
        "Imputer",
        &[column],
        vec![
            attribute("imputed_value_floats", Value::Floats(vec![fill as f32])),
            attribute("replaced_value_float", Value::Float(f32::NAN)),
        ],
    );
    let mut parts = vec![graph.ml(
        "Scaler",
        &[&filled],
        vec![
            attribute("offset", Value::Floats(vec![shift as f32])),
            attribute("scale", Value::Floats(vec![(1.0 / scale) as f32])),
        ],
    )];
    if indicator {
        let missing = graph.op("IsNaN", &[column], Vec::new());
        parts.push(graph.op(
            "Cast",
            &[&missing],
            vec![attribute("to", Value::Int(i64::from(FLOAT)))],
        ));
    }
    (info, parts)
}

/// A yes/no column: 1 for its true value in any case, 0 for others, the fill if missing.
fn boolean(
    graph: &mut Builder,
    column: &str,
    true_value: &str,
    fill: f64,
    indicator: bool,
) -> (ValueInfoProto, Vec<String>) {
    let info = value_info(
        column,
        STRING,
        &[None, Some(1)],
        &format!("\"{true_value}\" (any case) or another value; empty where missing"),
    );
    let lower = lowercase(graph, column);
    let tokens = missing_tokens();
    let mut keys = tokens.clone();
    let mut values = vec![fill as f32; tokens.len()];
    keys.push(true_value.to_lowercase());
    values.push(1.0);
    let mut parts = vec![graph.ml(
        "LabelEncoder",
        &[&lower],
        vec![
            attribute("keys_strings", Value::Texts(keys)),
            attribute("values_floats", Value::Floats(values)),
            attribute("default_float", Value::Float(0.0)),
        ],
    )];
    if indicator {
        parts.push(missing_indicator(graph, &lower, &tokens));
    }
    (info, parts)
}

/// A category column: one input per level (one-hot), all zeros for an unseen value, the
/// fill's level if missing.
fn categorical(
    graph: &mut Builder,
    column: &str,
    levels: &[String],
    fill: Option<&str>,
    indicator: bool,
) -> (ValueInfoProto, Vec<String>) {
    let info = value_info(
        column,
        STRING,
        &[None, Some(1)],
        &format!("one of {}; empty where missing", levels.join(", ")),
    );
    // Each level's index; an unseen value the extra index `levels.len()`, which the
    // one-hot columns leave out. Levels match as written, missing tokens in any case.
    let unseen = levels.len() as i64;
    let fill_index = fill
        .and_then(|fill| levels.iter().position(|level| level == fill))
        .map_or(unseen, |index| index as i64);
    let tokens = missing_tokens();
    let lower = lowercase(graph, column);
    let index = graph.ml(
        "LabelEncoder",
        &[column],
        vec![
            attribute("keys_strings", Value::Texts(levels.to_vec())),
            attribute("values_int64s", Value::Ints((0..unseen).collect())),
            attribute("default_int64", Value::Int(unseen)),
        ],
    );
    let missing = missing_indicator(graph, &lower, &tokens);
    let is_missing = graph.op("Cast", &[&missing], vec![attribute("to", Value::Int(9))]);
    let fill_value = graph.ints("fill", vec![fill_index]);
    let chosen = graph.op("Where", &[&is_missing, &fill_value, &index], Vec::new());
    let depth = graph.ints("depth", vec![unseen + 1]);
    let on_off = graph.floats("on_off", &[2], vec![0.0, 1.0]);
    let one_hot = graph.op(
        "OneHot",
        &[&chosen, &depth, &on_off],
        vec![attribute("axis", Value::Int(-1))],
    );
    let shape = graph.ints("shape", vec![-1, unseen + 1]);
    let flat = graph.op("Reshape", &[&one_hot, &shape], Vec::new());
    let (starts, ends, axes) = (
        graph.ints("starts", vec![0]),
        graph.ints("ends", vec![unseen]),
        graph.ints("axes", vec![1]),
    );
    let mut parts = vec![graph.op("Slice", &[&flat, &starts, &ends, &axes], Vec::new())];
    if indicator {
        parts.push(missing);
    }
    (info, parts)
}

/// The column's strings in lower case.
fn lowercase(graph: &mut Builder, column: &str) -> String {
    // StringNormalizer reads [N] or [1, N]: flatten, normalise, back to [N, 1].
    let flat_shape = graph.ints("flat", vec![-1]);
    let flat = graph.op("Reshape", &[column, &flat_shape], Vec::new());
    let lower = graph.op(
        "StringNormalizer",
        &[&flat],
        vec![
            attribute("case_change_action", Value::Text("LOWER".to_string())),
            // The C locale lowercases ASCII, as Hearth compares (eq_ignore_ascii_case),
            // and exists everywhere (en_US, the default, needs a language pack).
            attribute("locale", Value::Text("C".to_string())),
        ],
    );
    let column_shape = graph.ints("column", vec![-1, 1]);
    graph.op("Reshape", &[&lower, &column_shape], Vec::new())
}

/// 1 where the (lowercased) cell is a missing token, else 0.
fn missing_indicator(graph: &mut Builder, lower: &str, tokens: &[String]) -> String {
    graph.ml(
        "LabelEncoder",
        &[lower],
        vec![
            attribute("keys_strings", Value::Texts(tokens.to_vec())),
            attribute("values_floats", Value::Floats(vec![1.0; tokens.len()])),
            attribute("default_float", Value::Float(0.0)),
        ],
    )
}

/// The layers and the head, from the model input `x`.
fn network(
    graph: &mut Builder,
    document: &ModelDocument,
    weights: &Weights<'_>,
    mut x: String,
) -> Result<String, OnnxError> {
    let spec = &document.spec;
    let infos = spec.infer().map_err(|error| OnnxError::Unsupported {
        file: weights.file.to_string(),
        reason: format!("its architecture is invalid ({error})"),
    })?;
    let mut shape = Shape::from(spec.input);
    for (index, (layer, info)) in spec.layers.iter().zip(&infos).enumerate() {
        let prefix = format!("blocks.{index}");
        x = match *layer {
            Layer::Dense { units, activation } => {
                let inputs = shape.size();
                let w = weights.get(&format!("{prefix}.Dense.weight"), inputs * units)?;
                let b = weights.get(&format!("{prefix}.Dense.bias"), units)?;
                let w = graph.floats("weight", &[inputs, units], w);
                let b = graph.floats("bias", &[units], b);
                let y = graph.op("Gemm", &[&x, &w, &b], Vec::new());
                graph.activation(y, activation)
            }
            Layer::Conv2d {
                filters,
                kernel,
                stride,
                padding,
                activation,
            } => {
                let (channels, height, width) = shape.dims();
                let w = weights.get(
                    &format!("{prefix}.Conv.weight"),
                    filters * channels * kernel * kernel,
                )?;
                let b = weights.get(&format!("{prefix}.Conv.bias"), filters)?;
                let w = graph.floats("weight", &[filters, channels, kernel, kernel], w);
                let b = graph.floats("bias", &[filters], b);
                let pads = match padding {
                    Padding::Valid => vec![0, 0, 0, 0],
                    Padding::Same => {
                        let (top, bottom) = same_padding(height, kernel, stride);
                        let (left, right) = same_padding(width, kernel, stride);
                        vec![top as i64, left as i64, bottom as i64, right as i64]
                    }
                };
                let y = graph.op(
                    "Conv",
                    &[&x, &w, &b],
                    vec![
                        attribute("kernel_shape", Value::Ints(vec![kernel as i64; 2])),
                        attribute("strides", Value::Ints(vec![stride as i64; 2])),
                        attribute("pads", Value::Ints(pads)),
                    ],
                );
                graph.activation(y, activation)
            }
            Layer::MaxPool2d { size, stride } | Layer::AvgPool2d { size, stride } => {
                let op = if matches!(layer, Layer::MaxPool2d { .. }) {
                    "MaxPool"
                } else {
                    "AveragePool"
                };
                graph.op(
                    op,
                    &[&x],
                    vec![
                        attribute("kernel_shape", Value::Ints(vec![size as i64; 2])),
                        attribute(
                            "strides",
                            Value::Ints(vec![stride.unwrap_or(size) as i64; 2]),
                        ),
                    ],
                )
            }
            Layer::Flatten => match shape {
                Shape::Image { .. } => {
                    graph.op("Flatten", &[&x], vec![attribute("axis", Value::Int(1))])
                }
                Shape::Flat { .. } => x,
            },
            // Inference: dropout passes everything.
            Layer::Dropout { .. } => x,
            Layer::BatchNorm { activation } => {
                let channels = match shape {
                    Shape::Image { channels, .. } => channels,
                    Shape::Flat { size } => size,
                };
                let mut parts = Vec::new();
                for (part, hint) in [
                    ("gamma", "scale"),
                    ("beta", "shift"),
                    ("running_mean", "mean"),
                    ("running_var", "var"),
                ] {
                    let values = weights.get(&format!("{prefix}.BatchNorm.{part}"), channels)?;
                    parts.push(graph.floats(hint, &[channels], values));
                }
                let y = graph.op(
                    "BatchNormalization",
                    &[&x, &parts[0], &parts[1], &parts[2], &parts[3]],
                    vec![attribute("epsilon", Value::Float(BATCH_NORM_EPSILON))],
                );
                graph.activation(y, activation)
            }
        };
        shape = info.output;
    }
    if let Shape::Image { .. } = shape {
        x = graph.op("Flatten", &[&x], vec![attribute("axis", Value::Int(1))]);
    }
    let (inputs, outputs) = (shape.size(), spec.outputs);
    let w = weights.get("head.weight", inputs * outputs)?;
    let b = weights.get("head.bias", outputs)?;
    let w = graph.floats("weight", &[inputs, outputs], w);
    let b = graph.floats("bias", &[outputs], b);
    Ok(graph.op("Gemm", &[&x, &w, &b], Vec::new()))
}

/// The head's outputs as Hearth gives them: each class's probability, or the value.
fn outputs(graph: &mut Builder, document: &ModelDocument, x: String) -> ValueInfoProto {
    let classes = document.class_labels.len().max(document.spec.outputs);
    match document.spec.task {
        Task::MultiClass => {
            graph.op("Softmax", &[&x], vec![attribute("axis", Value::Int(1))]);
            graph.name_last("probabilities");
            value_info(
                "probabilities",
                FLOAT,
                &[None, Some(classes as i64)],
                &format!(
                    "the probability of each class: {}",
                    document.class_labels.join(", ")
                ),
            )
        }
        Task::Binary => {
            // Hearth's one output is the second class's probability.
            let p = graph.op("Sigmoid", &[&x], Vec::new());
            let one = graph.floats("one", &[1], vec![1.0]);
            let q = graph.op("Sub", &[&one, &p], Vec::new());
            graph.op("Concat", &[&q, &p], vec![attribute("axis", Value::Int(1))]);
            graph.name_last("probabilities");
            value_info(
                "probabilities",
                FLOAT,
                &[None, Some(2)],
                &format!(
                    "the probability of each class: {}",
                    document.class_labels.join(", ")
                ),
            )
        }
        Task::Regression => {
            let (mean, std) = match document.preprocessing.as_ref().map(|schema| &schema.target) {
                Some(TargetSchema::Regression { mean, std, .. }) => (*mean as f32, *std as f32),
                _ => (0.0, 1.0),
            };
            let std = graph.floats("std", &[1], vec![std]);
            let mean = graph.floats("mean", &[1], vec![mean]);
            let scaled = graph.op("Mul", &[&x, &std], Vec::new());
            graph.op("Add", &[&scaled, &mean], Vec::new());
            graph.name_last("value");
            value_info("value", FLOAT, &[None, Some(1)], "the predicted value")
        }
    }
}
