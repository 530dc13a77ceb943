//! The engine's side of the studio in plain Rust: a training run over the loaded data
//! ([`Job`]) and the model in use for predictions ([`ActiveModel`]). The worker only
//! relays messages and keeps time; everything here is tested natively.

use burn::tensor::Device;

use crate::data::images::{self, ImageShape};
use crate::data::prep::{FeatureSchema, Prepared, Schema, TargetSchema};
use crate::data::session::{DataSession, Loaded};
use crate::data::summary::{Split, Task};
use crate::metrics::{self, CellSamples, Cost, Evaluation, SplitName};
use crate::model::file::{self, FORMAT_VERSION, ModelCard, ModelDocument, ModelFileError};
use crate::model::network::{HostWeights, Network};
use crate::model::spec::{InputShape, ModelSpec, Shape};
use crate::model::summary::{
    InputColumn, InputKind, ModelInput, ModelSource, ModelSummary, PredictInput, Prediction,
    Saliency,
};
use crate::model::trainer::{self, Progress, TrainSet, Trainer};
use crate::model::{EpochRecord, ExampleWeights, TrainConfig};

/// A held-out test row the Use panel can pick: its inputs, its cells and its target.
#[derive(Debug, Clone, PartialEq)]
struct TestRow {
    x: Vec<f32>,
    cells: Vec<(String, String)>,
    truth: String,
}

/// A model ready to predict with.
pub struct ActiveModel {
    network: Network,
    pub spec: ModelSpec,
    pub schema: Option<Schema>,
    pub labels: Vec<String>,
    pub summary: ModelSummary,
    pub history: Vec<EpochRecord>,
    pub config: Option<TrainConfig>,
    /// Metrics as the model file keeps them (each says its split).
    pub metrics: serde_json::Value,
    pub card: ModelCard,
    test: Vec<TestRow>,
    /// The held-out test split's evaluation (models trained in this session).
    pub evaluation: Option<Evaluation>,
    /// Per test sample: (true class, predicted class), for the confusion drill-down.
    test_classes: Vec<(usize, usize)>,
    /// Image models: the test samples' inputs and their shape, for thumbnails.
    test_images: Option<(ImageShape, Vec<f32>)>,
    device: Device,
}

impl ActiveModel {
    /// A model read from a model file's bytes.
    pub fn open(
        name: &str,
        bytes: &[u8],
        device: &Device,
        source: ModelSource,
    ) -> Result<Self, ModelFileError> {
        let (network, document) = file::load(name, bytes, device)?;
        let test_score = document
            .metrics
            .get("test")
            .and_then(|test| test.get("accuracy").or_else(|| test.get("r2")))
            .and_then(serde_json::Value::as_f64);
        let summary = summarize(
            if document.card.name.is_empty() {
                name
            } else {
                &document.card.name
            },
            source,
            &document,
            test_score,
            0,
        );
        Ok(ActiveModel {
            network,
            spec: document.spec,
            schema: document.preprocessing,
            labels: document.class_labels,
            summary,
            history: document.history,
            config: document.train_config,
            metrics: document.metrics,
            card: document.card,
            test: Vec::new(),
            evaluation: None,
            test_classes: Vec::new(),
            test_images: None,
            device: device.clone(),
        })
    }

    /// The test samples in cell (`truth`, `predicted`) of the confusion matrix (at most
    /// `limit` of them shown).
    pub fn cell_samples(&self, truth: usize, predicted: usize, limit: usize) -> CellSamples {
        let members: Vec<usize> = self
            .test_classes
            .iter()
            .enumerate()
            .filter(|(_, pair)| **pair == (truth, predicted))
            .map(|(index, _)| index)
            .collect();
        let shown = &members[..members.len().min(limit)];
        let mut samples = CellSamples {
            truth,
            predicted,
            total: members.len(),
            rows: Vec::new(),
            images: Vec::new(),
            width: 0,
            height: 0,
        };
        match &self.test_images {
            Some((shape, x)) => {
                let size = (shape.width * shape.height * u32::from(shape.channels)) as usize;
                samples.width = shape.width;
                samples.height = shape.height;
                samples.images = shown
                    .iter()
                    .filter_map(|&index| {
                        let pixels = x.get(index * size..(index + 1) * size)?;
                        let rgba = pixels
                            .chunks(usize::from(shape.channels.max(1)))
                            .flat_map(|pixel| {
                                let value = |i: usize| {
                                    (pixel.get(i).or(pixel.first()).copied().unwrap_or(0.0) * 255.0)
                                        .round()
                                        .clamp(0.0, 255.0) as u8
                                };
                                [value(0), value(1), value(2), 255]
                            })
                            .collect();
                        Some(crate::data::summary::Thumbnail {
                            class: truth as u32,
                            rgba,
                        })
                    })
                    .collect();
            }
            None => {
                samples.rows = shown
                    .iter()
                    .filter_map(|&index| self.test.get(index).map(|row| row.cells.clone()))
                    .collect();
            }
        }
        samples
    }

    /// Everything about the model but its weights, as its model file holds it.
    pub fn document(&self) -> ModelDocument {
        ModelDocument {
            format_version: FORMAT_VERSION,
            spec: self.spec.clone(),
            preprocessing: self.schema.clone(),
            class_labels: self.labels.clone(),
            train_config: self.config.clone(),
            history: self.history.clone(),
            metrics: self.metrics.clone(),
            card: self.card.clone(),
        }
    }

    /// The model file's bytes. The weights are read back asynchronously, so a model
    /// trained on WebGPU saves too.
    pub async fn file_bytes(&self) -> Result<Vec<u8>, String> {
        save_file(&self.network, &self.spec, &self.document()).await
    }

    /// Sets the card's fields that only people can write.
    pub fn set_card(&mut self, intended_use: &str, limitations: &str) {
        self.card.intended_use = intended_use.trim().to_string();
        self.card.limitations = limitations.trim().to_string();
        self.summary.card = self.card.clone();
    }

    /// The model card as Markdown.
    pub fn card_markdown(&self) -> String {
        crate::model::card::markdown(&self.document())
    }

    /// A name for the downloaded file: the model's name, made safe for file systems.
    pub fn file_name(&self) -> String {
        file_name(&self.card.name)
    }

    /// Adds how long training took, and where, to the metrics.
    pub fn record_training(&mut self, seconds: f64, examples: u64, backend: &str) {
        let cost = Cost::new(
            self.spec.params(),
            self.spec.flops(),
            self.history.len(),
            examples,
            seconds,
            backend,
        );
        if let Some(metrics) = self.metrics.as_object_mut() {
            metrics.insert("training".to_string(), serde_json::json!(cost));
        }
        if let Some(evaluation) = self.evaluation.as_mut() {
            evaluation.cost = Some(cost);
        }
    }

