//! Training a model further ("Train further", `hearth train --continue`): the same
//! weights, the same preprocessing (the loaded data is encoded with the model's own fitted
//! schema, not fitted anew), its classes in its order, and its history continued, epochs
//! numbered on from where it stopped. Data that does not fit is refused with every
//! difference named.

use crate::data::ImageSet;
use crate::data::Table;
use crate::data::prep::{FeatureSchema, Prepared, Schema, TargetSchema};
use crate::data::session::DataSession;
use crate::inference::active_model::ActiveModel;
use crate::model::TrainConfig;
use crate::model::spec::{InputShape, ModelSpec, Shape};
use crate::sound::SoundFeatures;
use burn::tensor::Device;

use super::job::{Job, JobError};

/// What a model was trained on: what the data must fit for it to train further.
#[derive(Debug, Clone, Copy)]
pub struct Basis<'a> {
    pub spec: &'a ModelSpec,
    /// A table model's fitted preprocessing (`None` for images and sounds).
    pub schema: Option<&'a Schema>,
    /// Its classes, in the order of its outputs.
    pub labels: &'a [String],
    /// A sound model's features.
    pub sound: Option<SoundFeatures>,
}

impl ActiveModel {
    /// What this model was trained on.
    pub fn basis(&self) -> Basis<'_> {
        Basis {
            spec: &self.spec,
            schema: self.schema.as_ref(),
            labels: &self.labels,
            sound: self.sound,
        }
    }
}

impl Job {
    /// A run that trains `model` further on the loaded data for `config.epochs` more
    /// epochs, or a message naming what in the data does not fit it.
    pub async fn continue_from(
        data: &DataSession,
        model: &ActiveModel,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Job, JobError> {
        let mut job = Job::assemble(
            data,
            model.spec.clone(),
            config,
            device,
            Some(model.basis()),
        )?;
        let weights = model.network.to_host().await?;
        job.trainer.continue_from(&weights, model.history.clone())?;
        Ok(job)
    }
}

/// `names` quoted and listed: `"a", "b" and "c"`.
fn quoted(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
    crate::text::listed(&quoted)
}

/// `y`, class indices of the data, as the model's (`map[class]` is its index there).
pub fn remap_classes(y: &mut [f32], map: &[usize]) {
    for y in y {
        *y = map.get(*y as usize).copied().unwrap_or(0) as f32;
    }
}

/// Where each of `data`'s classes is among the model's `labels`; the classes it does not
/// know are a difference.
fn class_map(data: &[String], labels: &[String], differences: &mut Vec<String>) -> Vec<usize> {
    let unknown: Vec<&str> = data
        .iter()
        .filter(|class| !labels.contains(class))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = labels.iter().map(String::as_str).collect();
        differences.push(format!(
            "the data has {} {} that the model does not know (it knows {})",
            if unknown.len() == 1 {
                "the class"
            } else {
                "the classes"
            },
            quoted(&unknown),
            quoted(&known)
        ));
    }
    data.iter()
        .map(|class| labels.iter().position(|label| label == class).unwrap_or(0))
        .collect()
}

fn does_not_fit(differences: Vec<String>) -> JobError {
    JobError::DoesNotFit {
        differences: differences.join("; "),
    }
}

