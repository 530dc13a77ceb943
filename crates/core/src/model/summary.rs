//! What the page needs to know about the model it can use: its name, task and classes,
//! and what it takes as input (a form of table columns, or an image), so that the Use
//! panel can offer the right controls. Always built: the page reads these.

use serde::{Deserialize, Serialize};

use crate::data::summary::Task;
use crate::model::{EpochRecord, ModelSpec, TrainConfig};

/// The model card: what the model is for and what it should not be used for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ModelCard {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub intended_use: String,
    #[serde(default)]
    pub limitations: String,
    /// When training ended (ISO 8601, UTC), for models trained in Hearth.
    #[serde(default)]
    pub trained_at: Option<String>,
}

/// Where the model in use came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// The digit model that ships with Hearth.
    Pretrained,
    /// Trained in this session.
    Trained,
    /// Opened from a model file.
    File,
    /// Restored from the browser's storage (the last session, or a saved model).
    Saved,
}

/// The model the Use panel predicts with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub name: String,
    pub source: ModelSource,
    pub task: Task,
    /// Class labels (classification).
    pub labels: Vec<String>,
    pub input: ModelInput,
    pub parameters: u64,
    /// Test accuracy (classification) or R² (regression), when known.
    pub test_score: Option<f64>,
    /// How many held-out test rows can be picked for a prediction.
    pub test_rows: usize,
    /// The architecture, so that the Model step can show it.
    pub spec: ModelSpec,
    /// How it was trained, and how training went, for the Train step.
    #[serde(default)]
    pub config: Option<TrainConfig>,
    #[serde(default)]
    pub history: Vec<EpochRecord>,
    #[serde(default)]
    pub card: ModelCard,
}

/// What the model reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelInput {
    /// One row of a table: a value per column.
    Table {
        columns: Vec<InputColumn>,
        target: String,
    },
    /// An image of this size. `digits` when it reads 28x28 grayscale digits 0-9 (the
    /// drawing pad fits such models).
    Image {
        width: u32,
        height: u32,
        channels: u8,
        digits: bool,
        /// A sound model: its image is a second of sound's spectrogram, made so.
        #[serde(default)]
        sound: Option<crate::sound::SoundFeatures>,
    },
}

/// A column the model reads, and how to ask for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    pub name: String,
    pub kind: InputKind,
}

/// The kind of value a column takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// A number; `typical` is the training data's centre, a sensible default.
    Number { typical: f64 },
    /// Yes or no; `true_value` is how the data wrote "yes".
    YesNo { true_value: String },
    /// One of a few values.
    Choice { levels: Vec<String> },
}

/// What to predict for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PredictInput {
    /// A table row: `(column, value)` pairs; columns left out count as missing.
    Row { cells: Vec<(String, String)> },
    /// The `index`-th row of the held-out test split.
    TestRow { index: usize },
    /// Image inputs already at the model's shape, row by row, channel-last, 0 to 1 (the
    /// drawing pad sends its MNIST-style 28x28 digit).
    Pixels { values: Vec<f32> },
    /// The latest samples of a recording (the live microphone), mono, at `sample_rate`; a
    /// sound model reads its last second.
    Recording { samples: Vec<f32>, sample_rate: u32 },
    /// An image file, attached to the message as `file`; it is fitted to the model's size.
    /// For a sound model, a sound file: its loudest second is classified.
    ImageFile { name: String },
}

/// A prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// One probability per class, or the one predicted value (regression).
    pub outputs: Vec<f32>,
    /// The predicted class, or the value as text.
    pub predicted: String,
    /// For a test row: its cells, to fill the form.
    #[serde(default)]
    pub row: Option<Vec<(String, String)>>,
    /// For a test row: the true target.
    #[serde(default)]
    pub truth: Option<String>,
    /// For an image: which pixels moved the predicted class's score.
    #[serde(default)]
    pub saliency: Option<Saliency>,
}

/// A saliency map: the magnitude of the gradient of the predicted class's score with
/// respect to each pixel of the image the model read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saliency {
    pub width: u32,
    pub height: u32,
    /// The class whose score is explained (the predicted one).
    pub class: String,
    /// The image as the model read it, grey levels row by row (channels averaged).
    #[serde(with = "serde_bytes")]
    pub image: Vec<u8>,
    /// Per pixel, the largest |gradient| over its channels, scaled so that the largest
    /// of all is 255.
    #[serde(with = "serde_bytes")]
    pub heat: Vec<u8>,
}

impl Saliency {
    /// The map for an image of `width` × `height` × `channels` (channel-last, 0 to 1)
    /// from the gradient of the score with respect to it.
    pub fn new(
        width: u32,
        height: u32,
        channels: usize,
        class: String,
        x: &[f32],
        gradient: &[f32],
    ) -> Saliency {
        let channels = channels.max(1);
        let pixels = (width * height) as usize;
        let mut image = Vec::with_capacity(pixels);
        let mut magnitude = Vec::with_capacity(pixels);
        for pixel in 0..pixels {
            let at = pixel * channels..(pixel + 1) * channels;
            let grey = x
                .get(at.clone())
                .map_or(0.0, |values| values.iter().sum::<f32>() / channels as f32);
            image.push((grey.clamp(0.0, 1.0) * 255.0).round() as u8);
            magnitude.push(gradient.get(at).map_or(0.0, |values| {
                values.iter().fold(0.0f32, |m, g| m.max(g.abs()))
            }));
        }
        let largest = magnitude.iter().copied().fold(0.0f32, f32::max);
        let heat = magnitude
            .iter()
            .map(|&m| {
                if largest > 0.0 && largest.is_finite() {
                    (m / largest * 255.0).round() as u8
                } else {
                    0
                }
            })
            .collect();
        Saliency {
            width,
            height,
            class,
            image,
            heat,
        }
    }
}

impl ModelSummary {
    /// The headline figure in words: "98.7% test accuracy" or "test R² 0.91".
    pub fn score_label(&self) -> Option<String> {
        let score = self.test_score?;
        Some(if self.task == Task::Regression {
            format!("test R² {score:.2}")
        } else {
            format!("{:.1}% test accuracy", score * 100.0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_travel_as_tagged_json() {
        let input = PredictInput::Row {
            cells: vec![("age".into(), "41".into())],
        };
        let json = serde_json::to_value(&input).unwrap();
        assert_eq!(json["kind"], "row");
        assert_eq!(json["cells"][0], serde_json::json!(["age", "41"]));
        let back: PredictInput = serde_json::from_value(json).unwrap();
        assert_eq!(back, input);
    }

    #[test]
    fn the_headline_score_reads_as_users_say_it() {
        let mut summary = ModelSummary {
            name: "digits".into(),
            source: ModelSource::Pretrained,
            task: Task::MultiClass,
            labels: Vec::new(),
            input: ModelInput::Image {
                width: 28,
                height: 28,
                channels: 1,
                digits: true,
                sound: None,
            },
            parameters: 93_322,
            test_score: Some(0.9871),
            test_rows: 0,
            spec: ModelSpec::cnn(crate::model::InputShape::MNIST, Task::MultiClass, 10),
            config: None,
            history: Vec::new(),
            card: ModelCard::default(),
        };
        assert_eq!(summary.score_label().unwrap(), "98.7% test accuracy");
        summary.task = Task::Regression;
        summary.test_score = Some(0.912);
        assert_eq!(summary.score_label().unwrap(), "test R² 0.91");
    }
}
