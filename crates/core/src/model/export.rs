//! Continue in PyTorch: a Python file that defines a `torch.nn.Module` matching a model's
//! spec, loads the weights from its `.safetensors` model file (renaming burn's tensors
//! to PyTorch's and transposing dense weights), and for tables encodes rows exactly as
//! Hearth's preprocessing does.

use super::document::ModelDocument;
use super::spec::{
    Activation, InputShape, Layer, LayerInfo, ModelSpec, Padding, Shape, SpecError, same_padding,
};
use crate::data::summary::Task;

pub use super::torchrun::module_name;
pub(crate) use super::torchrun::quoted;
pub use super::torchrun::torchrun_script;

fn activation(activation: Activation, x: &str) -> Option<String> {
    Some(match activation {
        Activation::Linear => return None,
        Activation::Relu => format!("torch.relu({x})"),
        Activation::LeakyRelu => format!("F.leaky_relu({x}, 0.01)"),
        Activation::Elu => format!("F.elu({x}, 1.0)"),
        Activation::Gelu => format!("F.gelu({x})"),
        Activation::Sigmoid => format!("torch.sigmoid({x})"),
        Activation::Tanh => format!("torch.tanh({x})"),
    })
}

/// Why the PyTorch file cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The model's layers do not fit together.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The labels or the preprocessing could not be written out.
    #[error(
        "the model's labels or preprocessing could not be written as JSON ({0}): save the model file and try again"
    )]
    Json(#[from] serde_json::Error),
}

/// The PyTorch side of a spec: `__init__` lines, `forward` lines, and which tensor of the
/// model file fills which PyTorch parameter.
struct Torch {
    init: Vec<String>,
    forward: Vec<String>,
    /// (PyTorch name, Hearth name, transpose)
    weights: Vec<(String, String, bool)>,
}

impl Torch {
    /// The output layer, on `shape` (flattened first if it is an image), with `outputs` units.
    fn head(&mut self, shape: Shape, outputs: usize) {
        if matches!(shape, Shape::Image { .. }) {
            self.forward.push("x = torch.flatten(x, 1)".to_string());
        }
        self.init.push(format!(
            "self.head = nn.Linear({}, {})",
            shape.size(),
            outputs
        ));
        self.weights
            .push(("head.weight".into(), "head.weight".into(), true));
        self.weights
            .push(("head.bias".into(), "head.bias".into(), false));
        self.forward.push("return self.head(x)".to_string());
    }
}