/// `prepared` (the loaded table as the Data step sets it up) encoded as `basis`'s model
/// was trained: its columns through its fitted schema, its classes in its order.
pub fn as_trained(
    mut prepared: Prepared,
    table: &Table,
    basis: Basis<'_>,
) -> Result<Prepared, JobError> {
    let Some(schema) = basis.schema else {
        let reads = if basis.sound.is_some() {
            "sounds"
        } else {
            "images"
        };
        return Err(does_not_fit(vec![format!(
            "the model reads {reads}, and the data is a table"
        )]));
    };
    let mut differences = Vec::new();
    let (model_target, data_target) = (schema.target.column(), prepared.schema.target.column());
    if model_target != data_target {
        differences.push(format!(
            "the model predicts \"{model_target}\" and the data's target is \"{data_target}\" (choose \"{model_target}\" as the target in step 1)"
        ));
    }
    let missing: Vec<&str> = schema
        .features
        .iter()
        .map(FeatureSchema::column)
        .filter(|column| table.column(column).is_none())
        .collect();
    if !missing.is_empty() {
        differences.push(format!(
            "the data has no {} {} that the model reads",
            if missing.len() == 1 {
                "column"
            } else {
                "columns"
            },
            quoted(&missing)
        ));
    }
    let map = match (&schema.target, &prepared.schema.target) {
        (TargetSchema::Classes { labels, .. }, TargetSchema::Classes { labels: data, .. }) => {
            Some((class_map(data, labels, &mut differences), labels.clone()))
        }
        (TargetSchema::Regression { .. }, TargetSchema::Regression { .. }) => None,
        (model, data) => {
            differences.push(format!(
                "the model does {} and the data is set up for {}",
                model.task().label(),
                data.task().label()
            ));
            None
        }
    };
    if !differences.is_empty() {
        return Err(does_not_fit(differences));
    }
    let columns: Vec<_> = schema
        .features
        .iter()
        .filter_map(|feature| table.column(feature.column()))
        .collect();
    let mut x = Vec::with_capacity(prepared.rows.len() * schema.width());
    for &row in &prepared.rows {
        for (feature, cells) in schema.features.iter().zip(&columns) {
            feature.encode(Some(cells.get(row)), &mut x);
        }
    }
    if let Some((map, labels)) = map {
        remap_classes(&mut prepared.y, &map);
        prepared.target.classes = labels
            .iter()
            .enumerate()
            .map(|(class, label)| {
                let count = prepared.y.iter().filter(|&&y| y as usize == class).count();
                (label.clone(), count)
            })
            .collect();
    }
    prepared.target.task = schema.target.task();
    prepared.width = schema.width();
    prepared.x = x;
    prepared.schema = schema.clone();
    Ok(prepared)
}

