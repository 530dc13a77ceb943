//! The model in use ([`ActiveModel`]), trained here or opened from a file: it predicts,
//! shows the samples of a confusion-matrix cell, checks that it fits the loaded data, and
//! writes its model file and card.

use burn::tensor::Device;

use crate::data::DataError;
use crate::data::images::{self, ImageShape};
use crate::data::prep::{FeatureSchema, Schema, TargetSchema};
use crate::data::session::{DataSession, Loaded};
use crate::data::summary::Task;
use crate::metrics::{self, CellSamples, Cost, Evaluation};
use crate::model::file::{self, FORMAT_VERSION, ModelCard, ModelDocument, ModelFileError};
use crate::model::network::Network;
use crate::model::spec::{InputShape, ModelSpec, Shape};
use crate::model::summary::{
    InputColumn, InputKind, ModelInput, ModelSource, ModelSummary, PredictInput, Prediction,
    Saliency,
};
use crate::model::{EpochRecord, TrainConfig};

/// A held-out test row the Use panel can pick: its inputs, its cells and its target.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TestRow {
    pub(crate) x: Vec<f32>,
    pub(crate) cells: Vec<(String, String)>,
    pub(crate) truth: String,
}

/// A model that does not fit the loaded data: what it reads, and what the data is instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{file} reads {reads}, but {problem}. The model in use is unchanged: load data that fits \
     this model first, or open a model made for this data."
)]
pub struct ModelMisfit {
    pub file: String,
    pub reads: String,
    pub problem: String,
}

