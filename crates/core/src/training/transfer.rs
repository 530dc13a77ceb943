//! Training on top of a model ("Start from a model" on the Model step, `hearth train
//! --from`): a new model keeps the first layers of a trained one, with their weights, and
//! puts its own layers and head after them for the loaded data's classes (or value). The
//! kept layers are frozen (no gradients: backpropagation stops above them) or fine-tuned
//! at a lower learning rate. The data is prepared anew (its own preprocessing and
//! classes): only the kept layers' weights come from the base.

use sha2::{Digest, Sha256};

use crate::inference::active_model::ActiveModel;
use crate::model::TrainConfig;
pub use crate::model::base::BaseSummary;
use crate::model::network::HostWeights;
use crate::model::spec::{Layer, ModelSpec, Shape};

use super::job::{Job, JobError};

/// A model chosen to start from: what the page shows of it (its name, its file's hash,
/// its layers), and its weights.
#[derive(Debug, Clone)]
pub struct Base {
    pub summary: BaseSummary,
    weights: HostWeights,
    /// `tensors[n]`: how many of `weights`' tensors the first `n` layers hold.
    tensors: Vec<usize>,
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl Base {
    /// `model` as a base, named by the hash of the file it was opened from (or, for a
    /// model trained here, of its model file as it saves now).
    pub async fn new(model: &ActiveModel) -> Result<Base, crate::Error> {
        let sha256 = match &model.file_sha256 {
            Some(sha256) => sha256.clone(),
            None => sha256_hex(&model.file_bytes().await.map_err(crate::Error::backend)?),
        };
        let weights = model.weights().await?;
        let tensors = (0..=model.spec.layers.len())
            .map(|layers| model.network.tensors_in(layers))
            .collect();
        let layers = model.spec.layers.len();
        let mut infos = model.spec.infer().unwrap_or_default();
        infos.truncate(layers);
        Ok(Base {
            summary: BaseSummary {
                name: model.summary.name.clone(),
                sha256,
                input: model.spec.input,
                layers: model.spec.layers.clone(),
                infos,
                sound: model.sound.is_some(),
            },
            weights,
            tensors,
        })
    }

    /// The weights of the layers `spec` keeps, once it is checked to be built on this
    /// base: the same file, the same input, the same first layers.
    pub fn kept(&self, spec: &ModelSpec) -> Result<HostWeights, JobError> {
        let base = &self.summary;
        let refused = |reason: String| JobError::NotOnBase { reason };
        let Some(origin) = &spec.origin else {
            return Err(refused("the model does not start from another".to_string()));
        };
        if origin.sha256 != base.sha256 {
            return Err(refused(format!(
                "it starts from {} (file sha256 {}…), but the model chosen to start from is {} ({}…): choose {} again",
                origin.model,
                short(&origin.sha256),
                base.name,
                short(&base.sha256),
                origin.model
            )));
        }
        if spec.input != base.input {
            return Err(refused(format!(
                "{} reads inputs of {}, and the new model of {}",
                base.name,
                Shape::from(base.input).label(),
                Shape::from(spec.input).label()
            )));
        }
        let kept = origin.kept_layers;
        let differs = (0..kept).find(|&index| spec.layers.get(index) != base.layers.get(index));
        if let Some(index) = differs {
            return Err(refused(format!(
                "layer {} is kept from {}, but it is {} there and {} here",
                index + 1,
                base.name,
                base.layers
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

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use super::*;
    use crate::data::summary::Task;
    use crate::model::network::Network;
    use crate::model::summary::ModelSource;
    use crate::model::{Activation, DEFAULT_KEPT_RATE, InputShape, Origin};
    use crate::training::job::tests::{iris, run, stateless};

    fn dense(units: usize) -> Layer {
        Layer::Dense {
            units,
            activation: Activation::Relu,
        }
    }

    /// A trained iris model with two hidden layers, and its file's bytes.
    fn base_model() -> (ActiveModel, Vec<u8>) {
        base_model_of(vec![dense(16), dense(8)])
    }

    /// A trained iris model with these hidden layers, and its file's bytes.
    fn base_model_of(layers: Vec<Layer>) -> (ActiveModel, Vec<u8>) {
        let device = Device::flex();
        let spec = ModelSpec::new(
            InputShape::Features { features: 4 },
            layers,
            Task::MultiClass,
            3,
        );
        let mut job = Job::start(&iris(), spec, stateless(3), &device).unwrap();
        pollster::block_on(run(&mut job));
        let bytes = pollster::block_on(job.file_bytes()).unwrap();
        let model =
            ActiveModel::open("base.safetensors", &bytes, &device, ModelSource::File).unwrap();
        (model, bytes)
    }

    fn host(network: &Network) -> HostWeights {
        pollster::block_on(network.to_host()).unwrap()
    }

    #[test]
    fn frozen_layers_keep_the_bases_weights_bit_for_bit_and_the_file_says_where_from() {
        // A batch norm among the kept layers: frozen, it keeps its running statistics too.
        let norm = Layer::BatchNorm {
            activation: Activation::Linear,
        };
        let (model, bytes) = base_model_of(vec![dense(16), norm, dense(8)]);
        let base = pollster::block_on(Base::new(&model)).unwrap();
        assert_eq!(base.summary.sha256, sha256_hex(&bytes));
        assert_eq!(base.summary.sha256.len(), 64);
        let summary = base.summary.clone();
        assert_eq!(summary.layers, vec![dense(16), norm, dense(8)]);
        assert_eq!(summary.infos.len(), 3, "the hidden layers, not the head");
        assert_eq!(summary.infos[0].params, 4 * 16 + 16);

        let spec = base
            .summary
            .spec(
                2,
                vec![dense(6)],
                true,
                DEFAULT_KEPT_RATE,
                Task::MultiClass,
                3,
            )
            .unwrap();
        let device = Device::flex();
        let mut job = Job::start_from(&iris(), spec, stateless(4), &base, &device).unwrap();
        let before = host(&job.trainer.network().unwrap());
        pollster::block_on(run(&mut job));
        let after = host(&job.trainer.network().unwrap());
        let original = host(&model.network);
        // The dense layer's weight and bias, the batch norm's scale, shift and statistics.
        let kept = model.network.tensors_in(2);
        assert_eq!(kept, 6);
        assert_eq!(
            before.tensors[..kept],
            original.tensors[..kept],
            "kept from the base"
        );
        assert_eq!(
            after.tensors[..kept],
            original.tensors[..kept],
            "frozen: unchanged"
        );
        assert_ne!(
            after.tensors[kept..],
            before.tensors[kept..],
            "the new layers learned"
        );

        let file = pollster::block_on(job.file_bytes()).unwrap();
        let opened = ActiveModel::open("new.safetensors", &file, &device, ModelSource::File)
            .expect("a model built on another opens as any other");
        let origin = Origin {
            model: base.summary.name.clone(),
            sha256: sha256_hex(&bytes),
            kept_layers: 2,
            frozen: true,
            kept_rate: DEFAULT_KEPT_RATE,
        };
        assert_eq!(opened.spec.origin.as_ref(), Some(&origin));
        let card = crate::model::card::markdown(&opened.document());
        assert!(
            card.contains(&format!(
                "Built on {}: its first 2 layers kept, frozen. Its file's SHA-256 is `{}`.",
                base.summary.name, origin.sha256
            )),
            "{card}"
        );
        assert!(card.contains("| 1 | Dense 16 relu (kept) |"), "{card}");
        assert!(card.contains("| 2 | BatchNorm linear (kept) |"), "{card}");
        assert!(card.contains("| 3 | Dense 6 relu |"), "{card}");
    }

    #[test]
    fn frozen_layers_get_no_gradients() {
        let (model, _) = base_model();
        let base = pollster::block_on(Base::new(&model)).unwrap();
        let gradients = |frozen: bool| {
            let spec = base
                .summary
                .spec(2, Vec::new(), frozen, 0.5, Task::MultiClass, 3)
                .unwrap();
            let device = Device::flex().autodiff();
            let network = Network::new(&spec, 0, &device).unwrap();
            let x = Tensor::<2>::from_data(TensorData::new(vec![0.5f32; 8], [2, 4]), &device);
            let mut grads = network.forward(&spec, x).sum().backward();
            let ids = network.param_ids_in(2);
            let kept = burn::optim::GradientsParams::from_params(&mut grads, &network, &ids);
            let rest = burn::optim::GradientsParams::from_module(&mut grads, &network);
            (ids.len(), kept.len(), rest.len())
        };
        // Two kept dense layers (a weight and a bias each) and the head's two.
        assert_eq!(
            gradients(false),
            (4, 4, 2),
            "fine-tuned layers have gradients"
        );
        assert_eq!(gradients(true), (4, 0, 2), "frozen ones none");
    }

    #[test]
    fn fine_tuned_layers_move_at_their_own_rate() {
        let (model, _) = base_model();
        let base = pollster::block_on(Base::new(&model)).unwrap();
        let device = Device::flex();
        // One step of plain SGD from the same weights: the kept layer's change is the
        // rate times the gradient, so a quarter of the rate moves it a quarter as far.
        let changes = |kept_rate: f64| {
            let spec = base
                .summary
                .spec(1, vec![dense(6)], false, kept_rate, Task::MultiClass, 3)
                .unwrap();
            Job::start_from(&iris(), spec, stateless(1), &base, &device).unwrap()
        };
        let mut whole = changes(1.0);
        let mut quarter = changes(0.25);
        // The same fresh layers after the kept one in both.
        let start = host(&whole.trainer.network().unwrap());
        quarter.trainer.use_weights(&start).unwrap();
        pollster::block_on(whole.step()).unwrap();
        pollster::block_on(quarter.step()).unwrap();
        let moved = |job: &Job| {
            let after = host(&job.trainer.network().unwrap());
            after.tensors[0]
                .1
                .iter()
                .zip(&start.tensors[0].1)
                .map(|(a, b)| f64::from(a - b))
                .collect::<Vec<f64>>()
        };
        let (whole, quarter) = (moved(&whole), moved(&quarter));
        let size = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(
            size(&whole) > 1e-4,
            "the kept layer learns: {}",
            size(&whole)
        );
        for (w, q) in whole.iter().zip(&quarter) {
            assert!((q - w * 0.25).abs() <= 1e-6 + w.abs() * 1e-3, "{w} {q}");
        }
    }

    #[test]
    fn a_model_not_built_on_the_base_is_refused_with_what_differs() {
        let (model, _) = base_model();
        let base = pollster::block_on(Base::new(&model)).unwrap();
        let mut spec = base
            .summary
            .spec(2, Vec::new(), true, DEFAULT_KEPT_RATE, Task::MultiClass, 3)
            .unwrap();
        let mut elsewhere = base.clone();
        elsewhere.summary.sha256 = sha256_hex(b"another file");
        let error = elsewhere.kept(&spec).err().unwrap().to_string();
        assert!(
            error.contains(&format!("choose {} again", base.summary.name)),
            "{error}"
        );
        spec.layers[1] = dense(9);
        let error = base.kept(&spec).err().unwrap().to_string();
        assert!(
            error.contains(
                "layer 2 is kept from Iris flowers model, but it is Dense 8 relu there and Dense 9 relu here"
            ),
            "{error}"
        );
        let error = base
            .summary
            .spec(3, Vec::new(), true, DEFAULT_KEPT_RATE, Task::MultiClass, 3)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("3 layers"), "{error}");
        let error = base
            .summary
            .spec(1, Vec::new(), false, 0.0, Task::MultiClass, 3)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("rate"), "{error}");
    }
}
