//! The training job over the loaded data ([`Job`]): it starts a [`Trainer`] on the data
//! the session holds, steps it, moves it to another device, and writes the run so far.

use burn::tensor::Device;

use super::batch::TrainSet;
use super::further::{self, Basis};
use super::reweigh::{ReweighError, reweighing_prepared};
use super::trainer::{StepOutcome, Trainer};
use crate::data::DataError;
use crate::data::images::ImageShape;
use crate::data::prep::{FeatureSchema, Schema, TargetSchema};
use crate::data::session::{DataSession, Loaded};
use crate::data::summary::{Split, Task};
use crate::inference::active_model::TestRow;
use crate::model::file::{self, FORMAT_VERSION, ModelCard, ModelDocument, ModelFileError};
use crate::model::spec::{InputShape, ModelSpec, Shape, SpecError};
use crate::model::{EpochRecord, ExampleWeights, TrainConfig};

/// Why a spec does not fit the data it is to train on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecMismatch {
    /// The spec's layers do not fit together.
    #[error(transparent)]
    Invalid(#[from] SpecError),
    /// The spec reads another shape of input (labels as [`Shape::label`] writes them).
    #[error(
        "The model's input is {model} but the data gives {data}. Choose a preset again, or \
         change the input."
    )]
    Input { model: String, data: String },
    /// The spec's head does another task, or has another number of outputs.
    #[error(
        "The model does {model_task} with {model_outputs} output(s), but the data needs \
         {data_task} with {data_outputs}. Choose a preset again."
    )]
    Output {
        model_task: &'static str,
        model_outputs: usize,
        data_task: &'static str,
        data_outputs: usize,
    },
}

/// Whether `spec` fits data of `input` shape, `task` and `classes`, and why not.
pub fn check_spec(
    spec: &ModelSpec,
    input: InputShape,
    task: Task,
    classes: usize,
) -> Result<(), SpecMismatch> {
    spec.infer()?;
    if spec.input != input {
        return Err(SpecMismatch::Input {
            model: Shape::from(spec.input).label(),
            data: Shape::from(input).label(),
        });
    }
    let expected = ModelSpec::new(input, Vec::new(), task, classes);
    if spec.task != expected.task || spec.outputs != expected.outputs {
        return Err(SpecMismatch::Output {
            model_task: spec.task.label(),
            model_outputs: spec.outputs,
            data_task: expected.task.label(),
            data_outputs: expected.outputs,
        });
    }
    Ok(())
}

/// Why a training job cannot start, or cannot hand over what it trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    #[error("Choose a data set first (step 1, Data).")]
    NoData,
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Reweigh(#[from] ReweighError),
    #[error(
        "Reweighting by group needs a table with a sensitive column; images have no groups. \
         Train without reweighting."
    )]
    ImagesHaveNoGroups,
    #[error(transparent)]
    Spec(#[from] SpecMismatch),
    #[error(transparent)]
    Training(#[from] crate::Error),
    #[error(transparent)]
    ModelFile(#[from] ModelFileError),
    #[error("The trained model is gone: train it again.")]
    ModelGone,
    #[error(
        "The data is set up differently from the data the model was trained on (other \
         preprocessing or classes), so it is not scored on it."
    )]
    PreparedOtherwise,
    /// Training further: what in the loaded data does not fit the model.
    #[error(
        "The model in use cannot train further on this data: {differences}. Load data that \
         fits it, or train a new model."
    )]
    DoesNotFit { differences: String },
    /// Starting from a model: the spec does not fit the model chosen to start from.
    #[error("The model cannot start from the chosen model: {reason}.")]
    NotOnBase { reason: String },
}

/// A training run over the loaded data.
pub struct Job {
    pub(super) trainer: Trainer,
    /// The settings as asked for (the trainer's may have reweighting resolved into
    /// per-row weights); what the model file records.
    pub(super) config: TrainConfig,
    pub(super) spec: ModelSpec,
    pub(super) schema: Option<Schema>,
    pub(super) labels: Vec<String>,
    pub(super) name: String,
    /// Held-out test rows (split indices) and their targets, for the final metrics.
    pub(super) test_rows: Vec<u32>,
    pub(super) test_truth: Vec<f32>,
    pub(super) test: Vec<TestRow>,
    /// Image sets: the images' shape (for thumbnails of test samples).
    pub(super) image_shape: Option<ImageShape>,
    /// Sound models: how their inputs were made.
    pub(super) sound: Option<crate::sound::SoundFeatures>,
    /// Tables: the groups of each sensitive column, one code per prepared row.
    pub(super) groups: Vec<crate::data::prep::Groups>,
    pub(super) device: Device,
}