/// Where each of `images`' classes is among `basis`'s model's, or what does not fit.
pub fn image_classes(images: &ImageSet, basis: Basis<'_>) -> Result<Vec<usize>, JobError> {
    if basis.schema.is_some() {
        let data = if images.sound.is_some() {
            "sounds"
        } else {
            "images"
        };
        return Err(does_not_fit(vec![format!(
            "the model reads a table's columns, and the data is {data}"
        )]));
    }
    let mut differences = Vec::new();
    let input = InputShape::Image {
        height: images.height as usize,
        width: images.width as usize,
        channels: images.channels as usize,
    };
    match (basis.sound, images.sound) {
        (Some(_), None) => {
            differences.push("the model hears sounds, and the data is images".to_string())
        }
        (None, Some(_)) => {
            differences.push("the model reads images, and the data is sounds".to_string())
        }
        (Some(model), Some(data)) if model != data => differences
            .push("the model hears sounds made into spectrograms otherwise than these".to_string()),
        _ if basis.spec.input != input => differences.push(format!(
            "the model reads images of {} and these are {} (choose that size in step 1)",
            Shape::from(basis.spec.input).label(),
            Shape::from(input).label()
        )),
        _ => {}
    }
    let map = class_map(&images.classes, basis.labels, &mut differences);
    if differences.is_empty() {
        Ok(map)
    } else {
        Err(does_not_fit(differences))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::summary::Task;
    use crate::model::Optimizer;
    use crate::model::summary::ModelSource;
    use crate::model::{Activation, Layer};
    use crate::training::StepOutcome;
    use crate::training::job::tests::{iris, run, stateless};

    fn spec() -> ModelSpec {
        // No dropout: its random masks come from the backend's own generator.
        ModelSpec::new(
            InputShape::Features { features: 4 },
            vec![Layer::Dense {
                units: 12,
                activation: Activation::Relu,
            }],
            Task::MultiClass,
            3,
        )
    }

    /// The model file of `job` trained to its end, opened as a model file is.
    fn model_after(job: &mut Job) -> ActiveModel {
        pollster::block_on(run(job));
        let bytes = pollster::block_on(job.file_bytes()).unwrap();
        ActiveModel::open("m.safetensors", &bytes, &Device::flex(), ModelSource::File).unwrap()
    }

    #[test]
    fn a_continued_run_equals_one_that_never_stopped() {
        let data = iris();
        let device = Device::flex();
        let mut whole = Job::start(&data, spec(), stateless(4), &device).unwrap();
        let mut half = Job::start(&data, spec(), stateless(2), &device).unwrap();
        // The same starting weights (the backend's generator is shared by tests that run
        // at once, so seeding alone does not promise them).
        let start = half.trainer.network().unwrap();
        let start = pollster::block_on(start.to_host()).unwrap();
        whole.trainer.use_weights(&start).unwrap();
        let whole = model_after(&mut whole);
        let half = model_after(&mut half);
        let mut further =
            pollster::block_on(Job::continue_from(&data, &half, stateless(2), &device)).unwrap();
        assert_eq!(further.plan().0, 4, "epochs numbered on: 4 in all");
        let seen = pollster::block_on(run(&mut further));
        let epochs: Vec<u32> = seen
            .iter()
            .filter_map(|outcome| match outcome {
                StepOutcome::Epoch(record) => Some(record.epoch),
                _ => None,
            })
            .collect();
        assert_eq!(epochs, [3, 4]);
        let bytes = pollster::block_on(further.file_bytes()).unwrap();
        let continued =
            ActiveModel::open("c.safetensors", &bytes, &device, ModelSource::File).unwrap();
        assert_eq!(continued.history.len(), 4);
        assert_eq!(continued.history[..2], half.history[..]);
        assert_eq!(
            half.history[..],
            whole.history[..2],
            "the first two epochs are the same run"
        );
        assert_eq!(continued.history, whole.history);
        let (a, b) = (
            pollster::block_on(whole.network.to_host()).unwrap(),
            pollster::block_on(continued.network.to_host()).unwrap(),
        );
        assert_eq!(a, b, "the same weights, bit for bit");
        assert_eq!(continued.history, whole.history);
    }

    #[test]
    fn adam_warms_up_when_it_goes_on_and_a_new_run_does_not() {
        let data = iris();
        let device = Device::flex();
        let adam = |epochs| TrainConfig {
            optimizer: Optimizer::Adam,
            ..stateless(epochs)
        };
        let mut first = Job::start(&data, spec(), adam(1), &device).unwrap();
        let first = model_after(&mut first);
        assert_eq!(
            first.history[0].learning_rate, 0.05,
            "a new run takes the whole rate"
        );
        let mut further =
            pollster::block_on(Job::continue_from(&data, &first, adam(2), &device)).unwrap();
        pollster::block_on(run(&mut further));
        let history = further.history();
        // 105 training rows in batches of 16: 7 steps an epoch; the rate rises over 20.
        let rate = |steps: f64| 0.05 * steps / crate::training::trainer::WARM_UP_STEPS as f64;
        assert!(
            (history[1].learning_rate - rate(7.0)).abs() < 1e-12,
            "{history:?}"
        );
        assert!(
            (history[2].learning_rate - rate(14.0)).abs() < 1e-12,
            "{history:?}"
        );
    }

    #[test]
    fn data_that_does_not_fit_is_named() {
        let data = iris();
        let device = Device::flex();
        let mut job = Job::start(&data, spec(), stateless(1), &device).unwrap();
        let model = model_after(&mut job);
        let mut other = DataSession::default();
        other.load_builtin("xor");
        let error = pollster::block_on(Job::continue_from(&other, &model, stateless(1), &device))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.starts_with("The model in use cannot train further on this data: "),
            "{error}"
        );
        assert!(error.contains("the model predicts \"species\""), "{error}");
        assert!(
            error.contains(
                "no columns \"sepal_length\", \"sepal_width\", \"petal_length\" and \"petal_width\""
            ),
            "{error}"
        );
        let mut digits = DataSession::default();
        digits.load_builtin("mnist");
        let error = pollster::block_on(Job::continue_from(&digits, &model, stateless(1), &device))
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("the model reads a table's columns, and the data is images"),
            "{error}"
        );
    }
}