    /// Whether the model can be used with the loaded data: the same kind of input and,
    /// for tables, the columns it reads. `file` names the model in the message.
    pub fn fits(&self, file: &str, data: &DataSession) -> Result<(), String> {
        let reads = match (&self.spec.input, &self.schema) {
            (InputShape::Image { .. }, _) => {
                format!("{} images", Shape::from(self.spec.input).label())
            }
            (InputShape::Features { .. }, Some(schema)) => {
                format!("table rows (predicting \"{}\")", schema.target.column())
            }
            (InputShape::Features { features }, None) => format!("rows of {features} numbers"),
        };
        let problem = match (&data.loaded, &self.spec.input, &self.schema) {
            (Loaded::Nothing, _, _) => None,
            (Loaded::Table(loaded), InputShape::Features { .. }, Some(schema)) => {
                let missing: Vec<&str> = schema
                    .features
                    .iter()
                    .map(FeatureSchema::column)
                    .chain([schema.target.column()])
                    .filter(|column| loaded.table.column(column).is_none())
                    .collect();
                (!missing.is_empty()).then(|| {
                    format!(
                        "the loaded data, {}, has no column {}",
                        loaded.table.name,
                        missing
                            .iter()
                            .map(|column| format!("\"{column}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            }
            (Loaded::Table(loaded), _, _) => Some(format!(
                "the loaded data, {}, is a table",
                loaded.table.name
            )),
            (Loaded::Images(images), InputShape::Image { .. }, _) => {
                let shape = InputShape::Image {
                    height: images.height as usize,
                    width: images.width as usize,
                    channels: images.channels as usize,
                };
                (shape != self.spec.input).then(|| {
                    format!(
                        "the loaded images, {}, are {}",
                        images.name,
                        Shape::from(shape).label()
                    )
                })
            }
            (Loaded::Images(images), _, _) => Some(format!(
                "the loaded data, {}, is a set of images",
                images.name
            )),
        };
        match problem {
            None => Ok(()),
            Some(problem) => Err(format!(
                "{file} reads {reads}, but {problem}. The model in use is unchanged: load data that fits this model first, or open a model made for this data."
            )),
        }
    }

    /// The model's outputs for many examples at once (row-major inputs at its shape).
    pub async fn predict_inputs(&self, x: &[f32]) -> Result<Vec<Vec<f32>>, String> {
        trainer::predict(
            &self.network,
            &self.spec,
            x,
            target_scale(self.schema.as_ref()),
            &self.device,
        )
        .await
        .map_err(|error| error.to_string())
    }

    /// The model's prediction for one input; `file` is the attached image's bytes for
    /// [`PredictInput::ImageFile`]. Errors are messages for the user.
    pub async fn predict(
        &self,
        input: &PredictInput,
        file: Option<&[u8]>,
    ) -> Result<Prediction, String> {
        let width = Shape::from(self.spec.input).size();
        let (x, row, truth) = match input {
            PredictInput::Row { cells } => {
                let Some(schema) = &self.schema else {
                    return Err("This model reads images, not table rows.".to_string());
                };
                let x = schema.encode(|column| {
                    cells
                        .iter()
                        .find(|(name, _)| name == column)
                        .map(|(_, value)| value.as_str())
                });
                (x, None, None)
            }
            PredictInput::TestRow { index } => {
                let test = self.test.get(*index).ok_or_else(|| {
                    format!(
                        "There is no test row {} (the test split has {} rows).",
                        index + 1,
                        self.test.len()
                    )
                })?;
                (
                    test.x.clone(),
                    Some(test.cells.clone()),
                    Some(test.truth.clone()),
                )
            }
            PredictInput::Pixels { values } => {
                if values.len() != width {
                    return Err(format!(
                        "The model reads {width} pixel values, not {}.",
                        values.len()
                    ));
                }
                (values.clone(), None, None)
            }
            PredictInput::ImageFile { name } => {
                let InputShape::Image {
                    height,
                    width,
                    channels,
                } = self.spec.input
                else {
                    return Err("This model reads table rows, not images.".to_string());
                };
                let bytes = file.ok_or_else(|| format!("{name} did not reach the engine."))?;
                let shape = ImageShape {
                    width: width as u32,
                    height: height as u32,
                    channels: channels as u8,
                };
                let pixels =
                    images::decode_resize(name, bytes, shape).map_err(|error| error.to_string())?;
                (
                    pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
                    None,
                    None,
                )
            }
        };
        let outputs = self.predict_inputs(&x).await?.pop().unwrap_or_default();
        // The class predicted (none for regression).
        let best = (self.spec.task != Task::Regression)
            .then(|| metrics::predicted_classes(std::slice::from_ref(&outputs))[0]);
        let predicted = match best {
            None => format_value(outputs.first().copied().unwrap_or(f32::NAN)),
            Some(best) => self.labels.get(best).cloned().unwrap_or_default(),
        };
        let saliency = match (self.spec.input, best) {
            (
                InputShape::Image {
                    height,
                    width,
                    channels,
                },
                Some(class),
            ) => {
                // A prediction without its map is still a prediction.
                trainer::input_gradient(&self.network, &self.spec, &x, class, &self.device)
                    .await
                    .ok()
                    .map(|gradient| {
                        Saliency::new(
                            width as u32,
                            height as u32,
                            channels,
                            predicted.clone(),
                            &x,
                            &gradient,
                        )
                    })
            }
            _ => None,
        };
        Ok(Prediction {
            outputs,
            predicted,
            row,
            truth,
            saliency,
        })
    }
}

/// The bytes of a model file for `network` (on any device) described by `document`.
async fn save_file(
    network: &Network,
    spec: &ModelSpec,
    document: &ModelDocument,
) -> Result<Vec<u8>, String> {
    let weights = network.to_host().await.map_err(|error| error.to_string())?;
    save_host_file(&weights, spec, document)
}

/// The bytes of a model file for weights already on the host.
fn save_host_file(
    weights: &HostWeights,
    spec: &ModelSpec,
    document: &ModelDocument,
) -> Result<Vec<u8>, String> {
    let network =
        Network::from_host(spec, weights, &Device::flex()).map_err(|error| error.to_string())?;
    file::save(&network, document).map_err(|error| error.to_string())
}

/// Group-aware reweighting (Kamiran and Calders' "reweighing") for the loaded table and
/// its sensitive column `column`: each training row of group g and class y weighs
/// P(g)·P(y) / P(g, y), counted on the training rows, so that group and outcome are
/// independent in the weighted training data. One weight per prepared row (rows outside
/// the training split weigh 1).
pub fn reweighing(data: &DataSession, column: &str) -> Result<Vec<f32>, String> {
    let prepared = data
        .prepared()
        .ok_or("Reweighting needs a table: load one in step 1.")?
        .map_err(|error| error.to_string())?;
    reweighing_prepared(&prepared, column)
}

/// [`reweighing`] for prepared data.
pub fn reweighing_prepared(prepared: &Prepared, column: &str) -> Result<Vec<f32>, String> {
    if prepared.target.task == Task::Regression {
        return Err("Reweighting by group needs a classification target.".to_string());
    }
    let groups = prepared
        .groups
        .iter()
        .find(|groups| groups.column == column)
        .ok_or_else(|| {
            format!(
                "Reweighting by \"{column}\" needs it to be a sensitive column: mark it \
                 \"sensitive\" or \"sensitive input\" in step 1."
            )
        })?;
    let train = &prepared.split[0];
    let classes = prepared.target.classes.len().max(2);
    let levels = groups.levels.len().max(1);
    let mut joint = vec![vec![0.0f64; classes]; levels];
    for &row in train {
        let group = groups.codes[row as usize] as usize;
        let class = prepared.y[row as usize] as usize;
        if let Some(count) = joint.get_mut(group).and_then(|row| row.get_mut(class)) {
            *count += 1.0;
        }
    }
    let n = train.len().max(1) as f64;
    let by_group: Vec<f64> = joint.iter().map(|row| row.iter().sum()).collect();
    let by_class: Vec<f64> = (0..classes)
        .map(|class| joint.iter().map(|row| row[class]).sum())
        .collect();
    let mut weights = vec![1.0f32; prepared.y.len()];
    for &row in train {
        let group = groups.codes[row as usize] as usize;
        let class = prepared.y[row as usize] as usize;
        let together = joint[group][class];
        if together > 0.0 {
            weights[row as usize] = (by_group[group] * by_class[class] / (n * together)) as f32;
        }
    }
    Ok(weights)
}

/// `name` as a file name: letters, digits and dashes, then `.safetensors`.
pub fn file_name(name: &str) -> String {
    let stem = name
        .trim()
        .trim_end_matches(".safetensors")
        .trim_end_matches(".csv");
    let mut slug = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(60).collect();
    let slug = slug.trim_end_matches('-');
    format!(
        "{}.safetensors",
        if slug.is_empty() { "model" } else { slug }
    )
}

/// A value for people: four significant digits, no trailing zeros.
fn format_value(value: f32) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let digits = (3 - value.abs().max(1e-9).log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn target_scale(schema: Option<&Schema>) -> (f64, f64) {
    match schema.map(|schema| &schema.target) {
        Some(TargetSchema::Regression { mean, std, .. }) => (*mean, *std),
        _ => (0.0, 1.0),
    }
}

/// What the page needs to know about a model.
fn summarize(
    name: &str,
    source: ModelSource,
    document: &ModelDocument,
    test_score: Option<f64>,
    test_rows: usize,
) -> ModelSummary {
    let spec = &document.spec;
    let schema = document.preprocessing.as_ref();
    let labels = &document.class_labels;
    let input = match (spec.input, schema) {
        (
            InputShape::Image {
                height,
                width,
                channels,
            },
            _,
        ) => ModelInput::Image {
            width: width as u32,
            height: height as u32,
            channels: channels as u8,
            digits: (height, width, channels) == (28, 28, 1)
                && labels.len() == 10
                && labels
                    .iter()
                    .enumerate()
                    .all(|(i, label)| *label == i.to_string()),
        },
        (InputShape::Features { .. }, Some(schema)) => ModelInput::Table {
            columns: schema
                .features
                .iter()
                .map(|feature| InputColumn {
                    name: feature.column().to_string(),
                    kind: match feature {
                        FeatureSchema::Numeric { fill, .. } => InputKind::Number { typical: *fill },
                        FeatureSchema::Boolean { true_value, .. } => InputKind::YesNo {
                            true_value: true_value.clone(),
                        },
                        FeatureSchema::Categorical { levels, .. } => InputKind::Choice {
                            levels: levels.clone(),
                        },
                    },
                })
                .collect(),
            target: schema.target.column().to_string(),
        },
        (InputShape::Features { features }, None) => ModelInput::Table {
            columns: (1..=features)
                .map(|i| InputColumn {
                    name: format!("input {i}"),
                    kind: InputKind::Number { typical: 0.0 },
                })
                .collect(),
            target: "output".to_string(),
        },
    };
    ModelSummary {
        name: name.to_string(),
        source,
        task: spec.task,
        labels: labels.to_vec(),
        input,
        parameters: spec.params(),
        test_score,
        test_rows,
        spec: spec.clone(),
        config: document.train_config.clone(),
        history: document.history.clone(),
        card: document.card.clone(),
    }
}

/// Whether `spec` fits data of `input` shape, `task` and `classes`; a message if not.
pub fn check_spec(
    spec: &ModelSpec,
    input: InputShape,
    task: Task,
    classes: usize,
) -> Result<(), String> {
    spec.infer().map_err(|error| error.to_string())?;
    if spec.input != input {
        return Err(format!(
            "The model's input is {} but the data gives {}. Choose a preset again, or change the input.",
            Shape::from(spec.input).label(),
            Shape::from(input).label()
        ));
    }
    let expected = ModelSpec::new(input, Vec::new(), task, classes);
    if spec.task != expected.task || spec.outputs != expected.outputs {
        return Err(format!(
            "The model does {} with {} output(s), but the data needs {} with {}.",
            spec.task.label(),
            spec.outputs,
            expected.task.label(),
            expected.outputs
        ));
    }
    Ok(())
}

/// A training run over the loaded data.
pub struct Job {
    trainer: Trainer,
    /// The settings as asked for (the trainer's may have reweighting resolved into
    /// per-row weights); what the model file records.
    config: TrainConfig,
    spec: ModelSpec,
    schema: Option<Schema>,
    labels: Vec<String>,
    name: String,
    /// Held-out test rows (split indices) and their targets, for the final metrics.
    test_rows: Vec<u32>,
    test_truth: Vec<f32>,
    test: Vec<TestRow>,
    /// Image sets: the images' shape (for thumbnails of test samples).
    image_shape: Option<ImageShape>,
    /// Tables: the groups of each sensitive column, one code per prepared row.
    groups: Vec<crate::data::prep::Groups>,
    device: Device,
}

impl Job {
    /// A run of `spec` with `config` on the loaded data, or a message saying why not.
    pub fn start(
        data: &DataSession,
        spec: ModelSpec,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Job, String> {
        let mut groups = Vec::new();
        // What the trainer uses: reweighting by group becomes one weight per row.
        let mut trainer_config = config.clone();
        let (set, input, task, labels, schema, name, test) = match &data.loaded {
            Loaded::Nothing => {
                return Err("Choose a data set first (step 1, Data).".to_string());
            }
            Loaded::Table(loaded) => {
                let prepared = data
                    .prepared()
                    .ok_or("Choose a data set first (step 1, Data).")?
                    .map_err(|error| error.to_string())?;
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
                    return Err(
                        "Reweighting by group needs a table with a sensitive column; images \
                         have no groups."
                            .to_string(),
                    );
                }
                let split = Split::default();
                let task = if images.classes.len() == 2 {
                    Task::Binary
                } else {
                    Task::MultiClass
                };
                (
                    TrainSet::from_images(images, &split, data.augment),
                    InputShape::Image {
                        height: images.height as usize,
                        width: images.width as usize,
                        channels: images.channels as usize,
                    },
                    task,
                    images.classes.clone(),
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
        let trainer = Trainer::new(spec.clone(), trainer_config, set, device)
            .map_err(|error| error.to_string())?;
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
            groups,
            device: device.clone(),
        })
    }

    /// Epochs, steps per epoch, training examples and parameters of the run.
    pub fn plan(&self) -> (u32, u64, usize, u64) {
        let examples = self.trainer.train_rows();
        let batch = self.trainer.config.batch_size.max(1);
        (
            self.trainer.config.epochs,
            examples.div_ceil(batch) as u64,
            examples,
            self.spec.params(),
        )
    }

    /// Trains one batch.
    pub async fn step(&mut self) -> Result<Progress, crate::Error> {
        self.trainer.step().await
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
    pub fn move_to(&mut self, device: &Device) -> Result<u32, String> {
        let epoch = self
            .trainer
            .resume_on(device)
            .map_err(|error| error.to_string())?;
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

    /// The trained model, scored on the held-out test split, ready to predict with.
    pub async fn model(&self) -> Result<ActiveModel, String> {
        let network = self.trainer.network().ok_or("The trained model is gone.")?;
        let mut metrics = serde_json::Map::new();
        let mut test_score = None;
        let mut evaluation = None;
        let mut test_classes = Vec::new();
        if !self.test_rows.is_empty() {
            let predictions = self
                .trainer
                .predict(&self.test_rows)
                .await
                .map_err(|error| error.to_string())?;
            let mut report = Evaluation {
                model: self.card().name,
                classification: None,
                regression: None,
                roc: None,
                points: Vec::new(),
                cost: None,
                groups: Vec::new(),
                importance: Vec::new(),
                boundary: None,
            };
            if self.spec.task == Task::Regression {
                let truth: Vec<f64> = self.test_truth.iter().map(|&y| f64::from(y)).collect();
                let predicted: Vec<f64> = predictions
                    .iter()
                    .map(|row| f64::from(row.first().copied().unwrap_or(f32::NAN)))
                    .collect();
                let scores = metrics::regression(SplitName::Test, &truth, &predicted);
                test_score = Some(scores.r2.unwrap_or(0.0));
                metrics.insert("test".to_string(), serde_json::json!(scores));
                report.regression = Some(scores);
                report.groups = self.group_reports(metrics::Outcomes::Values {
                    truth: &truth,
                    predicted: &predicted,
                });
                report.points = truth.into_iter().zip(predicted).collect();
            } else {
                let truth: Vec<usize> = self.test_truth.iter().map(|&y| y as usize).collect();
                let scores =
                    metrics::classification(SplitName::Test, &self.labels, &truth, &predictions);
                test_score = Some(scores.accuracy);
                metrics.insert("test".to_string(), serde_json::json!(scores));
                if self.labels.len() == 2 {
                    let positive: Vec<f32> = predictions
                        .iter()
                        .map(|row| row.get(1).copied().unwrap_or(0.0))
                        .collect();
                    let positives: Vec<bool> = truth.iter().map(|&class| class == 1).collect();
                    report.roc = metrics::roc_curve(&positive, &positives);
                }
                let predicted = metrics::predicted_classes(&predictions);
                report.groups = self.group_reports(metrics::Outcomes::Classes {
                    truth: &truth,
                    predicted: &predicted,
                    binary: self.labels.len() == 2,
                });
                report.boundary = self.decision_boundary(&network, &truth, &predicted).await?;
                test_classes = truth.iter().copied().zip(predicted).collect();
                report.classification = Some(scores);
            }
            if !report.groups.is_empty() {
                metrics.insert("groups".to_string(), serde_json::json!(report.groups));
            }
            report.importance = self.permutation_importance(&network).await?;
            evaluation = Some(report);
        }
        let test_images = self
            .image_shape
            .map(|shape| (shape, self.trainer.examples(&self.test_rows)));
        let mut document = self.document();
        document.metrics = serde_json::Value::Object(metrics);
        let summary = summarize(
            &self.name,
            ModelSource::Trained,
            &document,
            test_score,
            self.test.len(),
        );
        Ok(ActiveModel {
            network,
            spec: document.spec,
            schema: document.preprocessing,
            labels: document.class_labels,
            summary,
            history: document.history,
            config: document.train_config,
            metrics: document.metrics,
            card: document.card,
            test: self.test.clone(),
            evaluation,
            test_classes,
            test_images,
            device: self.device.clone(),
        })
    }

    /// The model file of the run so far (the weights after the last step, the history so
    /// far, no test metrics yet): what a reload restores.
    pub async fn file_bytes(&self) -> Result<Vec<u8>, String> {
        // On WebGPU the epoch just finished is already on the host: no second read.
        if let Some(weights) = self.trainer.host_weights() {
            return save_host_file(weights, &self.spec, &self.document());
        }
        let network = self.trainer.network().ok_or("The trained model is gone.")?;
        save_file(&network, &self.spec, &self.document()).await
    }

    /// The model file's document for the run so far (no metrics).
    fn document(&self) -> ModelDocument {
        ModelDocument {
            format_version: FORMAT_VERSION,
            spec: self.spec.clone(),
            preprocessing: self.schema.clone(),
            class_labels: self.labels.clone(),
            train_config: Some(self.config.clone()),
            history: self.trainer.history.clone(),
            metrics: serde_json::json!({}),
            card: self.card(),
        }
    }

    /// Permutation importance of each table column on the validation split (5 seeded
    /// shuffles each); none for images or without validation rows.
    async fn permutation_importance(
        &self,
        network: &Network,
    ) -> Result<Vec<metrics::Importance>, String> {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        const REPEATS: u64 = 5;
        let (Some(schema), rows) = (&self.schema, self.trainer.validation_rows()) else {
            return Ok(Vec::new());
        };
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let width = Shape::from(self.spec.input).size();
        let x = self.trainer.examples(rows);
        let truth: Vec<f32> = rows.iter().map(|&row| self.trainer.target(row)).collect();
        let regression = self.spec.task == Task::Regression;
        let scale = target_scale(Some(schema));
        // Higher is better: accuracy, or minus the mean squared error.
        let score = |outputs: &[Vec<f32>]| -> f64 {
            if regression {
                let error: f64 = outputs
                    .iter()
                    .zip(&truth)
                    .map(|(row, &y)| {
                        (f64::from(row.first().copied().unwrap_or(f32::NAN)) - f64::from(y)).powi(2)
                    })
                    .sum();
                -error / truth.len() as f64
            } else {
                let predicted = metrics::predicted_classes(outputs);
                let right = predicted
                    .iter()
                    .zip(&truth)
                    .filter(|(p, y)| **p == **y as usize)
                    .count();
                right as f64 / truth.len() as f64
            }
        };
        let predict = |x: Vec<f32>| async move {
            trainer::predict(network, &self.spec, &x, scale, &self.device)
                .await
                .map_err(|error| error.to_string())
        };
        let baseline = score(&predict(x.clone()).await?);
        let mut importance = Vec::new();
        let mut start = 0;
        for (index, feature) in schema.features.iter().enumerate() {
            let columns = start..start + feature.width();
            start = columns.end;
            let mut drops = Vec::new();
            for repeat in 0..REPEATS {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
                    self.trainer.config.seed ^ (index as u64 * 7919 + repeat),
                );
                let mut order: Vec<usize> = (0..rows.len()).collect();
                order.shuffle(&mut rng);
                let mut shuffled = x.clone();
                for (to, &from) in order.iter().enumerate() {
                    for column in columns.clone() {
                        shuffled[to * width + column] = x[from * width + column];
                    }
                }
                drops.push(baseline - score(&predict(shuffled).await?));
            }
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let spread =
                (drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / drops.len() as f64).sqrt();
            importance.push(metrics::Importance {
                feature: feature.column().to_string(),
                mean,
                std: spread,
            });
        }
        importance.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        Ok(importance)
    }

    /// For a classifier of two numeric columns, its predicted class over a grid that
    /// spans the data (all splits, with a margin of a tenth of the range), with the test
    /// rows (`truth` and `predicted`, in test-row order) on it.
    async fn decision_boundary(
        &self,
        network: &Network,
        truth: &[usize],
        predicted: &[usize],
    ) -> Result<Option<metrics::Boundary>, String> {
        const SIZE: u32 = 48;
        let Some(schema) = self
            .schema
            .as_ref()
            .filter(|schema| schema.features.len() == 2)
        else {
            return Ok(None);
        };
        // Both inputs numeric, without missing-value indicators: (column, shift, scale).
        let axes: Vec<(&str, f64, f64)> = schema
            .features
            .iter()
            .filter_map(|feature| match feature {
                FeatureSchema::Numeric {
                    column,
                    shift,
                    scale,
                    indicator: false,
                    ..
                } => Some((column.as_str(), *shift, *scale)),
                _ => None,
            })
            .collect();
        let [(x_column, x_shift, x_scale), (y_column, y_shift, y_scale)] = axes[..] else {
            return Ok(None);
        };
        let rows: Vec<u32> = (0..self.trainer.rows() as u32).collect();
        let all = self.trainer.examples(&rows);
        let raw = |x: &[f32], axis: usize| {
            let (shift, scale) = if axis == 0 {
                (x_shift, x_scale)
            } else {
                (y_shift, y_scale)
            };
            f64::from(x[axis]) * scale + shift
        };
        let range = |axis: usize| {
            let (low, high) = all
                .chunks(2)
                .map(|x| raw(x, axis))
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
            let margin = ((high - low) / 10.0).max(1e-6);
            (low - margin, high + margin)
        };
        let (x_range, y_range) = (range(0), range(1));
        if !(x_range.0.is_finite() && y_range.0.is_finite()) {
            return Ok(None);
        }
        let mut grid = Vec::with_capacity((SIZE * SIZE * 2) as usize);
        let at = |range: (f64, f64), i: u32| {
            range.0 + (f64::from(i) + 0.5) / f64::from(SIZE) * (range.1 - range.0)
        };
        for row in 0..SIZE {
            let y = at(y_range, SIZE - 1 - row);
            for column in 0..SIZE {
                let x = at(x_range, column);
                grid.push(((x - x_shift) / x_scale) as f32);
                grid.push(((y - y_shift) / y_scale) as f32);
            }
        }
        let outputs = trainer::predict(network, &self.spec, &grid, (0.0, 1.0), &self.device)
            .await
            .map_err(|error| error.to_string())?;
        let classes = metrics::predicted_classes(&outputs);
        let confidence = outputs
            .iter()
            .zip(&classes)
            .map(|(row, &class)| row.get(class).copied().unwrap_or(0.0))
            .collect();
        let test = self.trainer.examples(&self.test_rows);
        let points = test
            .chunks(2)
            .zip(truth.iter().zip(predicted))
            .map(|(x, (&truth, &predicted))| (raw(x, 0), raw(x, 1), truth as u32, predicted as u32))
            .collect();
        Ok(Some(metrics::Boundary {
            x_column: x_column.to_string(),
            y_column: y_column.to_string(),
            x_range,
            y_range,
            size: SIZE,
            classes: classes.into_iter().map(|class| class as u32).collect(),
            confidence,
            points,
        }))
    }

    /// Per-group figures on the test rows for each sensitive column, from what the model
    /// predicted for them (`outcomes`, in test-row order).
    fn group_reports(&self, outcomes: metrics::Outcomes) -> Vec<metrics::GroupReport> {
        self.groups
            .iter()
            .map(|groups| {
                let codes: Vec<u32> = self
                    .test_rows
                    .iter()
                    .map(|&row| groups.codes.get(row as usize).copied().unwrap_or(0))
                    .collect();
                metrics::by_group(
                    SplitName::Test,
                    &groups.column,
                    &groups.levels,
                    &codes,
                    outcomes,
                )
            })
            .collect()
    }

    /// A name for the run's model files.
    pub fn file_name(&self) -> String {
        file_name(&self.card().name)
    }

    /// The card of a model trained on this data.
    fn card(&self) -> ModelCard {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of `spec` with `config` on the loaded data, trained to its end.
    fn trained(data: &DataSession, spec: ModelSpec, config: TrainConfig) -> ActiveModel {
        let mut job = Job::start(data, spec, config, &Device::flex()).unwrap();
        pollster::block_on(run(&mut job));
        pollster::block_on(job.model()).unwrap()
    }

    async fn run(job: &mut Job) -> Vec<Progress> {
        let mut seen = Vec::new();
        loop {
            let progress = job.step().await.expect("a step");
            let done = matches!(progress, Progress::Finished { .. });
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
            .filter(|progress| matches!(progress, Progress::Epoch(_)))
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
            .unwrap_err();
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
    fn binary_and_regression_runs_give_their_curves_and_points() {
        let mut data = DataSession::default();
        data.load_builtin("loans");
        let prepared = data.prepared().unwrap().unwrap();
        let spec = ModelSpec::logistic(
            InputShape::Features {
                features: prepared.width,
            },
            Task::Binary,
            2,
        );
        let config = TrainConfig {
            epochs: 3,
            learning_rate: 0.02,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config.clone());
        let evaluation = model.evaluation.unwrap();
        let roc = evaluation.roc.unwrap();
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        let auc = evaluation.classification.unwrap().roc_auc.unwrap();
        let area: f64 = roc
            .windows(2)
            .map(|pair| (pair[1].0 - pair[0].0) * (pair[1].1 + pair[0].1) / 2.0)
            .sum();
        assert!((area - auc).abs() < 1e-9, "curve area {area}, AUC {auc}");

        data.load_builtin("regression");
        let prepared = data.prepared().unwrap().unwrap();
        let spec = ModelSpec::mlp(
            InputShape::Features {
                features: prepared.width,
            },
            Task::Regression,
            0,
        );
        let model = trained(&data, spec, config);
        let evaluation = model.evaluation.unwrap();
        let scores = evaluation.regression.unwrap();
        assert_eq!(evaluation.points.len(), scores.n);
        let mse = evaluation
            .points
            .iter()
            .map(|(actual, predicted)| (actual - predicted).powi(2))
            .sum::<f64>()
            / scores.n as f64;
        assert!((mse - scores.mse).abs() < 1e-9 * mse.max(1.0));
    }

    #[test]
    fn a_trained_model_saves_a_file_that_opens_and_predicts_the_same() {
        let mut data = DataSession::default();
        data.load_builtin("iris");
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let config = TrainConfig {
            learning_rate: 0.01,
            epochs: 4,
            batch_size: 16,
            ..TrainConfig::default()
        };
        let mut job = Job::start(&data, spec, config, &Device::flex()).unwrap();
        job.keep_checkpoints();
        pollster::block_on(job.step()).unwrap();
        // A checkpoint mid-run opens, with the history so far.
        let checkpoint = pollster::block_on(job.file_bytes()).unwrap();
        let early = ActiveModel::open(
            "c.safetensors",
            &checkpoint,
            &Device::flex(),
            ModelSource::File,
        )
        .unwrap();
        assert!(early.history.is_empty());
        pollster::block_on(run(&mut job));
        let mut model = pollster::block_on(job.model()).unwrap();
        // The run's last file, written from the epoch's host copy, holds the same model.
        let last = pollster::block_on(job.file_bytes()).unwrap();
        let last =
            ActiveModel::open("l.safetensors", &last, &Device::flex(), ModelSource::File).unwrap();
        model.record_training(1.5, 420, "CPU");
        assert_eq!(model.file_name(), "iris-flowers-model.safetensors");
        let bytes = pollster::block_on(model.file_bytes()).unwrap();
        let opened = ActiveModel::open(
            &model.file_name(),
            &bytes,
            &Device::flex(),
            ModelSource::File,
        )
        .unwrap();
        assert_eq!(opened.history, model.history);
        assert_eq!(opened.history.len(), 4);
        assert_eq!(opened.card.name, "Iris flowers model");
        assert!(
            opened.card.description.contains("\"species\""),
            "{:?}",
            opened.card
        );
        assert_eq!(opened.metrics["training"]["backend"], "CPU");
        // The card: people's fields, kept in the file, and the Markdown built from it all.
        let mut model = model;
        model.set_card("Teaching what a classifier is.", " Three species only. ");
        let bytes = pollster::block_on(model.file_bytes()).unwrap();
        let reopened =
            ActiveModel::open("m.safetensors", &bytes, &Device::flex(), ModelSource::File).unwrap();
        assert_eq!(reopened.card.limitations, "Three species only.");
        let card = reopened.card_markdown();
        for expected in [
            "# Model card: Iris flowers model",
            "## Intended use\n\nTeaching what a classifier is.",
            "## Limitations\n\nThree species only.",
            "| 1 | Dense 128 relu | 128 | 640 |",
            "Predicts \"species\", one of: setosa, versicolor, virginica.",
            "- petal_width: a number, scaled as in training",
            "4 epochs of batch 16, learning rate 0.01",
            "on CPU",
            "| setosa |",
        ] {
            assert!(card.contains(expected), "{expected:?} in:\n{card}");
        }
        assert_eq!(opened.summary.test_score, model.summary.test_score);
        assert_eq!(opened.summary.input, model.summary.input);
        let row = PredictInput::Row {
            cells: vec![
                ("sepal_length".into(), "6.3".into()),
                ("sepal_width".into(), "2.8".into()),
                ("petal_length".into(), "5.1".into()),
                ("petal_width".into(), "1.5".into()),
            ],
        };
        let before = pollster::block_on(model.predict(&row, None)).unwrap();
        let after = pollster::block_on(opened.predict(&row, None)).unwrap();
        assert_eq!(before.outputs, after.outputs);
        let from_host = pollster::block_on(last.predict(&row, None)).unwrap();
        assert_eq!(before.outputs, from_host.outputs);
    }

    #[test]
    fn a_model_opened_beside_other_data_is_refused_with_the_reason() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/digits.safetensors"
        ))
        .unwrap();
        let digits = ActiveModel::open(
            "digits.safetensors",
            &bytes,
            &Device::flex(),
            ModelSource::File,
        )
        .unwrap();
        let mut data = DataSession::default();
        assert_eq!(digits.fits("digits.safetensors", &data), Ok(()));
        data.load_builtin("mnist");
        assert_eq!(digits.fits("digits.safetensors", &data), Ok(()));
        data.load_builtin("iris");
        let error = digits.fits("digits.safetensors", &data).unwrap_err();
        assert!(
            error.starts_with("digits.safetensors reads 1×28×28 images, but the loaded data, Iris flowers, is a table. The model in use is unchanged"),
            "{error}"
        );

        let mut job = Job::start(
            &data,
            ModelSpec::logistic(InputShape::Features { features: 4 }, Task::MultiClass, 3),
            TrainConfig {
                epochs: 1,
                ..TrainConfig::default()
            },
            &Device::flex(),
        )
        .unwrap();
        pollster::block_on(run(&mut job));
        let iris = pollster::block_on(job.model()).unwrap();
        assert_eq!(iris.fits("iris.safetensors", &data), Ok(()));
        data.load_builtin("loans");
        let error = iris.fits("iris.safetensors", &data).unwrap_err();
        assert!(
            error.contains("reads table rows (predicting \"species\")"),
            "{error}"
        );
        assert!(error.contains("has no column \"sepal_length\""), "{error}");
        data.load_builtin("mnist");
        let error = iris.fits("iris.safetensors", &data).unwrap_err();
        assert!(error.contains("is a set of images"), "{error}");
    }

    #[test]
    fn reweighing_makes_group_and_outcome_independent_and_narrows_the_parity_gap() {
        let mut data = DataSession::default();
        data.load_builtin("loans");
        let prepared = data.prepared().unwrap().unwrap();
        let groups = prepared
            .groups
            .first()
            .expect("loans marks a sensitive column")
            .clone();
        let weights = reweighing(&data, &groups.column).unwrap();
        // Weighted, every (group, class) cell holds n_g * n_y / n of the training rows.
        let train = &prepared.split[0];
        let n = train.len() as f64;
        for group in 0..groups.levels.len() as u32 {
            for class in 0..2 {
                let in_cell = |row: &&u32| {
                    groups.codes[**row as usize] == group
                        && prepared.y[**row as usize] as u32 == class
                };
                let weighted: f64 = train
                    .iter()
                    .filter(in_cell)
                    .map(|&row| f64::from(weights[row as usize]))
                    .sum();
                let n_g = train
                    .iter()
                    .filter(|&&row| groups.codes[row as usize] == group)
                    .count() as f64;
                let n_y = train
                    .iter()
                    .filter(|&&row| prepared.y[row as usize] as u32 == class)
                    .count() as f64;
                assert!(
                    (weighted - n_g * n_y / n).abs() < 1e-3,
                    "group {group}, class {class}"
                );
            }
        }
        assert!(
            reweighing(&data, "income")
                .unwrap_err()
                .contains("needs it to be a sensitive column")
        );

        // The Evaluate step reports the groups of the test split: the labels' bias shows
        // as a lower base rate for women, and a model that reads gender (loans proposes
        // it as a sensitive input) learns to select women less often.
        let train = |weights: ExampleWeights, seed: u64| {
            let spec = ModelSpec::mlp(
                InputShape::Features {
                    features: prepared.width,
                },
                Task::Binary,
                2,
            );
            let config = TrainConfig {
                epochs: 15,
                learning_rate: 0.01,
                weights,
                seed,
                ..TrainConfig::default()
            };
            trained(&data, spec, config)
        };
        let reweigh = || ExampleWeights::ReweighGroups {
            column: "gender".to_string(),
        };
        let before = train(ExampleWeights::None, 0);
        let report = &before.evaluation.as_ref().unwrap().groups[0];
        assert_eq!(report.column, "gender");
        assert_eq!(report.split, SplitName::Test);
        let rate = |name: &str| {
            let group = report
                .groups
                .iter()
                .find(|group| group.group == name)
                .unwrap();
            (group.base_rate.unwrap(), group.n)
        };
        let ((female, n_female), (male, n_male)) = (rate("female"), rate("male"));
        assert_eq!(
            n_female + n_male,
            before
                .evaluation
                .as_ref()
                .unwrap()
                .classification
                .as_ref()
                .unwrap()
                .n
        );
        assert!(
            female + 0.1 < male,
            "base rates: female {female:.3}, male {male:.3}"
        );
        assert!(report.equalized_odds_difference.is_some());
        let gap_before = report.demographic_parity_difference.unwrap();

        // One click: the same model and settings, reweighted by gender.
        let after = train(reweigh(), 0);
        let gap = |model: &ActiveModel| {
            model.evaluation.as_ref().unwrap().groups[0]
                .demographic_parity_difference
                .unwrap()
        };
        let gap_after = gap(&after);
        let accuracy = |model: &ActiveModel| {
            model
                .evaluation
                .as_ref()
                .unwrap()
                .classification
                .as_ref()
                .unwrap()
                .accuracy
        };
        eprintln!(
            "demographic parity difference {gap_before:.3} -> {gap_after:.3}, accuracy {:.3} -> {:.3}",
            accuracy(&before),
            accuracy(&after)
        );
        // Over training seeds 0..=5 and 42 the gap went from 0.252 to 0.108 on average
        // (from 0.215..0.278 to 0.079..0.168) and accuracy from 81.6% to 80.0%. One seed
        // can be unlucky (42: 0.242 -> 0.168), so the claim is checked on three.
        assert!(gap_before > 0.15, "the bias is learnt: {gap_before:.3}");
        let (mut sum_before, mut sum_after) = (gap_before, gap_after);
        for seed in 1..=2 {
            sum_before += gap(&train(ExampleWeights::None, seed));
            sum_after += gap(&train(reweigh(), seed));
        }
        let (mean_before, mean_after) = (sum_before / 3.0, sum_after / 3.0);
        assert!(
            mean_after < 0.6 * mean_before && mean_before - mean_after > 0.08,
            "reweighting narrows the mean gap over three seeds: \
             {mean_before:.3} -> {mean_after:.3}"
        );
        // The file records the mitigation as asked for, not as 1,400 weights.
        assert_eq!(
            after.config.as_ref().map(|config| &config.weights),
            Some(&reweigh())
        );
        assert!(
            after
                .card_markdown()
                .contains("Mitigation: group-aware reweighting by \"gender\"")
        );
    }

    #[test]
    fn a_classifier_of_two_numeric_columns_shows_its_decision_boundary() {
        let mut data = DataSession::default();
        data.load_builtin("circles");
        let spec = ModelSpec::mlp(InputShape::Features { features: 2 }, Task::Binary, 2);
        let config = TrainConfig {
            epochs: 30,
            learning_rate: 0.01,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config);
        let evaluation = model.evaluation.as_ref().unwrap();
        let boundary = evaluation.boundary.as_ref().expect("two numeric inputs");
        let size = boundary.size as usize;
        assert_eq!(boundary.classes.len(), size * size);
        assert_eq!(boundary.confidence.len(), size * size);
        assert!(
            boundary
                .confidence
                .iter()
                .all(|&p| (0.5..=1.0).contains(&p))
        );
        // The test rows, with what the model predicted for them.
        assert_eq!(boundary.points.len(), model.test_classes.len());
        for (point, &(truth, predicted)) in boundary.points.iter().zip(&model.test_classes) {
            assert_eq!((point.2, point.3), (truth as u32, predicted as u32));
            assert!(boundary.x_range.0 < point.0 && point.0 < boundary.x_range.1);
            assert!(boundary.y_range.0 < point.1 && point.1 < boundary.y_range.1);
        }
        // The cell under a test row predicts what the model predicted for the row, but
        // for rows right at the boundary.
        let cell = |x: f64, y: f64| {
            let unit = |v: f64, (lo, hi): (f64, f64)| ((v - lo) / (hi - lo) * size as f64) as usize;
            let (column, row) = (
                unit(x, boundary.x_range),
                size - 1 - unit(y, boundary.y_range),
            );
            boundary.classes[row * size + column]
        };
        let agree = boundary
            .points
            .iter()
            .filter(|point| cell(point.0, point.1) == point.3)
            .count();
        assert!(
            agree * 10 >= boundary.points.len() * 9,
            "{agree} of {}",
            boundary.points.len()
        );
        // Circles: the inner ring is one class, so the centre and a corner differ.
        assert_ne!(
            boundary.classes[(size / 2) * size + size / 2],
            boundary.classes[0],
            "{:?}",
            boundary.classes
        );

        // Not for four columns (iris) or regression.
        data.load_builtin("iris");
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let config = TrainConfig {
            epochs: 1,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config);
        assert!(model.evaluation.unwrap().boundary.is_none());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("iris model"), "iris-model.safetensors");
        assert_eq!(file_name("My Data.csv"), "my-data.safetensors");
        assert_eq!(file_name("  ../../etc/passwd "), "etc-passwd.safetensors");
        assert_eq!(file_name("???"), "model.safetensors");
        assert_eq!(file_name(&"a".repeat(200)).len(), 60 + ".safetensors".len());
    }

    #[test]
    fn a_spec_that_does_not_fit_the_data_is_explained() {
        let mut data = DataSession::default();
        let spec = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        let error = Job::start(&data, spec.clone(), TrainConfig::default(), &Device::flex())
            .err()
            .unwrap();
        assert!(error.contains("Choose a data set first"), "{error}");
        data.load_builtin("xor");
        let error = Job::start(&data, spec, TrainConfig::default(), &Device::flex())
            .err()
            .unwrap();
        assert!(error.contains("input is 4 but the data gives 2"), "{error}");
        let spec = ModelSpec::mlp(InputShape::Features { features: 2 }, Task::MultiClass, 3);
        let error = Job::start(&data, spec, TrainConfig::default(), &Device::flex())
            .err()
            .unwrap();
        assert!(error.contains("needs binary classification"), "{error}");
    }

    #[test]
    fn an_image_model_predicts_pixels_and_files_and_knows_digits() {
        let mut data = DataSession::default();
        data.load_builtin("mnist");
        let input = InputShape::MNIST;
        let spec = ModelSpec::logistic(input, Task::MultiClass, 10);
        let config = TrainConfig {
            epochs: 1,
            batch_size: 128,
            learning_rate: 0.01,
            ..TrainConfig::default()
        };
        let model = trained(&data, spec, config);
        assert!(matches!(
            model.summary.input,
            ModelInput::Image { digits: true, .. }
        ));
        assert!(model.summary.test_score.unwrap() > 0.8);
        // The Evaluate step: the confusion matrix's cells hold every test image once, and
        // a cell's samples come as thumbnails.
        let evaluation = model.evaluation.as_ref().unwrap();
        let scores = evaluation.classification.as_ref().unwrap();
        assert_eq!(Some(scores.accuracy), model.summary.test_score);
        assert!(evaluation.roc.is_none(), "ten classes have no ROC curve");
        let mut total = 0;
        for truth in 0..10 {
            for predicted in 0..10 {
                let cell = model.cell_samples(truth, predicted, 4);
                assert_eq!(cell.total, scores.confusion[truth][predicted]);
                assert_eq!(cell.images.len(), cell.total.min(4));
                for image in &cell.images {
                    assert_eq!(image.rgba.len(), 28 * 28 * 4);
                    assert_eq!(image.class, truth as u32);
                }
                total += cell.total;
            }
        }
        assert_eq!(total, scores.n);
        let blank = PredictInput::Pixels {
            values: vec![0.0; 784],
        };
        let prediction = pollster::block_on(model.predict(&blank, None)).unwrap();
        assert_eq!(prediction.outputs.len(), 10);
        let wrong = PredictInput::Pixels {
            values: vec![0.0; 10],
        };
        let error = pollster::block_on(model.predict(&wrong, None)).unwrap_err();
        assert!(error.contains("784 pixel values, not 10"), "{error}");
        let error = pollster::block_on(model.predict(
            &PredictInput::ImageFile {
                name: "note.txt".into(),
            },
            Some(b"not an image"),
        ))
        .unwrap_err();
        assert!(error.contains("note.txt"), "{error}");
    }

    #[test]
    fn the_shipped_digit_model_scores_98_percent_on_its_held_out_digits() {
        use crate::data::{Dataset, builtin, prep::split_rows};
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/digits.safetensors"
        ));
        let model = ActiveModel::open(
            "digits.safetensors",
            bytes,
            &Device::flex(),
            ModelSource::Pretrained,
        )
        .unwrap();
        assert_eq!(model.summary.name, "Digits (pretrained CNN)");
        assert!(matches!(
            model.summary.input,
            ModelInput::Image { digits: true, .. }
        ));
        // The split of scripts/make-digits-model.sh: --split 85,5 --seed 7.
        let Dataset::Images(images) = builtin::load("mnist").unwrap().dataset else {
            panic!("mnist is images");
        };
        let y: Vec<f32> = images.labels.iter().map(|&label| label as f32).collect();
        let split = Split {
            train: 0.85,
            validation: 0.05,
            seed: 7,
        };
        let [_, _, test] = split_rows(&y, true, &split);
        assert!(test.len() >= 990, "{} test digits", test.len());
        let size = images.image_size();
        let x: Vec<f32> = test
            .iter()
            .flat_map(|&row| &images.pixels[row as usize * size..(row as usize + 1) * size])
            .map(|&p| f32::from(p) / 255.0)
            .collect();
        let outputs = pollster::block_on(model.predict_inputs(&x)).unwrap();
        let truth: Vec<usize> = test.iter().map(|&row| y[row as usize] as usize).collect();
        let accuracy =
            metrics::classification(SplitName::Test, &model.labels, &truth, &outputs).accuracy;
        assert!(accuracy >= 0.98, "held-out accuracy {accuracy}");
        assert!((model.summary.test_score.unwrap() - accuracy).abs() < 1e-9);

        // Saliency maps of held-out digits: the predicted class's, over the image as
        // read, and where the digit is rather than in the blank border MNIST leaves.
        let (mut centre, mut border) = (0.0, 0.0);
        for digit in x.chunks(size).take(20) {
            let prediction = pollster::block_on(model.predict(
                &PredictInput::Pixels {
                    values: digit.to_vec(),
                },
                None,
            ))
            .unwrap();
            let saliency = prediction.saliency.expect("an image model explains itself");
            assert_eq!((saliency.width, saliency.height), (28, 28));
            assert_eq!(saliency.class, prediction.predicted);
            assert_eq!(saliency.heat.len(), 784);
            assert_eq!(saliency.heat.iter().max(), Some(&255));
            let image: Vec<u8> = digit.iter().map(|&p| (p * 255.0).round() as u8).collect();
            assert_eq!(saliency.image, image);
            for (pixel, &heat) in saliency.heat.iter().enumerate() {
                let (row, column) = (pixel / 28, pixel % 28);
                if (4..24).contains(&row) && (4..24).contains(&column) {
                    centre += f64::from(heat) / 400.0;
                } else {
                    border += f64::from(heat) / 384.0;
                }
            }
        }
        assert!(
            border * 3.0 < centre,
            "mean heat: centre {centre:.1}, border {border:.1}"
        );
    }

    #[test]
    fn regression_values_read_well() {
        assert_eq!(format_value(123456.7), "123457");
        assert_eq!(format_value(12.3456), "12.35");
        assert_eq!(format_value(0.001234), "0.001234");
        assert_eq!(format_value(2.0), "2");
    }
}
