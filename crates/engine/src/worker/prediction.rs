//! Prediction with the model in use: one input (a row, a drawing, an image file) and the
//! test samples behind a cell of its confusion matrix.

use hearth_core::model::summary::PredictInput;
use hearth_core::protocol::FromEngine;

use super::EngineState;
use super::transport::{post, read_blob};

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
        let file = match (&input, &file) {
            (PredictInput::ImageFile { .. }, Some(file)) => read_blob(file).await.ok(),
            _ => None,
        };
        match model.predict(&input, file.as_deref()).await {
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
