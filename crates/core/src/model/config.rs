//! How a model is trained: optimizer, learning-rate schedule, batches and epochs,
//! penalties, example weights, seed and early stopping. A serde document, stored in the
//! model file with the run's history.

use serde::{Deserialize, Serialize};

use crate::flat::{MissingField, field};

/// The optimizer and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "FlatOptimizer")]
pub enum Optimizer {
    Sgd {
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        nesterov: bool,
    },
    #[default]
    Adam,
    /// Adam with decoupled weight decay.
    AdamW {
        #[serde(default = "default_weight_decay")]
        weight_decay: f64,
    },
    RmsProp {
        #[serde(default)]
        momentum: f64,
    },
}

fn default_weight_decay() -> f64 {
    0.01
}

/// [`Optimizer`] as read (see [`crate::flat`]).
#[derive(Deserialize)]
struct FlatOptimizer {
    kind: OptimizerKind,
    momentum: Option<f64>,
    nesterov: Option<bool>,
    weight_decay: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OptimizerKind {
    Sgd,
    Adam,
    AdamW,
    RmsProp,
}

impl TryFrom<FlatOptimizer> for Optimizer {
    type Error = MissingField;

    fn try_from(flat: FlatOptimizer) -> Result<Self, MissingField> {
        Ok(match flat.kind {
            OptimizerKind::Sgd => Optimizer::Sgd {
                momentum: flat.momentum.unwrap_or_default(),
                nesterov: flat.nesterov.unwrap_or_default(),
            },
            OptimizerKind::Adam => Optimizer::Adam,
            OptimizerKind::AdamW => Optimizer::AdamW {
                weight_decay: flat.weight_decay.unwrap_or_else(default_weight_decay),
            },
            OptimizerKind::RmsProp => Optimizer::RmsProp {
                momentum: flat.momentum.unwrap_or_default(),
            },
        })
    }
}

impl Optimizer {
    /// The name used on the command line and the page.
    pub fn label(&self) -> &'static str {
        match self {
            Optimizer::Sgd { .. } => "sgd",
            Optimizer::Adam => "adam",
            Optimizer::AdamW { .. } => "adamw",
            Optimizer::RmsProp { .. } => "rmsprop",
        }
    }

    /// Parses `sgd`, `momentum` (SGD with 0.9), `nesterov`, `adam`, `adamw`, `rmsprop`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "sgd" => Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            "momentum" => Optimizer::Sgd {
                momentum: 0.9,
                nesterov: false,
            },
            "nesterov" => Optimizer::Sgd {
                momentum: 0.9,
                nesterov: true,
            },
            "adam" => Optimizer::Adam,
            "adamw" => Optimizer::AdamW {
                weight_decay: default_weight_decay(),
            },
            "rmsprop" => Optimizer::RmsProp { momentum: 0.0 },
            _ => return None,
        })
    }
}

/// How the learning rate changes over the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "FlatSchedule")]
pub enum Schedule {
    #[default]
    Constant,
    /// Multiplies the rate by `factor` every `every_epochs` epochs.
    Step { every_epochs: u32, factor: f64 },
    /// Cosine decay from the rate to `min_fraction` of it over the whole run.
    Cosine {
        #[serde(default)]
        min_fraction: f64,
    },
}

/// [`Schedule`] as read (see [`crate::flat`]).
#[derive(Deserialize)]
struct FlatSchedule {
    kind: ScheduleKind,
    every_epochs: Option<u32>,
    factor: Option<f64>,
    min_fraction: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ScheduleKind {
    Constant,
    Step,
    Cosine,
}

impl TryFrom<FlatSchedule> for Schedule {
    type Error = MissingField;

    fn try_from(flat: FlatSchedule) -> Result<Self, MissingField> {
        Ok(match flat.kind {
            ScheduleKind::Constant => Schedule::Constant,
            ScheduleKind::Step => Schedule::Step {
                every_epochs: field(flat.every_epochs, "every_epochs")?,
                factor: field(flat.factor, "factor")?,
            },
            ScheduleKind::Cosine => Schedule::Cosine {
                min_fraction: flat.min_fraction.unwrap_or_default(),
            },
        })
    }
}

/// Early stopping on the validation loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Epochs without improvement before stopping.
    pub patience: u32,
    /// Go back to the weights of the best epoch when stopping (or at the end).
    pub restore_best: bool,
}

