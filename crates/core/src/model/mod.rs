//! Models: the spec (layers, shapes, parameter counts, FLOPs) and the built-in presets,
//! the burn module built from it, the model file, and applying a trained model to new data.

#[cfg(feature = "ingest")]
pub mod apply;
pub mod base;
#[cfg(feature = "modelfile")]
pub mod card;
pub mod config;
#[cfg(feature = "document")]
pub mod document;
#[cfg(feature = "modelfile")]
pub mod export;
#[cfg(feature = "modelfile")]
pub mod file;
#[cfg(feature = "document")]
pub mod half;
pub mod history;
#[cfg(feature = "burn")]
pub mod network;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "plain")]
pub mod plain;
pub mod preset;
pub mod shapes;
pub mod spec;
pub mod summary;
pub mod torchrun;
pub mod web;

pub use crate::flat::MissingField;
pub use config::{ConfigError, EarlyStopping, ExampleWeights, Optimizer, Schedule, TrainConfig};
pub use history::EpochRecord;
pub use preset::{Preset, PresetError};
pub use spec::{
    Activation, DEFAULT_KEPT_RATE, InputShape, Layer, LayerInfo, ModelSpec, Origin, Padding, Shape,
    SpecError,
};
