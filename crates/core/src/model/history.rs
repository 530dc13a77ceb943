//! What training leaves behind: one record per epoch, shown live on the page and kept in
//! the model file. Always built, so the page can read it without the tensor code.

use serde::{Deserialize, Serialize};

/// One finished epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Counting from 1.
    pub epoch: u32,
    pub train_loss: f32,
    pub validation_loss: Option<f32>,
    /// Classification only: the share of training examples classified right during the
    /// epoch (as the weights changed), and of validation examples after it.
    #[serde(default)]
    pub train_accuracy: Option<f32>,
    #[serde(default)]
    pub validation_accuracy: Option<f32>,
    pub learning_rate: f64,
}