/// Weights of the examples in the loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    try_from = "FlatExampleWeights"
)]
pub enum ExampleWeights {
    #[default]
    None,
    /// One weight per class (class index order).
    PerClass { weights: Vec<f32> },
    /// Each class weighted by `n / (classes · count)`, so that rare classes count as much.
    Balanced,
    /// One weight per training row.
    PerSample { weights: Vec<f32> },
    /// Group-aware reweighting by the sensitive column `column` (Kamiran and Calders'
    /// reweighing): each training row of group g and class y weighs P(g)·P(y) / P(g, y),
    /// so that group and outcome are independent in the weighted training data. The
    /// training job turns this into [`ExampleWeights::PerSample`] for the loaded data.
    ReweighGroups { column: String },
}

/// [`ExampleWeights`] as read (see [`crate::flat`]).
#[derive(Deserialize)]
struct FlatExampleWeights {
    kind: ExampleWeightsKind,
    weights: Option<Vec<f32>>,
    column: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExampleWeightsKind {
    None,
    PerClass,
    Balanced,
    PerSample,
    ReweighGroups,
}

impl TryFrom<FlatExampleWeights> for ExampleWeights {
    type Error = MissingField;

    fn try_from(flat: FlatExampleWeights) -> Result<Self, MissingField> {
        Ok(match flat.kind {
            ExampleWeightsKind::None => ExampleWeights::None,
            ExampleWeightsKind::PerClass => ExampleWeights::PerClass {
                weights: field(flat.weights, "weights")?,
            },
            ExampleWeightsKind::Balanced => ExampleWeights::Balanced,
            ExampleWeightsKind::PerSample => ExampleWeights::PerSample {
                weights: field(flat.weights, "weights")?,
            },
            ExampleWeightsKind::ReweighGroups => ExampleWeights::ReweighGroups {
                column: field(flat.column, "column")?,
            },
        })
    }
}

impl ExampleWeights {
    /// In words, for the model card and the command line ("" when there are none).
    pub fn describe(&self) -> String {
        match self {
            ExampleWeights::None => String::new(),
            ExampleWeights::PerClass { .. } => "class weights".to_string(),
            ExampleWeights::Balanced => "classes balanced".to_string(),
            ExampleWeights::PerSample { .. } => "example weights".to_string(),
            ExampleWeights::ReweighGroups { column } => {
                format!("reweighted by group of \"{column}\"")
            }
        }
    }
}

/// Everything about a training run but the data and the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    #[serde(default)]
    pub optimizer: Optimizer,
    pub learning_rate: f64,
    #[serde(default)]
    pub schedule: Schedule,
    pub batch_size: usize,
    pub epochs: u32,
    /// Penalty on the sum of absolute weights.
    #[serde(default)]
    pub l1: f64,
    /// Penalty on the sum of squared weights.
    #[serde(default)]
    pub l2: f64,
    #[serde(default)]
    pub weights: ExampleWeights,
    /// Seeds the initial weights, the shuffling and dropout.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub early_stopping: Option<EarlyStopping>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            optimizer: Optimizer::Adam,
            learning_rate: 0.001,
            schedule: Schedule::Constant,
            batch_size: 32,
            epochs: 10,
            l1: 0.0,
            l2: 0.0,
            weights: ExampleWeights::None,
            seed: 42,
            early_stopping: None,
        }
    }
}

impl TrainConfig {
    /// Batches (training steps) in an epoch of `rows` examples.
    pub fn steps_per_epoch(&self, rows: usize) -> u64 {
        rows.div_ceil(self.batch_size.max(1)) as u64
    }

    /// The learning rate during `epoch` (0-based) of a run of `self.epochs` epochs.
    pub fn learning_rate_at(&self, epoch: u32) -> f64 {
        match self.schedule {
            Schedule::Constant => self.learning_rate,
            Schedule::Step {
                every_epochs,
                factor,
            } => self.learning_rate * factor.powi((epoch / every_epochs.max(1)) as i32),
            Schedule::Cosine { min_fraction } => {
                let progress = f64::from(epoch) / f64::from(self.epochs.saturating_sub(1).max(1));
                let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress.min(1.0)).cos());
                self.learning_rate * (min_fraction + (1.0 - min_fraction) * cosine)
            }
        }
    }

    /// Says what is wrong with the settings, if anything.
    pub fn check(&self) -> Result<(), ConfigError> {
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(ConfigError::LearningRate(self.learning_rate));
        }
        if self.batch_size == 0 {
            return Err(ConfigError::BatchSize);
        }
        if self.epochs == 0 {
            return Err(ConfigError::Epochs);
        }
        if self.l1 < 0.0 || self.l2 < 0.0 {
            return Err(ConfigError::NegativePenalty);
        }
        if let Schedule::Step { factor, .. } = self.schedule
            && !(factor > 0.0 && factor <= 1.0)
        {
            return Err(ConfigError::StepFactor(factor));
        }
        Ok(())
    }
}