/// Each layer of `spec` (with its inferred `infos`) as PyTorch modules, then the head.
fn torch_modules(spec: &ModelSpec, infos: &[LayerInfo]) -> Torch {
    let mut init = Vec::new();
    let mut forward = Vec::new();
    let mut weights: Vec<(String, String, bool)> = Vec::new();
    let mut shape = Shape::from(spec.input);
    if let InputShape::Image {
        height,
        width,
        channels,
    } = spec.input
    {
        forward.push(format!(
            "x = x.reshape(-1, {height}, {width}, {channels}).permute(0, 3, 1, 2)  # channel-last rows to NCHW"
        ));
    }
    for (index, (layer, info)) in spec.layers.iter().zip(infos).enumerate() {
        let name = format!("layer{}", index + 1);
        let hearth = format!("blocks.{index}");
        match *layer {
            Layer::Dense {
                units,
                activation: act,
            } => {
                init.push(format!(
                    "self.{name} = nn.Linear({}, {units})",
                    shape.size()
                ));
                weights.push((
                    format!("{name}.weight"),
                    format!("{hearth}.Dense.weight"),
                    true,
                ));
                weights.push((
                    format!("{name}.bias"),
                    format!("{hearth}.Dense.bias"),
                    false,
                ));
                let call = format!("self.{name}(x)");
                forward.push(format!("x = {}", activation(act, &call).unwrap_or(call)));
            }
            Layer::Conv2d {
                filters,
                kernel,
                stride,
                padding,
                activation: act,
            } => {
                let (channels, height, width) = shape.dims();
                init.push(format!(
                    "self.{name} = nn.Conv2d({channels}, {filters}, kernel_size={kernel}, stride={stride})"
                ));
                weights.push((
                    format!("{name}.weight"),
                    format!("{hearth}.Conv.weight"),
                    false,
                ));
                weights.push((format!("{name}.bias"), format!("{hearth}.Conv.bias"), false));
                if padding == Padding::Same {
                    let (top, bottom) = same_padding(height, kernel, stride);
                    let (left, right) = same_padding(width, kernel, stride);
                    forward.push(format!(
                        "x = F.pad(x, ({left}, {right}, {top}, {bottom}))  # \"same\" padding"
                    ));
                }
                let call = format!("self.{name}(x)");
                forward.push(format!("x = {}", activation(act, &call).unwrap_or(call)));
            }
            Layer::MaxPool2d { size, stride } => {
                init.push(format!(
                    "self.{name} = nn.MaxPool2d({size}, stride={})",
                    stride.unwrap_or(size)
                ));
                forward.push(format!("x = self.{name}(x)"));
            }
            Layer::AvgPool2d { size, stride } => {
                init.push(format!(
                    "self.{name} = nn.AvgPool2d({size}, stride={})",
                    stride.unwrap_or(size)
                ));
                forward.push(format!("x = self.{name}(x)"));
            }
            Layer::Flatten => forward.push("x = torch.flatten(x, 1)".to_string()),
            Layer::Dropout { rate } => {
                init.push(format!("self.{name} = nn.Dropout({rate})"));
                forward.push(format!("x = self.{name}(x)"));
            }
            Layer::BatchNorm { activation: act } => {
                let kind = match shape {
                    Shape::Image { channels, .. } => format!("nn.BatchNorm2d({channels})"),
                    Shape::Flat { size } => format!("nn.BatchNorm1d({size})"),
                };
                init.push(format!("self.{name} = {kind}"));
                for (torch, burn) in [
                    ("weight", "gamma"),
                    ("bias", "beta"),
                    ("running_mean", "running_mean"),
                    ("running_var", "running_var"),
                ] {
                    weights.push((
                        format!("{name}.{torch}"),
                        format!("{hearth}.BatchNorm.{burn}"),
                        false,
                    ));
                }
                let call = format!("self.{name}(x)");
                forward.push(format!("x = {}", activation(act, &call).unwrap_or(call)));
            }
        }
        shape = info.output;
    }
    let mut torch = Torch {
        init,
        forward,
        weights,
    };
    torch.head(shape, spec.outputs);
    torch
}

/// Why a PyTorch state dict cannot become a Hearth model file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] super::document::ModelFileError),
    #[error(
        "{file} is not a safetensors state dict ({reason}): save it with safetensors.torch.save_file(model.state_dict(), \"{file}\")"
    )]
    NotAStateDict { file: String, reason: String },
    #[error(
        "{file} has no {name}, which {model}'s module needs (its layers differ from the model's)"
    )]
    Missing {
        file: String,
        name: String,
        model: String,
    },
    #[error("{file}'s {name} is {found:?}, but {model}'s is {expected:?}")]
    Shape {
        file: String,
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
        model: String,
    },
    #[error("{file}'s {name} is {dtype}; a state dict of float32 weights is expected")]
    Dtype {
        file: String,
        name: String,
        dtype: String,
    },
    #[error(
        "{file} has {names}, which {model}'s module does not (its layers differ from the model's)"
    )]
    Unexpected {
        file: String,
        names: String,
        model: String,
    },
    #[error("could not write the model file: {0}")]
    Write(String),
}

