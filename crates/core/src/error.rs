//! The core's error type for training and inference, with messages a user can act on. Each
//! layer below has its own ([`DataError`](crate::data::DataError), [`SpecError`],
//! [`ConfigError`], the model file's `ModelFileError`); they stay typed up to the engine
//! worker and the command line, which show them with Display.

use crate::model::config::ConfigError;
use crate::model::spec::SpecError;

/// What can go wrong while training or running a model.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// The compute backend failed (a lost GPU device, a failed read-back).
    #[error("the compute backend failed: {0}")]
    Backend(String),
    /// The training settings cannot work.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The model's layers do not fit together.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The examples are not as wide as the model's input.
    #[error(
        "the model expects {expected} inputs per example, but got {found} values: give it data \
         shaped like the data it was made for"
    )]
    Inputs { expected: usize, found: usize },
    /// No rows were left to train on.
    #[error("the training split is empty: give training a larger share of the rows")]
    EmptyTrainingSplit,
    /// Saved weights that belong to another model.
    #[error("the saved weights do not fit this model")]
    WeightsMismatch,
    /// Training produced a NaN or infinite loss.
    #[error("training diverged at step {step} (loss {loss}); try a lower learning rate")]
    Diverged { step: usize, loss: f32 },
}

impl Error {
    /// A failure of the compute backend (burn's execution and data errors), for `map_err`.
    pub fn backend(error: impl std::fmt::Display) -> Self {
        Error::Backend(error.to_string())
    }
}

/// Reads a tensor's values back to the host, asynchronously (WebGPU in the browser cannot
/// block).
#[cfg(feature = "burn")]
pub async fn read_back<const D: usize>(tensor: burn::tensor::Tensor<D>) -> Result<Vec<f32>, Error> {
    tensor
        .into_data_async()
        .await
        .map_err(Error::backend)?
        .try_to_vec::<f32>()
        .map_err(Error::backend)
}

/// Describes a panic for the user: its message and, where known, the source line,
/// e.g. `index out of bounds (at src/data.rs:42)`. Used by the page's and the engine's
/// panic hooks, which then show it on the page.
pub fn describe_panic(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown error".to_string());
    match info.location() {
        Some(location) => format!("{payload} (at {}:{})", location.file(), location.line()),
        None => payload,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn a_panic_is_described_by_its_message_and_place() {
        let described = Arc::new(Mutex::new(String::new()));
        let sink = described.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut text) = sink.lock() {
                *text = describe_panic(info);
            }
        }));
        let result = std::panic::catch_unwind(|| panic!("boom {}", 42));
        std::panic::set_hook(previous);
        assert!(result.is_err());
        let text = described
            .lock()
            .map(|text| text.clone())
            .unwrap_or_default();
        assert!(text.starts_with("boom 42 (at "), "{text}");
        assert!(text.contains("error.rs:"), "{text}");
    }
}
