//! Prediction with the model in use: one input (a row, a drawing, an image file) and the
//! test samples behind a cell of its confusion matrix.

use hearth_core::data::DataError;
use hearth_core::model::summary::PredictInput;
use hearth_core::protocol::FromEngine;

use super::EngineState;
use super::transport::post;
use super::{decode, sound};

/// How many samples of a confusion-matrix cell are sent.
const CELL_SAMPLES: usize = 24;

impl EngineState {
    /// Predicts `input` (an image file's bytes come as `file`); the reply carries `id`.
    pub(super) async fn predict(&self, id: u32, input: PredictInput, file: Option<web_sys::Blob>) {
        let Some(model) = &self.model else {
            post(&FromEngine::PredictFailed {
                id,
                message: "There is no model yet: train one in step 3.".to_string(),
            });
            return;
        };
        // An image file is decoded by the browser and brought to the model's input here;
        // the model then reads its pixels as it reads a drawing.
        // A sound file is decoded by the sound decoder; its loudest second is the input.
        if let (PredictInput::ImageFile { name }, Some(file), Some(_)) =
            (&input, &file, model.sound)
        {
            let decoded = sound::decode_file(name, file).await;
            let reply = match hearth_core::sound::decoded_input(name, decoded) {
                Ok(values) => model
                    .predict(&PredictInput::Pixels { values }, None)
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            post(&match reply {
                Ok(prediction) => FromEngine::Predicted { id, prediction },
                Err(message) => FromEngine::PredictFailed { id, message },
            });
            return;
        }
        let input = match (&input, &file, model.image_shape()) {
            (PredictInput::ImageFile { name }, Some(file), Some(shape)) => {
                match decode::fit(name, file, shape).await {
                    Ok(pixels) => PredictInput::Pixels {
                        values: pixels
                            .iter()
                            .map(|&value| f32::from(value) / 255.0)
                            .collect(),
                    },
                    Err(reason) => {
                        let message = DataError::Image {
                            file: name.clone(),
                            reason,
                        };
                        post(&FromEngine::PredictFailed {
                            id,
                            message: message.to_string(),
                        });
                        return;
                    }
                }
            }
            _ => input,
        };
        match model.predict(&input, None).await {
            Ok(prediction) => post(&FromEngine::Predicted { id, prediction }),
            Err(error) => post(&FromEngine::PredictFailed {
                id,
                message: error.to_string(),
            }),
        }
    }

    /// Sends test samples of class `truth` that the model took for `predicted`.
    pub(super) fn cell_samples(&self, truth: usize, predicted: usize) {
        if let Some(model) = &self.model {
            post(&FromEngine::CellSamples {
                samples: model.cell_samples(truth, predicted, CELL_SAMPLES),
            });
        }
    }
}