impl Job {
    /// A run of `spec` with `config` on the loaded data, or a message saying why not.
    pub fn start(
        data: &DataSession,
        spec: ModelSpec,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Job, JobError> {
        Job::assemble(data, spec, config, device, None)
    }

    /// A run of `spec`; with a `basis`, on the data encoded as that model was trained (see
    /// [`super::further`]).
    pub(super) fn assemble(
        data: &DataSession,
        spec: ModelSpec,
        config: TrainConfig,
        device: &Device,
        basis: Option<Basis<'_>>,
    ) -> Result<Job, JobError> {
        let mut groups = Vec::new();
        // What the trainer uses: reweighting by group becomes one weight per row.
        let mut trainer_config = config.clone();
        let (set, input, task, labels, schema, name, test) = match &data.loaded {
            Loaded::Nothing => return Err(JobError::NoData),
            Loaded::Table(loaded) => {
                let mut prepared = data.prepared().ok_or(JobError::NoData)??;
                if let Some(basis) = basis {
                    prepared = further::as_trained(prepared, &loaded.table, basis)?;
                }
                let labels = match &prepared.schema.target {
                    TargetSchema::Classes { labels, .. } => labels.clone(),
                    TargetSchema::Regression { .. } => Vec::new(),
                };
                let target = prepared.schema.target.column().to_string();
                let feature_columns: Vec<&str> = prepared
                    .schema
                    .features
                    .iter()
                    .map(FeatureSchema::column)
                    .collect();
                let width = prepared.width;
                let test = prepared.split[2]
                    .iter()
                    .filter_map(|&row| {
                        let table_row = *prepared.rows.get(row as usize)?;
                        let cells = feature_columns
                            .iter()
                            .filter_map(|column| {
                                let cell = loaded.table.column(column)?.get(table_row);
                                Some((column.to_string(), cell.trim().to_string()))
                            })
                            .collect();
                        let truth = loaded
                            .table
                            .column(&target)
                            .map(|cells| cells.get(table_row).trim().to_string())
                            .unwrap_or_default();
                        let start = row as usize * width;
                        Some(TestRow {
                            x: prepared.x.get(start..start + width)?.to_vec(),
                            cells,
                            truth,
                        })
                    })
                    .collect();
                groups = prepared.groups.clone();
                if let ExampleWeights::ReweighGroups { column } = &config.weights {
                    trainer_config.weights = ExampleWeights::PerSample {
                        weights: reweighing_prepared(&prepared, column)?,
                    };
                }
                (
                    TrainSet::from_prepared(&prepared),
                    InputShape::Features { features: width },
                    prepared.target.task,
                    labels,
                    Some(prepared.schema),
                    loaded.table.name.clone(),
                    test,
                )
            }
            Loaded::Images(images) => {
                if matches!(config.weights, ExampleWeights::ReweighGroups { .. }) {
                    return Err(JobError::ImagesHaveNoGroups);
                }
                let (set, input, task, labels) = image_parts(images, data, basis)?;
                (
                    set,
                    input,
                    task,
                    labels,
                    None,
                    images.name.clone(),
                    Vec::new(),
                )
            }
        };
        check_spec(&spec, input, task, labels.len())?;
        let test_rows = set.test.clone();
        let test_truth = test_rows.iter().map(|&row| set.y[row as usize]).collect();
        let image_shape = match &data.loaded {
            Loaded::Images(images) => Some(ImageShape {
                width: images.width,
                height: images.height,
                channels: images.channels,
            }),
            _ => None,
        };
        let trainer = Trainer::new(spec.clone(), trainer_config, set, device)?;
        Ok(Job {
            trainer,
            config,
            spec,
            schema,
            labels,
            name,
            test_rows,
            test_truth,
            test,
            image_shape,
            sound: match &data.loaded {
                Loaded::Images(images) => images.sound,
                _ => None,
            },
            groups,
            device: device.clone(),
        })
    }

    /// Epochs, steps per epoch, training examples and parameters of the run.
    pub fn plan(&self) -> (u32, u64, usize, u64) {
        let examples = self.trainer.train_rows();
        (
            self.trainer.config.epochs,
            self.trainer.config.steps_per_epoch(examples),
            examples,
            self.spec.params(),
        )
    }

    /// Trains one batch.
    pub async fn step(&mut self) -> Result<StepOutcome, crate::Error> {
        self.trainer.step().await
    }

    /// Waits for the steps under way on the device (see [`Trainer::settle`]).
    pub async fn settle(&mut self) -> Result<Vec<f32>, crate::Error> {
        self.trainer.settle().await
    }

    /// Examples trained on so far.
    pub fn examples_trained(&self) -> u64 {
        self.trainer.examples_trained()
    }

    /// Examples in the batch the next step trains (for examples per second).
    pub fn batch_size(&self) -> usize {
        self.trainer.config.batch_size
    }

    /// Copies the weights to the host after every epoch, so that the run can move to
    /// another device if this one fails (see [`Job::move_to`]).
    pub fn keep_checkpoints(&mut self) {
        self.trainer.keep_checkpoints();
    }

    /// Goes on training on `device` from the last completed epoch (see
    /// [`Trainer::resume_on`]); returns that epoch.
    pub fn move_to(&mut self, device: &Device) -> Result<u32, crate::Error> {
        let epoch = self.trainer.resume_on(device)?;
        self.device = device.clone();
        Ok(epoch)
    }

    /// Ends the run at once.
    pub fn stop(&mut self) {
        self.trainer.stop();
    }

    /// Whether the run is over.
    pub fn is_finished(&self) -> bool {
        self.trainer.is_finished()
    }

    /// The epochs so far.
    pub fn history(&self) -> &[EpochRecord] {
        &self.trainer.history
    }

    /// The model file of the run so far (the weights after the last step, the history so
    /// far, no test metrics yet): what a reload restores.
    pub async fn file_bytes(&self) -> Result<Vec<u8>, JobError> {
        // On WebGPU the epoch just finished is already on the host: no second read.
        if let Some(weights) = self.trainer.host_weights() {
            return Ok(file::save_host(weights, &self.spec, &self.document())?);
        }
        let network = self.trainer.network().ok_or(JobError::ModelGone)?;
        Ok(file::save_from_device(&network, &self.spec, &self.document()).await?)
    }

    /// The model file's document for the run so far (no metrics).
    pub(super) fn document(&self) -> ModelDocument {
        ModelDocument {
            format_version: FORMAT_VERSION,
            spec: self.spec.clone(),
            preprocessing: self.schema.clone(),
            class_labels: self.labels.clone(),
            train_config: Some(self.config.clone()),
            history: self.trainer.history.clone(),
            metrics: serde_json::json!({}),
            card: self.card(),
            sound: self.sound,
        }
    }

    /// A name for the run's model files.
    pub fn file_name(&self) -> String {
        file::file_name(&self.card().name)
    }

    /// The card of a model trained on this data.
    pub(super) fn card(&self) -> ModelCard {
        let task = crate::text::capitalised(self.spec.task.label());
        let description = match &self.schema {
            Some(schema) => format!(
                "{task} of \"{}\" from {}, trained in Hearth.",
                schema.target.column(),
                self.name
            ),
            None => format!("{task} of {}, trained in Hearth.", self.name),
        };
        ModelCard {
            name: format!("{} model", self.name.trim_end_matches(".csv")),
            description,
            ..ModelCard::default()
        }
    }
}

/// An image set as a run's examples: the set, its input shape, the task and the classes
/// (with a `basis`, the model's classes in its order).
fn image_parts(
    images: &crate::data::ImageSet,
    data: &DataSession,
    basis: Option<Basis<'_>>,
) -> Result<(TrainSet, InputShape, Task, Vec<String>), JobError> {
    let mut set = TrainSet::from_images(images, &Split::default(), data.augment);
    let mut labels = images.classes.clone();
    if let Some(basis) = basis {
        // The model's classes, in the order of its outputs.
        let map = further::image_classes(images, basis)?;
        further::remap_classes(&mut set.y, &map);
        labels = basis.labels.to_vec();
    }
    let task = match basis {
        Some(basis) => basis.spec.task,
        None if labels.len() == 2 => Task::Binary,
        None => Task::MultiClass,
    };
    let input = InputShape::Image {
        height: images.height as usize,
        width: images.width as usize,
        channels: images.channels as usize,
    };
    Ok((set, input, task, labels))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inference::ActiveModel;
    use crate::model::summary::{InputKind, ModelInput, ModelSource, PredictInput};
    use crate::model::{Optimizer, Schedule};

    /// A run of `spec` with `config` on the loaded data, trained to its end.
    pub(crate) fn trained(data: &DataSession, spec: ModelSpec, config: TrainConfig) -> ActiveModel {
        let mut job = Job::start(data, spec, config, &Device::flex()).unwrap();
        pollster::block_on(run(&mut job));
        pollster::block_on(job.model()).unwrap()
    }

    pub(crate) fn iris() -> DataSession {
        let mut data = DataSession::default();
        data.load_builtin("iris");
        data
    }

    /// SGD without momentum: the optimizer keeps no state between steps, so a run
    /// continued from its model file can equal one that never stopped.
    pub(crate) fn stateless(epochs: u32) -> TrainConfig {
        TrainConfig {
            learning_rate: 0.05,
            epochs,
            batch_size: 16,
            optimizer: Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            schedule: Schedule::Constant,
            ..TrainConfig::default()
        }
    }

    pub(crate) async fn run(job: &mut Job) -> Vec<StepOutcome> {
        let mut seen = Vec::new();
        loop {
            let progress = job.step().await.expect("a step");
            let done = matches!(progress, StepOutcome::Finished { .. });
            seen.push(progress);
            if done {
                return seen;
            }
        }
    }

    #[test]
    fn a_table_run_gives_a_model_with_a_form_and_test_rows() {
        let mut data = DataSession::default();
        data.load_builtin("iris");
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let config = TrainConfig {
            learning_rate: 0.01,
            epochs: 30,
            batch_size: 16,
            ..TrainConfig::default()
        };
        let mut job = Job::start(&data, spec, config, &Device::flex()).unwrap();
        assert_eq!(job.plan(), (30, 7, 105, 9091));
        let seen = pollster::block_on(run(&mut job));
        let epochs = seen
            .iter()
            .filter(|progress| matches!(progress, StepOutcome::Epoch(_)))
            .count();
        assert_eq!(epochs, 30);
        let model = pollster::block_on(job.model()).unwrap();
        let summary = &model.summary;
        assert_eq!(summary.source, ModelSource::Trained);
        assert!(summary.test_score.unwrap() >= 0.9, "{summary:?}");
        assert_eq!(summary.test_rows, 21);
        let ModelInput::Table { columns, target } = &summary.input else {
            panic!("a table model");
        };
        assert_eq!(target, "species");
        assert_eq!(columns[0].name, "sepal_length");
        assert!(
            matches!(columns[0].kind, InputKind::Number { typical } if (5.0..7.0).contains(&typical))
        );

        // A typed row, and a picked test row that fills the form.
        let row = PredictInput::Row {
            cells: vec![
                ("sepal_length".into(), "5.1".into()),
                ("sepal_width".into(), "3.5".into()),
                ("petal_length".into(), "1.4".into()),
                ("petal_width".into(), "0.2".into()),
            ],
        };
        let prediction = pollster::block_on(model.predict(&row, None)).unwrap();
        assert_eq!(prediction.predicted, "setosa");
        assert_eq!(prediction.outputs.len(), 3);
        let picked =
            pollster::block_on(model.predict(&PredictInput::TestRow { index: 0 }, None)).unwrap();
        assert_eq!(picked.row.as_ref().unwrap().len(), 4);
        assert!(picked.truth.is_some());
        let error = pollster::block_on(model.predict(&PredictInput::TestRow { index: 99 }, None))
            .unwrap_err()
            .to_string();
        assert!(error.contains("the test split has 21 rows"), "{error}");
        // Permutation importance: every column once; the petals matter most for iris.
        let importance = &model.evaluation.as_ref().unwrap().importance;
        assert_eq!(importance.len(), 4);
        assert!(importance[0].feature.starts_with("petal"), "{importance:?}");
        assert!(importance[0].mean > 0.1, "{importance:?}");
        // The confusion drill-down shows the rows of a cell with their cells.
        let scores = model
            .evaluation
            .as_ref()
            .unwrap()
            .classification
            .clone()
            .unwrap();
        let setosa = model.cell_samples(0, 0, 100);
        assert_eq!(setosa.total, scores.confusion[0][0]);
        assert!(setosa.total > 0);
        assert_eq!(setosa.rows[0].len(), 4);
        assert!(setosa.images.is_empty());
    }

    #[test]
    fn a_spec_that_does_not_fit_the_data_is_explained() {
        let mut data = DataSession::default();
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let error = Job::start(&data, spec.clone(), TrainConfig::default(), &Device::flex())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("Choose a data set first"), "{error}");
        data.load_builtin("xor");
        let error = Job::start(&data, spec, TrainConfig::default(), &Device::flex())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("input is 4 but the data gives 2"), "{error}");
        let spec = ModelSpec::mlp(InputShape::Features { features: 2 }, Task::MultiClass, 3);
        let error = Job::start(&data, spec, TrainConfig::default(), &Device::flex())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("needs binary classification"), "{error}");
    }
}
