//! Training: the examples as batches ([`batch`]), the loss ([`loss`]), the step machine
//! that trains a network one batch per call ([`trainer`]), group reweighting
//! ([`reweigh`]), and, with the model file, the job that trains on the loaded data
//! ([`job`]) and scores what it trained ([`evaluation`]).

pub mod batch;
#[cfg(feature = "modelfile")]
mod evaluation;
#[cfg(feature = "modelfile")]
pub mod further;
pub mod fused;
#[cfg(feature = "modelfile")]
pub mod job;
#[cfg(test)]
mod learning;
pub mod loss;
pub mod parallel;
pub mod reweigh;
pub mod trainer;
#[cfg(feature = "modelfile")]
pub mod transfer;
pub mod warm_up;

pub use batch::{ImageAugment, TrainSet};
#[cfg(feature = "modelfile")]
pub use job::{Job, JobError, SpecMismatch};
pub use reweigh::ReweighError;
pub use trainer::{Pacing, StepOutcome, Trainer};
pub use warm_up::WarmUp;
