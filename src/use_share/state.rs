//! The model in use and its latest prediction, as a plain struct tested natively.

use hearth_core::model::summary::{ModelSummary, PredictInput, Prediction, Saliency};
use hearth_core::protocol::{FromEngine, ToEngine};

/// The model in use and its predictions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UseState {
    /// The model in use.
    pub model: Option<ModelSummary>,
    /// The latest prediction.
    pub prediction: Option<Prediction>,
    /// Why the latest prediction failed.
    pub problem: Option<String>,
    /// Whether the camera is being classified live (its saliency maps are then shown only
    /// when the user pauses on a frame).
    pub live: bool,
    /// The id of the latest request; older answers are dropped.
    latest: u32,
    /// The id of the latest request answered.
    answered: u32,
}

impl UseState {
    /// Applies a message from the engine; other messages are ignored.
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::ModelReady { model } => {
                self.model = Some(model.clone());
                self.prediction = None;
                self.problem = None;
            }
            FromEngine::Predicted { id, prediction } if *id == self.latest => {
                self.prediction = Some(prediction.clone());
                self.problem = None;
                self.answered = *id;
            }
            FromEngine::PredictFailed { id, message } if *id == self.latest => {
                self.problem = Some(message.clone());
                self.answered = *id;
            }
            _ => {}
        }
    }

    /// Whether the latest request is still unanswered (the prediction shown is older).
    pub fn pending(&self) -> bool {
        self.answered != self.latest
    }

    /// The id of the latest request answered (0 before any): the page shows it, so that a
    /// test can wait for the answer to its own drawing.
    pub fn answered(&self) -> u32 {
        self.answered
    }

    /// A prediction request for `input`.
    pub fn ask(&mut self, input: PredictInput) -> ToEngine {
        self.latest += 1;
        ToEngine::Predict {
            id: self.latest,
            input,
        }
    }
}

/// A saliency map as RGBA pixels: the image in grey, with the heat laid over it in red
/// turning yellow where it is strongest (opaque in proportion to the heat).
pub fn saliency_rgba(saliency: &Saliency) -> Vec<u8> {
    let mut rgba = Vec::with_capacity(saliency.image.len() * 4);
    for (&grey, &heat) in saliency.image.iter().zip(&saliency.heat) {
        // Dim the image so the heat stands out on white strokes too.
        let base = f32::from(grey) * 0.45;
        let h = f32::from(heat) / 255.0;
        let alpha = (h * 1.6).min(1.0);
        let (red, green, blue) = (255.0, 255.0 * h * h, 0.0);
        let mix = |under: f32, over: f32| (under * (1.0 - alpha) + over * alpha).round() as u8;
        rgba.extend_from_slice(&[mix(base, red), mix(base, green), mix(base, blue), 255]);
    }
    rgba
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_latest_prediction_is_shown() {
        let mut state = UseState::default();
        let first = state.ask(PredictInput::Pixels { values: vec![] });
        let second = state.ask(PredictInput::Pixels { values: vec![] });
        let (ToEngine::Predict { id: a, .. }, ToEngine::Predict { id: b, .. }) = (first, second)
        else {
            panic!("predict messages");
        };
        let prediction = |label: &str| Prediction {
            outputs: vec![1.0],
            predicted: label.into(),
            row: None,
            truth: None,
            saliency: None,
        };
        state.on_message(&FromEngine::Predicted {
            id: a,
            prediction: prediction("old"),
        });
        assert!(state.prediction.is_none());
        assert!(state.pending());
        state.on_message(&FromEngine::Predicted {
            id: b,
            prediction: prediction("new"),
        });
        assert!(!state.pending());
        assert_eq!(state.prediction.unwrap().predicted, "new");
    }

    #[test]
    fn a_saliency_map_lays_its_heat_over_the_dimmed_image() {
        let saliency = Saliency {
            width: 3,
            height: 1,
            class: "7".into(),
            image: vec![0, 255, 255],
            heat: vec![0, 0, 255],
        };
        let rgba = saliency_rgba(&saliency);
        assert_eq!(rgba.len(), 12);
        assert_eq!(&rgba[0..4], &[0, 0, 0, 255], "no ink, no heat: black");
        assert_eq!(
            &rgba[4..8],
            &[115, 115, 115, 255],
            "ink without heat: dimmed grey"
        );
        assert_eq!(&rgba[8..12], &[255, 255, 0, 255], "the most heat: yellow");
    }
}