/// Why a prediction cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error("This model reads images, not table rows: give it an image.")]
    ReadsImages,
    #[error("This model reads table rows, not images: fill in its form instead.")]
    ReadsRows,
    #[error("There is no test row {number} (the test split has {rows} rows): pick another.")]
    NoTestRow { number: usize, rows: usize },
    #[error("The model reads {expected} pixel values, not {found}: draw on its own canvas.")]
    Pixels { expected: usize, found: usize },
    #[error("This model reads sounds: record one or give it a sound file.")]
    ReadsSounds,
    #[error("This model reads images, not sounds.")]
    NotSound,
    #[error("The sound could not be used: {0}.")]
    Sound(String),
    #[error("{name} did not reach the engine; choose it again.")]
    FileMissing { name: String },
    #[error(transparent)]
    Image(#[from] DataError),
    #[error(transparent)]
    Model(#[from] crate::Error),
}

/// A model ready to predict with.
pub struct ActiveModel {
    pub(crate) network: Network,
    pub spec: ModelSpec,
    pub schema: Option<Schema>,
    pub labels: Vec<String>,
    pub summary: ModelSummary,
    pub history: Vec<EpochRecord>,
    pub config: Option<TrainConfig>,
    /// Metrics as the model file keeps them (each says its split).
    pub metrics: serde_json::Value,
    pub card: ModelCard,
    /// A sound model: how a second of sound becomes its input.
    pub sound: Option<crate::sound::SoundFeatures>,
    pub(crate) test: Vec<TestRow>,
    /// The held-out test split's evaluation (models trained in this session).
    pub evaluation: Option<Evaluation>,
    /// Per test sample: (true class, predicted class), for the confusion drill-down.
    pub(crate) test_classes: Vec<(usize, usize)>,
    /// Image models: the test samples' inputs and their shape, for thumbnails.
    pub(crate) test_images: Option<(ImageShape, Vec<f32>)>,
    pub(crate) device: Device,
    /// The SHA-256 of the file it was opened from, while it is that file's model (a card
    /// edit or training makes another file): what a model built on it records.
    pub file_sha256: Option<String>,
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
            file_sha256: Some(crate::training::transfer::sha256_hex(bytes)),
            ..ActiveModel::from_document(network, document, summary, device.clone())
        })
    }

    /// The model of `network` and its file's `document`, without test data: an opened
    /// file has none, and a training job adds its own.
    pub(crate) fn from_document(
        network: Network,
        document: ModelDocument,
        summary: ModelSummary,
        device: Device,
    ) -> Self {
        ActiveModel {
            network,
            spec: document.spec,
            schema: document.preprocessing,
            labels: document.class_labels,
            summary,
            history: document.history,
            config: document.train_config,
            metrics: document.metrics,
            card: document.card,
            sound: document.sound,
            test: Vec::new(),
            evaluation: None,
            test_classes: Vec::new(),
            test_images: None,
            device,
            file_sha256: None,
        }
    }

    /// The shape of the images the model reads (`None` for a table model).
    pub fn image_shape(&self) -> Option<ImageShape> {
        ImageShape::read_by(self.spec.input)
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
            sound: self.sound,
        }
    }

    /// The weights, read back to the host (to train further from them).
    pub async fn weights(&self) -> Result<crate::model::network::HostWeights, crate::Error> {
        self.network.to_host().await
    }

    /// The model file's bytes. The weights are read back asynchronously, so a model
    /// trained on WebGPU saves too.
    pub async fn file_bytes(&self) -> Result<Vec<u8>, ModelFileError> {
        file::save_from_device(&self.network, &self.spec, &self.document()).await
    }

    /// Sets the card's fields that only people can write.
    pub fn set_card(&mut self, intended_use: &str, limitations: &str) {
        self.card.intended_use = intended_use.trim().to_string();
        self.card.limitations = limitations.trim().to_string();
        self.summary.card = self.card.clone();
        self.file_sha256 = None;
    }

    /// The model card as Markdown.
    pub fn card_markdown(&self) -> String {
        crate::model::card::markdown(&self.document())
    }

    /// A name for the downloaded file: the model's name, made safe for file systems.
    pub fn file_name(&self) -> String {
        file::file_name(&self.card.name)
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
    pub fn fits(&self, file: &str, data: &DataSession) -> Result<(), ModelMisfit> {
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
            Some(problem) => Err(ModelMisfit {
                file: file.to_string(),
                reads,
                problem,
            }),
        }
    }

    /// The model's outputs for many examples at once (row-major inputs at its shape).
    pub async fn predict_inputs(&self, x: &[f32]) -> Result<Vec<Vec<f32>>, crate::Error> {
        super::predict(
            &self.network,
            &self.spec,
            x,
            target_scale(self.schema.as_ref()),
            &self.device,
        )
        .await
    }

    /// The model's prediction for one input; `file` is the attached image's bytes for
    /// [`PredictInput::ImageFile`]. Errors are messages for the user.
    pub async fn predict(
        &self,
        input: &PredictInput,
        file: Option<&[u8]>,
    ) -> Result<Prediction, PredictError> {
        let width = Shape::from(self.spec.input).size();
        let (x, row, truth) = match input {
            PredictInput::Row { cells } => {
                let Some(schema) = &self.schema else {
                    return Err(PredictError::ReadsImages);
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
                let test = self.test.get(*index).ok_or(PredictError::NoTestRow {
                    number: index + 1,
                    rows: self.test.len(),
                })?;
                (
                    test.x.clone(),
                    Some(test.cells.clone()),
                    Some(test.truth.clone()),
                )
            }
            PredictInput::Pixels { values } => {
                if values.len() != width {
                    return Err(PredictError::Pixels {
                        expected: width,
                        found: values.len(),
                    });
                }
                (values.clone(), None, None)
            }
            PredictInput::Recording {
                samples,
                sample_rate,
            } => {
                if self.sound.is_none() {
                    return Err(PredictError::NotSound);
                }
                let x = crate::sound::recording_input(samples, *sample_rate)
                    .map_err(PredictError::Sound)?;
                (x, None, None)
            }
            PredictInput::ImageFile { name } if self.sound.is_some() => {
                let bytes = file.ok_or_else(|| PredictError::FileMissing { name: name.clone() })?;
                (sound_file_input(name, bytes)?, None, None)
            }
            PredictInput::ImageFile { name } => {
                let shape = self.image_shape().ok_or(PredictError::ReadsRows)?;
                let bytes = file.ok_or_else(|| PredictError::FileMissing { name: name.clone() })?;
                let pixels = images::decode_resize(name, bytes, shape)?;
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
                super::input_gradient(&self.network, &self.spec, &x, class, &self.device)
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

/// The regression target's (mean, std), to map outputs back to its units; (0, 1) otherwise.
pub(crate) fn target_scale(schema: Option<&Schema>) -> (f64, f64) {
    match schema.map(|schema| &schema.target) {
        Some(TargetSchema::Regression { mean, std, .. }) => (*mean, *std),
        _ => (0.0, 1.0),
    }
}

/// A sound file as a sound model's input: its loudest second.
#[cfg(feature = "sound-decode")]
fn sound_file_input(name: &str, bytes: &[u8]) -> Result<Vec<f32>, PredictError> {
    Ok(crate::sound::file_input(name, bytes)?)
}

/// Without the decoders (never so in the engine or the command line).
#[cfg(not(feature = "sound-decode"))]
fn sound_file_input(_: &str, _: &[u8]) -> Result<Vec<f32>, PredictError> {
    Err(PredictError::ReadsSounds)
}

/// What the page needs to know about a model.
pub(crate) fn summarize(
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
            sound: document.sound,
            digits: document.sound.is_none()
                && (height, width, channels) == (28, 28, 1)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::summary::Split;
    use crate::metrics::SplitName;
    use crate::training::Job;
    use crate::training::job::tests::{run, trained};

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
        let error = digits
            .fits("digits.safetensors", &data)
            .unwrap_err()
            .to_string();
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
        let error = iris
            .fits("iris.safetensors", &data)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("reads table rows (predicting \"species\")"),
            "{error}"
        );
        assert!(error.contains("has no column \"sepal_length\""), "{error}");
        data.load_builtin("mnist");
        let error = iris
            .fits("iris.safetensors", &data)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is a set of images"), "{error}");
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
        let error = pollster::block_on(model.predict(&wrong, None))
            .unwrap_err()
            .to_string();
        assert!(error.contains("784 pixel values, not 10"), "{error}");
        let error = pollster::block_on(model.predict(
            &PredictInput::ImageFile {
                name: "note.txt".into(),
            },
            Some(b"not an image"),
        ))
        .unwrap_err()
        .to_string();
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
