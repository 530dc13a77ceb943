//! Inference: forward passes for predictions ([`predict`]), input gradients for saliency
//! maps ([`saliency`]) and, with the model file, the model in use ([`active_model`]).

#[cfg(feature = "modelfile")]
pub mod active_model;
pub mod predict;
pub mod saliency;

#[cfg(feature = "modelfile")]
pub use active_model::{ActiveModel, ModelMisfit, PredictError};
pub use predict::predict;
pub use saliency::input_gradient;
