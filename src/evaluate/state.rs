//! What the Evaluate step shows, and the retrain with group-aware reweighting, as plain
//! structs tested natively.

use hearth_core::metrics::{CellSamples, Evaluation};
use hearth_core::model::{ExampleWeights, ModelSpec};
use hearth_core::protocol::{FromEngine, ToEngine};

use crate::train::state::TrainState;

/// What the Evaluate step shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EvalState {
    /// The evaluation of the model in use, once there is one.
    pub evaluation: Option<Evaluation>,
    /// The confusion cell whose samples are shown.
    pub selected: Option<(usize, usize)>,
    /// The samples of the selected cell, once the engine sent them.
    pub samples: Option<CellSamples>,
    /// A retrain with group-aware reweighting, and the model before it.
    pub mitigation: Option<Mitigation>,
}

/// A retrain with group-aware reweighting by a sensitive column.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    /// The sensitive column the retrain reweighs by.
    pub column: String,
    /// The evaluation of the model before.
    pub before: Evaluation,
    /// Where the retrain is.
    pub phase: MitigationPhase,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MitigationPhase {
    /// Asked for; the engine has not started it yet.
    Requested,
    Training,
    /// The reweighted model's evaluation.
    Done(Box<Evaluation>),
    Failed(String),
}

impl EvalState {
    /// Applies a message from the engine; other messages are ignored.
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::Evaluated { evaluation } => {
                self.evaluation = evaluation.clone();
                self.selected = None;
                self.samples = None;
                self.mitigation = match self.mitigation.take() {
                    // The reweighted model: shown beside the one before.
                    Some(
                        mitigation @ Mitigation {
                            phase: MitigationPhase::Training,
                            ..
                        },
                    ) => evaluation.clone().map(|after| Mitigation {
                        phase: MitigationPhase::Done(Box::new(after)),
                        ..mitigation
                    }),
                    // Another model came in use: the comparison no longer applies.
                    _ => None,
                };
            }
            FromEngine::TrainStarted { .. } => {
                self.mitigation = match self.mitigation.take() {
                    Some(
                        mitigation @ Mitigation {
                            phase: MitigationPhase::Requested,
                            ..
                        },
                    ) => Some(Mitigation {
                        phase: MitigationPhase::Training,
                        ..mitigation
                    }),
                    // A run started from step 3.
                    _ => None,
                };
            }
            FromEngine::TrainFailed { message } => {
                if let Some(mitigation) = self.mitigation.as_mut()
                    && matches!(
                        mitigation.phase,
                        MitigationPhase::Requested | MitigationPhase::Training
                    )
                {
                    mitigation.phase = MitigationPhase::Failed(message.clone());
                }
            }
            FromEngine::DataLoaded { .. } => self.mitigation = None,
            FromEngine::CellSamples { samples }
                if self.selected == Some((samples.truth, samples.predicted)) =>
            {
                self.samples = Some(samples.clone());
            }
            _ => {}
        }
    }

    /// Retrains the model in use with group-aware reweighting by `column`, keeping its
    /// evaluation to compare with: the message to send, or why not.
    pub fn mitigate(
        &mut self,
        column: &str,
        train: &mut TrainState,
        spec: Option<&ModelSpec>,
    ) -> Result<ToEngine, String> {
        let before = self
            .evaluation
            .clone()
            .ok_or("Train a model first: its evaluation is what the retrain is compared with.")?;
        if train.busy() {
            return Err("A run is under way: wait for it to finish or stop it.".to_string());
        }
        let previous = train.config.weights.clone();
        train.config.weights = ExampleWeights::ReweighGroups {
            column: column.to_string(),
        };
        match train.start(spec) {
            Ok(message) => {
                self.mitigation = Some(Mitigation {
                    column: column.to_string(),
                    before,
                    phase: MitigationPhase::Requested,
                });
                Ok(message)
            }
            Err(problem) => {
                train.config.weights = previous;
                Err(problem)
            }
        }
    }

    /// Opens the samples of cell (`truth`, `predicted`).
    pub fn select(&mut self, truth: usize, predicted: usize) -> ToEngine {
        self.selected = Some((truth, predicted));
        self.samples = None;
        ToEngine::CellSamples { truth, predicted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use hearth_core::metrics::SplitName;

    #[test]
    fn only_the_chosen_cell_s_samples_are_kept() {
        let mut state = EvalState::default();
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(Evaluation {
                model: "m".into(),
                classification: None,
                regression: Some(hearth_core::metrics::regression(
                    SplitName::Test,
                    &[1.0, 2.0],
                    &[1.5, 2.0],
                )),
                roc: None,
                points: vec![(1.0, 1.5), (2.0, 2.0)],
                cost: None,
                groups: vec![],
                importance: vec![],
                boundary: None,
            }),
        });
        let samples = |truth, predicted| CellSamples {
            truth,
            predicted,
            total: 1,
            rows: vec![],
            images: vec![],
            width: 0,
            height: 0,
        };
        assert_eq!(
            state.select(1, 0),
            ToEngine::CellSamples {
                truth: 1,
                predicted: 0
            }
        );
        state.on_message(&FromEngine::CellSamples {
            samples: samples(0, 0),
        });
        assert!(
            state.samples.is_none(),
            "an answer for another cell is dropped"
        );
        state.on_message(&FromEngine::CellSamples {
            samples: samples(1, 0),
        });
        assert_eq!(state.samples, Some(samples(1, 0)));
        state.on_message(&FromEngine::Evaluated { evaluation: None });
        assert_eq!(state, EvalState::default());
    }

    fn evaluation(name: &str) -> Evaluation {
        Evaluation {
            model: name.into(),
            classification: None,
            regression: None,
            roc: None,
            points: vec![],
            cost: None,
            groups: vec![],
            importance: vec![],
            boundary: None,
        }
    }

    #[test]
    fn a_mitigation_keeps_the_model_before_and_shows_the_one_after() {
        use hearth_core::model::{InputShape, ModelSpec};
        let spec = ModelSpec::logistic(
            InputShape::Features { features: 3 },
            hearth_core::data::summary::Task::Binary,
            2,
        );
        let mut state = EvalState::default();
        let mut train = TrainState::default();
        assert!(
            state
                .mitigate("gender", &mut train, Some(&spec))
                .unwrap_err()
                .contains("Train a model first")
        );
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(evaluation("before")),
        });
        let message = state.mitigate("gender", &mut train, Some(&spec)).unwrap();
        let ToEngine::Train { config, .. } = message else {
            panic!("a Train message");
        };
        let reweigh = ExampleWeights::ReweighGroups {
            column: "gender".into(),
        };
        assert_eq!(config.weights, reweigh);
        assert_eq!(train.config.weights, reweigh, "step 3 shows the choice");
        assert!(
            state
                .mitigate("gender", &mut train, Some(&spec))
                .unwrap_err()
                .contains("A run is under way")
        );
        let started = FromEngine::TrainStarted {
            epochs: 1,
            steps_per_epoch: 1,
            examples: 1,
            parameters: 1,
            backend: hearth_core::protocol::Backend::Cpu,
            from_epoch: 0,
        };
        state.on_message(&started);
        assert_eq!(
            state.mitigation.as_ref().map(|m| &m.phase),
            Some(&MitigationPhase::Training)
        );
        state.on_message(&FromEngine::Evaluated {
            evaluation: Some(evaluation("after")),
        });
        let mitigation = state.mitigation.clone().unwrap();
        assert_eq!(mitigation.before.model, "before");
        assert_eq!(
            mitigation.phase,
            MitigationPhase::Done(Box::new(evaluation("after")))
        );
        assert_eq!(state.evaluation.as_ref().unwrap().model, "after");

        // A run started from step 3 ends the comparison; so does a failed retrain's
        // message stay until then.
        state.on_message(&started);
        assert_eq!(state.mitigation, None);
        train = TrainState::default();
        state.mitigate("gender", &mut train, Some(&spec)).unwrap();
        state.on_message(&FromEngine::TrainFailed {
            message: "no".into(),
        });
        assert_eq!(
            state.mitigation.as_ref().map(|m| &m.phase),
            Some(&MitigationPhase::Failed("no".into()))
        );
        // A bad setting is refused and the weights chosen before stay.
        let mut train = TrainState::default();
        train.config.epochs = 0;
        assert!(state.mitigate("gender", &mut train, Some(&spec)).is_err());
        assert_eq!(train.config.weights, ExampleWeights::None);
    }
}