/// Training settings that cannot work, said so that they can be fixed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("the learning rate must be above 0, not {0}")]
    LearningRate(f64),
    #[error("the batch size must be at least 1")]
    BatchSize,
    #[error("train for at least 1 epoch")]
    Epochs,
    #[error("L1 and L2 penalties cannot be negative")]
    NegativePenalty,
    #[error("the step schedule's factor must be in (0, 1], not {0}")]
    StepFactor(f64),
    /// Reweighting by group reached the trainer unresolved (a bug in the caller).
    #[error(
        "reweighting by \"{column}\" needs the data's groups: turn it into per-example weights \
         first (training::reweigh)"
    )]
    UnresolvedReweighing { column: String },
}

/// Per-class weights that make every class count as much: `n / (classes · count)`.
pub fn balanced_weights(counts: &[usize]) -> Vec<f32> {
    let n: usize = counts.iter().sum();
    let classes = counts.iter().filter(|&&count| count > 0).count().max(1);
    counts
        .iter()
        .map(|&count| {
            if count == 0 {
                0.0
            } else {
                n as f32 / (classes as f32 * count as f32)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let mut config = TrainConfig {
            learning_rate: 0.1,
            epochs: 5,
            ..TrainConfig::default()
        };
        assert_eq!(config.learning_rate_at(4), 0.1);
        config.schedule = Schedule::Step {
            every_epochs: 2,
            factor: 0.5,
        };
        let rates: Vec<f64> = (0..5).map(|epoch| config.learning_rate_at(epoch)).collect();
        assert_eq!(rates, [0.1, 0.1, 0.05, 0.05, 0.025]);
        config.schedule = Schedule::Cosine { min_fraction: 0.0 };
        assert!((config.learning_rate_at(0) - 0.1).abs() < 1e-12);
        assert!((config.learning_rate_at(2) - 0.05).abs() < 1e-12);
        assert!(config.learning_rate_at(4).abs() < 1e-12);
    }

    #[test]
    fn optimizers_parse_by_name_and_round_trip() {
        for name in ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"] {
            let optimizer = Optimizer::parse(name).unwrap();
            let json = serde_json::to_string(&optimizer).unwrap();
            assert_eq!(serde_json::from_str::<Optimizer>(&json).unwrap(), optimizer);
        }
        assert_eq!(
            Optimizer::parse("Nesterov"),
            Some(Optimizer::Sgd {
                momentum: 0.9,
                nesterov: true
            })
        );
        assert_eq!(Optimizer::parse("lbfgs"), None);
    }

    #[test]
    fn bad_settings_are_explained() {
        let bad = TrainConfig {
            learning_rate: 0.0,
            ..TrainConfig::default()
        };
        assert!(
            bad.check()
                .unwrap_err()
                .to_string()
                .contains("learning rate")
        );
        let bad = TrainConfig {
            batch_size: 0,
            ..TrainConfig::default()
        };
        assert!(bad.check().unwrap_err().to_string().contains("batch size"));
        assert_eq!(TrainConfig::default().check(), Ok(()));
        let minimal: TrainConfig =
            serde_json::from_str(r#"{"learning_rate":0.01,"batch_size":16,"epochs":3}"#).unwrap();
        assert_eq!(minimal.optimizer, Optimizer::Adam);
        assert_eq!(minimal.early_stopping, None);
    }

    #[test]
    fn balanced_weights_make_classes_count_alike() {
        let weights = balanced_weights(&[90, 10]);
        assert!((weights[0] * 90.0 - weights[1] * 10.0).abs() < 1e-4);
        assert!((weights[0] - 100.0 / 180.0).abs() < 1e-6);
        assert_eq!(balanced_weights(&[5, 0, 5]), [1.0, 0.0, 1.0]);
    }
}