/// The Hearth model file `model` (named `model_name`) with its weights replaced by those of
/// the PyTorch state dict `state` (a safetensors file named `state_name`, as the exported
/// module's `state_dict()` saves it): its description (preprocessing, classes, card) kept.
/// A state dict that does not fit the model is refused, naming the tensor.
pub fn import_state(
    model_name: &str,
    model: &[u8],
    state_name: &str,
    state: &[u8],
) -> Result<Vec<u8>, ImportError> {
    let document = super::document::read_document(model_name, model)?;
    let widened = super::half::widened(model).map_err(ImportError::Write)?;
    let original = safetensors::SafeTensors::deserialize(&widened)
        .map_err(|error| ImportError::Write(error.to_string()))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(model)
        .map_err(|error| ImportError::Write(error.to_string()))?;
    let state_file = safetensors::SafeTensors::deserialize(state).map_err(|error| {
        ImportError::NotAStateDict {
            file: state_name.to_string(),
            reason: error.to_string(),
        }
    })?;
    let infos = document.spec.infer().map_err(|error| {
        ImportError::Write(format!("the model's architecture is invalid ({error})"))
    })?;
    let mapping = torch_modules(&document.spec, &infos).weights;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = original
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.shape().to_vec(), view.data().to_vec()))
        .collect();
    for (torch, hearth, transpose) in &mapping {
        let view = state_file.tensor(torch).map_err(|_| ImportError::Missing {
            file: state_name.to_string(),
            name: torch.clone(),
            model: model_name.to_string(),
        })?;
        if view.dtype() != safetensors::Dtype::F32 {
            return Err(ImportError::Dtype {
                file: state_name.to_string(),
                name: torch.clone(),
                dtype: format!("{:?}", view.dtype()),
            });
        }
        let Some(slot) = tensors.iter_mut().find(|(name, ..)| name == hearth) else {
            return Err(ImportError::Write(format!("{model_name} has no {hearth}")));
        };
        let expected: Vec<usize> = if *transpose {
            slot.1.iter().rev().copied().collect()
        } else {
            slot.1.clone()
        };
        if view.shape() != expected.as_slice() {
            return Err(ImportError::Shape {
                file: state_name.to_string(),
                name: torch.clone(),
                found: view.shape().to_vec(),
                expected,
                model: model_name.to_string(),
            });
        }
        slot.2 = if *transpose {
            // [outputs, inputs] as PyTorch keeps it, [inputs, outputs] as Hearth does.
            let (rows, columns) = (expected[0], expected[1]);
            let data = view.data();
            let mut out = vec![0u8; data.len()];
            for row in 0..rows {
                for column in 0..columns {
                    let from = (row * columns + column) * 4;
                    let to = (column * rows + row) * 4;
                    out[to..to + 4].copy_from_slice(&data[from..from + 4]);
                }
            }
            out
        } else {
            view.data().to_vec()
        };
    }
    let unexpected: Vec<String> = state_file
        .names()
        .into_iter()
        .filter(|name| !name.ends_with("num_batches_tracked"))
        .filter(|name| !mapping.iter().any(|(torch, ..)| torch == *name))
        .map(str::to_string)
        .collect();
    if !unexpected.is_empty() {
        return Err(ImportError::Unexpected {
            file: state_name.to_string(),
            names: crate::text::listed(&unexpected),
            model: model_name.to_string(),
        });
    }
    let views = tensors
        .iter()
        .map(|(name, shape, data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                .map(|view| (name.clone(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| ImportError::Write(error.to_string()))?;
    safetensors::serialize(views, header.metadata().clone())
        .map_err(|error| ImportError::Write(error.to_string()))
}

/// The Python source for `document`'s model, whose weights are in `file_name`.
#[allow(clippy::too_many_lines, reason = "mostly the Python file's template")]
pub fn pytorch(document: &ModelDocument, file_name: &str) -> Result<String, ExportError> {
    let spec = &document.spec;
    let infos = spec.infer()?;
    let Torch {
        init,
        forward,
        weights,
    } = torch_modules(spec, &infos);

    let (target_mean, target_std) = match &document.preprocessing {
        Some(crate::data::prep::Schema {
            target: crate::data::prep::TargetSchema::Regression { mean, std, .. },
            ..
        }) => (*mean, *std),
        _ => (0.0, 1.0),
    };
    let outputs = match spec.task {
        Task::MultiClass => "torch.softmax(logits, 1)".to_string(),
        Task::Binary => {
            "torch.cat([1 - torch.sigmoid(logits), torch.sigmoid(logits)], 1)".to_string()
        }
        Task::Regression => format!("logits * {target_std:?} + {target_mean:?}"),
    };
    let preprocessing = match &document.preprocessing {
        Some(schema) => format!("json.loads(r'''{}''')", serde_json::to_string(schema)?),
        None => "None".to_string(),
    };
    let width = Shape::from(spec.input).size();
    let module = module_name(file_name);
    let name = if document.card.name.is_empty() {
        file_name.to_string()
    } else {
        document.card.name.clone()
    };
    let usage = if document.preprocessing.is_some() {
        let columns: Vec<String> = document
            .preprocessing
            .iter()
            .flat_map(|schema| schema.features.iter().map(|feature| feature.column()))
            .map(|column| format!("{}: ...", quoted(column)))
            .collect();
        format!(
            "    model.predict([{{{}}}])  # one dict per row, cells as text",
            columns.join(", ")
        )
    } else {
        format!(
            "    model.predict_inputs(pixels)  # [n, {width}]: pixels / 255, row by row, channel last"
        )
    };
    let indent = |lines: &[String]| {
        lines
            .iter()
            .map(|line| format!("        {line}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let weight_lines = weights
        .iter()
        .map(|(torch, hearth, transpose)| {
            format!(
                "    ({}, {}, {}),",
                quoted(torch),
                quoted(hearth),
                if *transpose { "True" } else { "False" }
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let classes = serde_json::to_string(&document.class_labels)?;
    Ok(format!(
        r#""""{name}: a PyTorch module generated by Hearth from {file_name}.

Keep this file beside {file_name}, then:

    from {module} import load
    model = load({file_quoted})
{usage}
    model(torch.tensor(x))  # the raw outputs (logits) for prepared inputs
    save_hearth(model, "trained-further.safetensors")  # back to Hearth, after training here

Needs torch, numpy and safetensors (pip install torch numpy safetensors).
"""

import json
import math

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file
from torch import nn

TASK = {task}
CLASSES = {classes}
INPUTS = {width}
# How table rows become inputs (None for images): Hearth's preprocessing, as trained.
PREPROCESSING = {preprocessing}
MISSING = {{"", "?", "na", "n/a", "nan", "null", "none", "-"}}
# (PyTorch parameter, tensor in the model file, transposed: burn stores dense weights
# as [inputs, outputs], PyTorch as [outputs, inputs])
WEIGHTS = [
{weight_lines}
]


class HearthModel(nn.Module):
    def __init__(self):
        super().__init__()
{init}

    def forward(self, x):
        """The head's outputs for prepared inputs of shape [n, INPUTS]."""
{forward}

    def predict_inputs(self, x):
        """Class probabilities (or the predicted value) for prepared inputs, as numpy."""
        with torch.no_grad():
            logits = self.forward(torch.as_tensor(np.asarray(x, dtype=np.float32)))
            return ({outputs}).numpy()

    def predict(self, rows):
        """Class probabilities (or the predicted value) for table rows (dicts of text)."""
        return self.predict_inputs([encode(row) for row in rows])


def encode(row):
    """One table row's inputs, as Hearth's preprocessing encodes them."""
    if PREPROCESSING is None:
        raise ValueError("this model reads images: use predict_inputs")
    out = []
    for feature in PREPROCESSING["features"]:
        cell = row.get(feature["column"])
        cell = None if cell is None else str(cell).strip()
        if cell is not None and cell.lower() in MISSING:
            cell = None
        missing = cell is None
        kind = feature["kind"]
        if kind == "numeric":
            try:
                value = float(cell) if cell is not None else feature["fill"]
            except ValueError:
                value, missing = feature["fill"], True
            if not math.isfinite(value):
                value, missing = feature["fill"], True
            out.append((value - feature["shift"]) / feature["scale"])
        elif kind == "boolean":
            if cell is None:
                out.append(feature["fill"])
            else:
                out.append(float(cell.lower() == feature["true_value"].lower()))
        else:
            value = cell if cell is not None else feature.get("fill")
            out.extend(float(value == level) for level in feature["levels"])
        if feature.get("indicator"):
            out.append(float(missing))
    return out


def load(path={file_quoted}):
    """The model with the weights of the Hearth model file at `path`, ready to predict."""
    tensors = load_file(path)
    state = {{}}
    for name, stored, transpose in WEIGHTS:
        value = tensors[stored]
        state[name] = torch.from_numpy(np.ascontiguousarray(value.T if transpose else value, dtype=np.float32))
    model = HearthModel()
    result = model.load_state_dict(state, strict=False)
    missing = [key for key in result.missing_keys if not key.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise ValueError(f"{{path}} does not fit this module: missing {{missing}}, unexpected {{result.unexpected_keys}}")
    model.eval()
    return model


def save_hearth(model, path, source={file_quoted}):
    """Writes `model`'s weights (trained further in PyTorch, say) as a Hearth model file at
    `path`, with the description of the Hearth model file `source`: its preprocessing,
    classes and card. Hearth opens it as any other model file."""
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(source, framework="numpy") as f:
        metadata = f.metadata()
        tensors = {{name: f.get_tensor(name) for name in f.keys()}}
    state = model.state_dict()
    for name, stored, transpose in WEIGHTS:
        value = state[name].detach().cpu().numpy().astype(np.float32)
        if (value.T if transpose else value).shape != tensors[stored].shape:
            raise ValueError(f"{{name}} is {{tuple(value.shape)}}, which does not fit {{source}}'s {{stored}}")
        tensors[stored] = np.ascontiguousarray(value.T if transpose else value)
    save_file(tensors, path, metadata=metadata)
"#,
        file_quoted = quoted(file_name),
        task = quoted(match spec.task {
            Task::MultiClass => "multi_class",
            Task::Binary => "binary",
            Task::Regression => "regression",
        }),
        init = indent(&init),
        forward = indent(&forward),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_are_python_identifiers() {
        assert_eq!(
            module_name("iris-flowers-model.safetensors"),
            "iris_flowers_model"
        );
        assert_eq!(module_name("2024 model.safetensors"), "model_2024_model");
        assert_eq!(module_name(".safetensors"), "model_");
    }

    #[test]
    fn the_digit_cnn_exports_every_layer_and_weight() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/digits.safetensors"
        ))
        .unwrap();
        let document = crate::model::file::read_document("digits.safetensors", &bytes).unwrap();
        let python = pytorch(&document, "digits.safetensors").unwrap();
        assert!(python.contains("self.layer1 = nn.Conv2d(1, 32, kernel_size=3, stride=1)"));
        assert!(python.contains("self.layer2 = nn.MaxPool2d(2, stride=2)"));
        assert!(python.contains("self.head = nn.Linear(64, 10)"));
        assert!(python.contains(r#"("layer7.weight", "blocks.6.Dense.weight", True),"#));
        assert!(python.contains("x = x.reshape(-1, 28, 28, 1).permute(0, 3, 1, 2)"));
        assert!(python.contains("return (torch.softmax(logits, 1)).numpy()"));
        assert!(python.contains("PREPROCESSING = None"));
        // Every tensor of the file is loaded.
        for tensor in crate::model::file::tensors(&bytes) {
            assert!(
                python.contains(&format!("\"{}\"", tensor.name)),
                "{}",
                tensor.name
            );
        }
    }
}
