//! Training on top of a model ("Start from a model" on the Model step, `hearth train
//! --from`): a new model keeps the first layers of a trained one, with their weights, and
//! puts its own layers and head after them for the loaded data's classes (or value). The
//! kept layers are frozen (no gradients: backpropagation stops above them) or fine-tuned
//! at a lower learning rate. The data is prepared anew (its own preprocessing and
//! classes): only the kept layers' weights come from the base.

use sha2::{Digest, Sha256};

use crate::inference::active_model::ActiveModel;
use crate::model::network::HostWeights;
use crate::model::spec::{InputShape, Layer, ModelSpec, Origin, Shape};
use crate::model::{LayerInfo, TrainConfig};

use super::job::{Job, JobError};

/// A model chosen to start from: its name, its file's hash, its layers and their weights.
#[derive(Debug, Clone)]
pub struct Base {
    /// The model's name (its card's, else its file's).
    pub name: String,
    /// The SHA-256 of its file, lowercase hex.
    pub sha256: String,
    pub spec: ModelSpec,
    /// Whether it reads sounds' spectrograms.
    pub sound: bool,
    weights: HostWeights,
    /// `tensors[n]`: how many of `weights`' tensors the first `n` layers hold.
    tensors: Vec<usize>,
}

/// What the page shows of a base: each layer with its output and parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BaseSummary {
    pub name: String,
    pub sha256: String,
    pub input: InputShape,
    /// Its hidden layers, in order (not its head, which a new model replaces).
    pub layers: Vec<Layer>,
    /// Their output shapes and parameters.
    pub infos: Vec<LayerInfo>,
    pub sound: bool,
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl Base {
    /// `model` as a base; `file` is its model file's bytes (hashed to say which it was).
    pub async fn new(model: &ActiveModel, file: &[u8]) -> Result<Base, crate::Error> {
        let weights = model.weights().await?;
        let tensors = (0..=model.spec.layers.len())
            .map(|layers| model.network.tensors_in(layers))
            .collect();
        Ok(Base {
            name: model.summary.name.clone(),
            sha256: sha256_hex(file),
            spec: model.spec.clone(),
            sound: model.sound.is_some(),
            weights,
            tensors,
        })
    }

    /// What the page shows of it.
    pub fn summary(&self) -> BaseSummary {
        let mut infos = self.spec.infer().unwrap_or_default();
        infos.truncate(self.spec.layers.len());
        BaseSummary {
            name: self.name.clone(),
            sha256: self.sha256.clone(),
            input: self.spec.input,
            layers: self.spec.layers.clone(),
            infos,
            sound: self.sound,
        }
    }

    /// The spec of a new model on this base: its first `kept` layers, then `more` layers
    /// of the new model's own, then a head for `task` and `classes` (the loaded data's);
    /// frozen, or fine-tuned at `kept_rate` times the run's learning rate.
    pub fn spec(
        &self,
        kept: usize,
        more: Vec<Layer>,
        frozen: bool,
        kept_rate: f64,
        task: crate::data::summary::Task,
        classes: usize,
    ) -> Result<ModelSpec, crate::model::SpecError> {
        let mut layers: Vec<Layer> = self.spec.layers.iter().take(kept).cloned().collect();
        layers.extend(more);
        let mut spec = ModelSpec::new(self.spec.input, layers, task, classes);
        spec.origin = Some(Origin {
            model: self.name.clone(),
            sha256: self.sha256.clone(),
            kept_layers: kept,
            frozen,
            kept_rate,
        });
        spec.infer()?;
        Ok(spec)
    }

    /// The weights of the layers `spec` keeps, once it is checked to be built on this
    /// base: the same file, the same input, the same first layers.
    pub fn kept(&self, spec: &ModelSpec) -> Result<HostWeights, JobError> {
        let refused = |reason: String| JobError::NotOnBase { reason };
        let Some(origin) = &spec.origin else {
            return Err(refused("the model does not start from another".to_string()));
        };
        if origin.sha256 != self.sha256 {
            return Err(refused(format!(
                "it starts from {} (file sha256 {}…), but the model chosen to start from is {} ({}…): choose {} again",
                origin.model,
                short(&origin.sha256),
                self.name,
                short(&self.sha256),
                origin.model
            )));
        }
        if spec.input != self.spec.input {
            return Err(refused(format!(
                "{} reads inputs of {}, and the new model of {}",
                self.name,
                Shape::from(self.spec.input).label(),
                Shape::from(spec.input).label()
            )));
        }
        let kept = origin.kept_layers;
        let differs =
            (0..kept).find(|&index| spec.layers.get(index) != self.spec.layers.get(index));
        if let Some(index) = differs {
            return Err(refused(format!(
                "layer {} is kept from {}, but it is {} there and {} here",
                index + 1,
                self.name,
                self.spec
                    .layers
                    .get(index)
                    .map_or("missing".to_string(), Layer::label),
                spec.layers
                    .get(index)
                    .map_or("missing".to_string(), Layer::label)
            )));
        }
        let tensors = self.tensors.get(kept).copied().unwrap_or(0);
        Ok(self.weights.first(tensors))
    }
}

fn short(sha256: &str) -> String {
    sha256.chars().take(12).collect()
}

impl Job {
    /// A new run of `spec`, built on `base` (its [`Origin`] names it): the kept layers
    /// start with the base's weights, the rest fresh.
    pub fn start_from(
        data: &crate::data::session::DataSession,
        spec: ModelSpec,
        config: TrainConfig,
        base: &Base,
        device: &burn::tensor::Device,
    ) -> Result<Job, JobError> {
        let kept = base.kept(&spec)?;
        let mut job = Job::start(data, spec, config, device)?;
        job.trainer.keep_layers(&kept)?;
        Ok(job)
    }
}
