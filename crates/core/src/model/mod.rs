//! Models: the spec (layers, shapes, parameter counts, FLOPs) and, later, building and
//! training the burn module and the model file.

pub mod config;
#[cfg(feature = "modelfile")]
pub mod file;
#[cfg(feature = "burn")]
pub mod network;
pub mod spec;
#[cfg(feature = "burn")]
pub mod trainer;

pub use config::{EarlyStopping, ExampleWeights, Optimizer, Schedule, TrainConfig};
pub use spec::{Activation, InputShape, Layer, LayerInfo, ModelSpec, Padding, Shape, SpecError};
