//! The model file's description: the versioned JSON [`ModelDocument`] in its
//! `__metadata__["hearth"]`, read and checked without building a network (for `inspect`,
//! the ONNX export, and the page, which has no tensors). `model::file` writes and loads
//! whole model files.

use serde::{Deserialize, Serialize};

use super::config::TrainConfig;
use super::history::EpochRecord;
use super::spec::ModelSpec;
use crate::data::prep::Schema;

/// The version of the document this code writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The `__metadata__` key that holds the document.
pub const METADATA_KEY: &str = "hearth";
/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 512 * 1024 * 1024;

pub use super::summary::ModelCard;

/// Everything about a model but its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDocument {
    pub format_version: u32,
    pub spec: ModelSpec,
    /// How table rows become inputs (absent for images).
    #[serde(default)]
    pub preprocessing: Option<Schema>,
    #[serde(default)]
    pub class_labels: Vec<String>,
    #[serde(default)]
    pub train_config: Option<TrainConfig>,
    #[serde(default)]
    pub history: Vec<EpochRecord>,
    /// Metrics as computed at the end of training (each says its split).
    #[serde(default)]
    pub metrics: serde_json::Value,
    #[serde(default)]
    pub card: ModelCard,
    /// A sound model: how a second of sound becomes its input image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<crate::sound::SoundFeatures>,
}

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelFileError {
    #[error("{file} is not a Hearth model file: {reason}")]
    NotAModel { file: String, reason: String },
    #[error(
        "{file} was written by a newer Hearth (model file version {found}; this one reads {FORMAT_VERSION}). Update Hearth."
    )]
    Version { file: String, found: u32 },
    #[error("{file} does not match its own description: {reason}")]
    Mismatch { file: String, reason: String },
    #[error("could not write the model file: {0}")]
    Write(String),
    /// The weights could not be read back from the device, or did not fit the spec.
    #[error("could not write the model file: {0}")]
    Weights(#[from] crate::Error),
}

/// Reads only the document (for `inspect`), after checking the header.
pub fn read_document(file: &str, bytes: &[u8]) -> Result<ModelDocument, ModelFileError> {
    let not_a_model = |reason: String| ModelFileError::NotAModel {
        file: file.to_string(),
        reason,
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(not_a_model(format!(
            "it is larger than {} MB",
            MAX_FILE_BYTES / 1_048_576
        )));
    }
    let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|error| not_a_model(format!("its safetensors header is invalid ({error})")))?;
    let tensors = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|error| not_a_model(format!("its tensors are damaged or cut short ({error})")))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|entries| entries.get(METADATA_KEY))
        .ok_or_else(|| {
            not_a_model(
                "it has no Hearth description in its metadata (a safetensors file from elsewhere?)"
                    .to_string(),
            )
        })?;
    let version: serde_json::Value = serde_json::from_str(json)
        .map_err(|error| not_a_model(format!("its description is not JSON ({error})")))?;
    let found = version
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0) as u32;
    if found > FORMAT_VERSION {
        return Err(ModelFileError::Version {
            file: file.to_string(),
            found,
        });
    }
    let document: ModelDocument = serde_json::from_value(version)
        .map_err(|error| not_a_model(format!("its description is incomplete ({error})")))?;
    let layers = document
        .spec
        .infer()
        .map_err(|error| ModelFileError::Mismatch {
            file: file.to_string(),
            reason: format!("its architecture is invalid ({error})"),
        })?;
    // The weights the description implies must be in the file: a few bytes must not make
    // the loader build a network of gigabytes.
    let params: u64 = layers.iter().map(|layer| layer.params).sum();
    let views = tensors.tensors();
    let stored: u64 = views
        .iter()
        .map(|(_, view)| (view.data().len() * 8 / view.dtype().bitsize().max(1)) as u64)
        .sum();
    if params > stored {
        return Err(ModelFileError::Mismatch {
            file: file.to_string(),
            reason: format!(
                "its description claims {params} parameters but it holds only {stored} weights"
            ),
        });
    }
    for (name, view) in &views {
        if !matches!(
            view.dtype(),
            safetensors::Dtype::F32 | safetensors::Dtype::F16
        ) {
            return Err(ModelFileError::Mismatch {
                file: file.to_string(),
                reason: format!(
                    "tensor {name} is {:?}, Hearth models hold f32 (or f16) weights",
                    view.dtype()
                ),
            });
        }
    }
    Ok(document)
}

/// Tensor `name` of a model file's `tensors` (f16 already widened) as numbers, when it
/// is f32 and holds `expected` of them (the ONNX export and the plain forward pass read
/// weights so, each saying in its own error what did not fit).
#[cfg(any(feature = "onnx", feature = "plain"))]
pub(crate) fn f32_tensor(
    tensors: &safetensors::SafeTensors<'_>,
    name: &str,
    expected: usize,
) -> Option<Vec<f32>> {
    let view = tensors.tensor(name).ok()?;
    if view.dtype() != safetensors::Dtype::F32 || view.data().len() != expected * 4 {
        return None;
    }
    Some(
        view.data()
            .chunks_exact(4)
            .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            .collect(),
    )
}

/// One tensor of a model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorInfo {
    pub name: String,
    pub dtype: String,
    pub shape: Vec<usize>,
}

/// The tensors of a model file, sorted by name (empty when the file is not safetensors).
pub fn tensors(bytes: &[u8]) -> Vec<TensorInfo> {
    let Ok(file) = safetensors::SafeTensors::deserialize(bytes) else {
        return Vec::new();
    };
    let mut list: Vec<TensorInfo> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| TensorInfo {
            name,
            dtype: format!("{:?}", view.dtype()),
            shape: view.shape().to_vec(),
        })
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name));
    list
}
