//! The training run as the engine reports it, and the Train step's settings, as plain
//! structs tested natively. Each action returns the message that asks the engine for it.

use hearth_core::autotune::Verdict;
use hearth_core::model::summary::ModelSummary;
use hearth_core::model::{EpochRecord, ExampleWeights, ModelSpec, TrainConfig};
use hearth_core::protocol::{Backend, FromEngine, ToEngine};

use crate::data::state::DataState;
use crate::widgets::format::{duration, megabytes, percent};

/// Where a training run is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RunPhase {
    #[default]
    Idle,
    /// Asked the engine to start.
    Starting,
    Running,
    Paused,
    /// Asked the engine to stop.
    Stopping,
    Finished {
        reason: String,
    },
    Failed {
        message: String,
    },
}

/// The plan of a run, as the engine confirmed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Epochs planned.
    pub epochs: u32,
    /// Batches in an epoch.
    pub steps_per_epoch: u64,
    /// Training examples.
    pub examples: usize,
    /// The model's parameters.
    pub parameters: u64,
    /// Where it computes.
    pub backend: Backend,
    /// The epochs the model had before this run (training further); 0 for a new model.
    pub from_epoch: u32,
}

impl Plan {
    /// The steps before this run (a model trained further counts on from its epochs).
    fn steps_before(&self) -> u64 {
        u64::from(self.from_epoch) * self.steps_per_epoch
    }
}

/// The latest progress within the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunProgress {
    /// The epoch under way, from 1.
    pub epoch: u32,
    /// Steps done in the whole run.
    pub step: u64,
    /// The latest batch's loss.
    pub loss: f32,
    /// The speed.
    pub examples_per_second: f64,
    /// Seconds since the run started.
    pub seconds: f64,
}

/// The training run as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState {
    /// The settings of the next run.
    pub config: TrainConfig,
    /// Where the run is.
    pub phase: RunPhase,
    /// The run's plan, once the engine started it.
    pub plan: Option<Plan>,
    /// The latest progress.
    pub progress: Option<RunProgress>,
    /// Every epoch's figures.
    pub history: Vec<EpochRecord>,
    /// Training loss through the run: (epochs done, as a fraction; loss).
    pub loss_trace: Vec<(f64, f32)>,
    /// Whether the loss chart is on a log scale.
    pub log_scale: bool,
    /// Set when training moved to the CPU mid-run.
    pub notice: Option<String>,
    /// The engine's memory after the last epoch, in bytes.
    pub memory_bytes: Option<f64>,
    /// How the run's backend was chosen: the trial of the model on the CPU and on WebGPU
    /// (none where WebGPU was not in play, or the user skipped the trial).
    pub verdict: Option<Verdict>,
    /// A trial's verdict for the run about to start.
    next_verdict: Option<Verdict>,
    /// The engine crashed during a run; the next restored model is that run's last
    /// checkpoint.
    crashed: bool,
}

impl Default for TrainState {
    fn default() -> Self {
        TrainState {
            config: TrainConfig {
                epochs: 5,
                batch_size: 64,
                ..TrainConfig::default()
            },
            phase: RunPhase::Idle,
            plan: None,
            progress: None,
            history: Vec::new(),
            loss_trace: Vec::new(),
            log_scale: false,
            notice: None,
            memory_bytes: None,
            verdict: None,
            next_verdict: None,
            crashed: false,
        }
    }
}

impl TrainState {
    /// Applies a message from the engine; other messages are ignored.
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::TrainStarted {
                epochs,
                steps_per_epoch,
                examples,
                parameters,
                backend,
                from_epoch,
            } => {
                self.phase = RunPhase::Running;
                self.plan = Some(Plan {
                    epochs: *epochs,
                    steps_per_epoch: *steps_per_epoch,
                    examples: *examples,
                    parameters: *parameters,
                    backend: *backend,
                    from_epoch: *from_epoch,
                });
                self.progress = None;
                // Training further keeps the model's epochs so far; a new model starts afresh.
                self.history.retain(|record| record.epoch <= *from_epoch);
                self.loss_trace
                    .retain(|(epochs, _)| *epochs <= f64::from(*from_epoch));
                self.notice = None;
                self.memory_bytes = None;
                self.verdict = self.next_verdict.take();
                self.crashed = false;
            }
            FromEngine::BackendTrial { verdict } => self.next_verdict = Some(*verdict),
            FromEngine::TrainProgress {
                epoch,
                step,
                loss,
                examples_per_second,
                seconds,
            } => {
                self.progress = Some(RunProgress {
                    epoch: *epoch,
                    step: *step,
                    loss: *loss,
                    examples_per_second: *examples_per_second,
                    seconds: *seconds,
                });
                if let Some(plan) = self.plan {
                    let done = *step as f64 / plan.steps_per_epoch.max(1) as f64;
                    self.loss_trace.push((done, *loss));
                }
            }
            FromEngine::TrainEpoch {
                records,
                memory_bytes,
                ..
            } => {
                self.history.extend_from_slice(records);
                self.memory_bytes = Some(*memory_bytes);
            }
            FromEngine::Error { fatal: true, .. } if self.busy() => {
                let message = match self.history.last() {
                    Some(last) => format!(
                        "The engine crashed during epoch {}. The model as it was after epoch {} is kept: restart the engine to get it back, then use it, download it or train again.",
                        last.epoch + 1,
                        last.epoch
                    ),
                    None => "The engine crashed before the first epoch ended, so this run has nothing to keep. Restart the engine and train again.".to_string(),
                };
                self.crashed = !self.history.is_empty();
                self.phase = RunPhase::Failed { message };
            }
            FromEngine::TrainPaused { paused } => {
                if matches!(self.phase, RunPhase::Running | RunPhase::Paused) {
                    self.phase = if *paused {
                        RunPhase::Paused
                    } else {
                        RunPhase::Running
                    };
                }
            }
            FromEngine::TrainFinished { reason, .. } => {
                self.phase = RunPhase::Finished {
                    reason: reason.clone(),
                }
            }
            FromEngine::TrainFailed { message } => {
                self.phase = RunPhase::Failed {
                    message: message.clone(),
                }
            }
            FromEngine::BackendSwitched {
                backend,
                reason,
                from_epoch,
            } => {
                let from = if *from_epoch == 0 {
                    "from the start (no epoch had finished)".to_string()
                } else {
                    format!("from the end of epoch {from_epoch}, the last one finished")
                };
                self.notice = Some(format!(
                    "{reason}. Training goes on on the {} {from}.",
                    backend.label()
                ));
                // Epochs after the one training goes on from will be trained again.
                self.history.truncate(*from_epoch as usize);
                if let Some(plan) = self.plan.as_mut() {
                    plan.backend = *backend;
                }
            }
            _ => {}
        }
    }

    /// Shows how an opened or restored model was trained: its settings and history.
    pub fn show_model(&mut self, model: &ModelSummary) {
        if self.busy() {
            return;
        }
        let after_crash = std::mem::take(&mut self.crashed);
        if let Some(config) = &model.config {
            self.config = config.clone();
        }
        self.history = model.history.clone();
        self.loss_trace = model
            .history
            .iter()
            .map(|record| (f64::from(record.epoch), record.train_loss))
            .collect();
        self.plan = None;
        self.progress = None;
        self.notice = after_crash.then(|| {
            format!(
                "The engine was restarted. The model as it was after epoch {} is back in use.",
                model.history.len()
            )
        });
        self.phase = RunPhase::Idle;
    }

    /// The engine's memory after the last epoch ("Engine memory: 54.5 MB").
    pub fn memory_text(&self) -> String {
        self.memory_bytes
            .map(|bytes| format!("Engine memory: {}", megabytes(bytes)))
            .unwrap_or_default()
    }

    /// The epochs the charts span: the plan's, or the history's when there is no run.
    pub fn epochs_shown(&self) -> f64 {
        let planned = self.plan.map_or(0, |plan| plan.epochs);
        f64::from(planned.max(self.history.len() as u32).max(1))
    }

    /// Whether a run is under way (running, paused or asked to start or stop).
    pub fn busy(&self) -> bool {
        matches!(
            self.phase,
            RunPhase::Starting | RunPhase::Running | RunPhase::Paused | RunPhase::Stopping
        )
    }

    /// The user pressed Train: the message to send, or the settings' problem.
    pub fn start(&mut self, spec: Option<&ModelSpec>) -> Result<ToEngine, String> {
        let spec = spec.ok_or("Choose a data set first (step 1), then a model (step 2).")?;
        spec.infer().map_err(|error| {
            format!("The model does not fit together: {error}. Fix it in step 2.")
        })?;
        self.config
            .check()
            .map_err(|problem| hearth_core::text::capitalised(&problem.to_string()) + ".")?;
        self.phase = RunPhase::Starting;
        Ok(ToEngine::Train {
            spec: spec.clone(),
            config: self.config.clone(),
        })
    }

    /// The user pressed "Train further": the message to send (the engine goes on from the
    /// model in use), or the settings' problem.
    pub fn further(&mut self) -> Result<ToEngine, String> {
        self.config
            .check()
            .map_err(|problem| hearth_core::text::capitalised(&problem.to_string()) + ".")?;
        self.phase = RunPhase::Starting;
        Ok(ToEngine::TrainFurther {
            config: self.config.clone(),
        })
    }

    /// The user pressed Pause: the message to send, while the run is running.
    pub fn pause(&mut self) -> Option<ToEngine> {
        (self.phase == RunPhase::Running).then_some(ToEngine::Pause)
    }

    /// The user pressed Resume: the message to send, while the run is paused.
    pub fn resume(&mut self) -> Option<ToEngine> {
        (self.phase == RunPhase::Paused).then_some(ToEngine::Resume)
    }

    /// The user pressed Stop: the message to send, while the run is under way.
    pub fn stop(&mut self) -> Option<ToEngine> {
        if matches!(self.phase, RunPhase::Running | RunPhase::Paused) {
            self.phase = RunPhase::Stopping;
            Some(ToEngine::Stop)
        } else {
            None
        }
    }

    /// The share of the run done, 0 to 1.
    pub fn fraction(&self) -> f64 {
        match (self.plan, self.progress) {
            (Some(plan), Some(progress)) => {
                let before = plan.steps_before();
                let total = (plan.steps_per_epoch * u64::from(plan.epochs)).saturating_sub(before);
                (progress.step.saturating_sub(before) as f64 / total.max(1) as f64).min(1.0)
            }
            _ => 0.0,
        }
    }

    /// Seconds left at the current speed.
    pub fn seconds_left(&self) -> Option<f64> {
        let (plan, progress) = (self.plan?, self.progress?);
        let total = plan.steps_per_epoch * u64::from(plan.epochs);
        let done = progress.step.saturating_sub(plan.steps_before());
        let rate = done as f64 / progress.seconds.max(1e-6);
        (rate > 0.0).then(|| total.saturating_sub(progress.step) as f64 / rate)
    }

    /// The progress line: epoch, step, speed and time left.
    pub fn progress_text(&self) -> String {
        let (Some(plan), Some(progress)) = (self.plan, self.progress) else {
            return match &self.phase {
                RunPhase::Starting => "Starting…".to_string(),
                _ => String::new(),
            };
        };
        let step_in_epoch =
            progress.step - u64::from(progress.epoch.saturating_sub(1)) * plan.steps_per_epoch;
        format!(
            "Epoch {} of {}, step {} of {}, {:.0} examples/s, {} left",
            progress.epoch.min(plan.epochs),
            plan.epochs,
            step_in_epoch.min(plan.steps_per_epoch),
            plan.steps_per_epoch,
            progress.examples_per_second,
            duration(self.seconds_left().unwrap_or(0.0))
        )
    }

    /// The latest figures as text (the charts' text alternative).
    pub fn latest_text(&self) -> String {
        let Some(last) = self.history.last() else {
            return self
                .progress
                .map(|progress| format!("Training loss {:.4}", progress.loss))
                .unwrap_or_default();
        };
        let mut parts = vec![format!(
            "Epoch {}: training loss {:.4}",
            last.epoch, last.train_loss
        )];
        if let Some(loss) = last.validation_loss {
            parts.push(format!("validation loss {loss:.4}"));
        }
        if let Some(accuracy) = last.train_accuracy {
            parts.push(format!(
                "training accuracy {}",
                percent(f64::from(accuracy))
            ));
        }
        if let Some(accuracy) = last.validation_accuracy {
            parts.push(format!(
                "validation accuracy {}",
                percent(f64::from(accuracy))
            ));
        }
        parts.join(", ")
    }
}

/// The sensitive columns of the loaded table (those reweighting can use).
pub fn sensitive_columns(data: &DataState) -> Vec<String> {
    data.config
        .iter()
        .flat_map(|config| &config.columns)
        .filter(|column| column.role.is_sensitive())
        .map(|column| column.name.clone())
        .collect()
}

/// The Train step's choice of example weights as an option value.
pub fn weights_id(weights: &ExampleWeights) -> String {
    match weights {
        ExampleWeights::None => "none".to_string(),
        ExampleWeights::Balanced => "balanced".to_string(),
        ExampleWeights::PerClass { .. } => "per-class".to_string(),
        ExampleWeights::PerSample { .. } => "per-sample".to_string(),
        ExampleWeights::ReweighGroups { column } => format!("reweigh:{column}"),
    }
}

/// The example weights an option value stands for (none for an unknown one).
pub fn weights_from_id(id: &str) -> ExampleWeights {
    match id {
        "balanced" => ExampleWeights::Balanced,
        _ => match id.strip_prefix("reweigh:") {
            Some(column) => ExampleWeights::ReweighGroups {
                column: column.to_string(),
            },
            None => ExampleWeights::None,
        },
    }
}

/// The options of the example-weights choice: none, balanced classes, and reweighting by
/// each sensitive column (and by `current`'s column, should it no longer be sensitive,
/// so that the choice shows what a restored run used).
pub fn weight_choices(sensitive: &[String], current: &str) -> Vec<(String, String)> {
    let mut choices = vec![
        ("none".to_string(), "None".to_string()),
        ("balanced".to_string(), "Balance classes".to_string()),
    ];
    let mut columns: Vec<&str> = sensitive.iter().map(String::as_str).collect();
    if let Some(column) = current.strip_prefix("reweigh:")
        && !columns.contains(&column)
    {
        columns.push(column);
    }
    for column in columns {
        choices.push((
            format!("reweigh:{column}"),
            format!("Reweigh by group of \"{column}\" (fairness)"),
        ));
    }
    choices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::state::{DataShape, SpecState};
    use hearth_core::data::summary::Task;
    use hearth_core::model::Layer;
    #[test]
    fn a_run_goes_from_train_to_finished_with_progress_and_epochs() {
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        assert!(state.start(None).is_err());
        specs.fit_to(DataShape::mnist());
        let message = state.start(specs.spec.as_ref()).unwrap();
        assert!(matches!(message, ToEngine::Train { .. }));
        assert_eq!(state.phase, RunPhase::Starting);
        state.on_message(&FromEngine::TrainStarted {
            epochs: 2,
            steps_per_epoch: 100,
            examples: 6400,
            parameters: 109_386,
            backend: Backend::Cpu,
            from_epoch: 0,
        });
        state.on_message(&FromEngine::TrainProgress {
            epoch: 1,
            step: 50,
            loss: 0.5,
            examples_per_second: 3200.0,
            seconds: 1.0,
        });
        assert_eq!(state.fraction(), 0.25);
        assert_eq!(state.seconds_left(), Some(3.0));
        assert_eq!(
            state.progress_text(),
            "Epoch 1 of 2, step 50 of 100, 3200 examples/s, 3 s left"
        );
        assert_eq!(state.pause(), Some(ToEngine::Pause));
        state.on_message(&FromEngine::TrainPaused { paused: true });
        assert_eq!(state.phase, RunPhase::Paused);
        assert_eq!(state.pause(), None);
        assert_eq!(state.resume(), Some(ToEngine::Resume));
        state.on_message(&FromEngine::TrainPaused { paused: false });
        state.on_message(&FromEngine::TrainEpoch {
            records: vec![EpochRecord {
                epoch: 1,
                train_loss: 0.4,
                validation_loss: Some(0.3),
                train_accuracy: Some(0.9),
                validation_accuracy: Some(0.92),
                learning_rate: 0.001,
            }],
            seconds: 2.0,
            memory_bytes: 54_525_952.0,
        });
        assert_eq!(state.memory_text(), "Engine memory: 54.5 MB");
        assert_eq!(
            state.latest_text(),
            "Epoch 1: training loss 0.4000, validation loss 0.3000, training accuracy 90.0%, validation accuracy 92.0%"
        );
        assert_eq!(state.stop(), Some(ToEngine::Stop));
        assert!(state.busy());
        state.on_message(&FromEngine::TrainFinished {
            reason: "stopped after 1 epochs".into(),
            seconds: 2.5,
        });
        assert!(!state.busy());
    }

    #[test]
    fn a_switch_to_the_cpu_is_said_and_forgets_epochs_trained_again() {
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        specs.fit_to(DataShape::mnist());
        state.start(specs.spec.as_ref()).unwrap();
        state.on_message(&FromEngine::TrainStarted {
            epochs: 5,
            steps_per_epoch: 10,
            examples: 640,
            parameters: 100,
            backend: Backend::WebGpu,
            from_epoch: 0,
        });
        // Short epochs come several to a message, in order.
        state.on_message(&FromEngine::TrainEpoch {
            records: (1..=3)
                .map(|epoch| EpochRecord {
                    epoch,
                    train_loss: 0.5,
                    validation_loss: None,
                    train_accuracy: None,
                    validation_accuracy: None,
                    learning_rate: 0.001,
                })
                .collect(),
            seconds: 3.0,
            memory_bytes: 1e6,
        });
        let epochs: Vec<u32> = state.history.iter().map(|record| record.epoch).collect();
        assert_eq!(epochs, [1, 2, 3]);
        state.on_message(&FromEngine::BackendSwitched {
            backend: Backend::Cpu,
            reason: "WebGPU stopped working (device lost)".into(),
            from_epoch: 2,
        });
        assert_eq!(state.history.len(), 2);
        assert_eq!(state.plan.as_ref().unwrap().backend, Backend::Cpu);
        assert_eq!(
            state.notice.as_deref(),
            Some(
                "WebGPU stopped working (device lost). Training goes on on the CPU (WebAssembly SIMD) from the end of epoch 2, the last one finished."
            )
        );
    }

    #[test]
    fn training_further_keeps_the_epochs_so_far_and_counts_on() {
        let record = |epoch| EpochRecord {
            epoch,
            train_loss: 1.0 / epoch as f32,
            validation_loss: None,
            train_accuracy: None,
            validation_accuracy: None,
            learning_rate: 0.001,
        };
        let mut state = TrainState {
            history: (1..=4).map(record).collect(),
            loss_trace: (1..=4).map(|epoch| (f64::from(epoch), 0.5)).collect(),
            ..TrainState::default()
        };
        state.config.epochs = 2;
        let message = state.further().unwrap();
        assert!(matches!(message, ToEngine::TrainFurther { config } if config.epochs == 2));
        assert!(state.busy());
        state.on_message(&FromEngine::TrainStarted {
            epochs: 6,
            steps_per_epoch: 10,
            examples: 640,
            parameters: 100,
            backend: Backend::Cpu,
            from_epoch: 4,
        });
        assert_eq!(state.history.len(), 4, "the model's epochs stay");
        assert_eq!(state.loss_trace.len(), 4);
        state.on_message(&FromEngine::TrainProgress {
            epoch: 5,
            step: 45,
            loss: 0.2,
            examples_per_second: 100.0,
            seconds: 1.0,
        });
        assert_eq!(
            state.progress_text(),
            "Epoch 5 of 6, step 5 of 10, 100 examples/s, 3 s left"
        );
        assert!(
            (state.fraction() - 0.25).abs() < 1e-9,
            "{}",
            state.fraction()
        );
        // A new model starts its history afresh.
        state.phase = RunPhase::Idle;
        state
            .start(Some(&hearth_core::model::ModelSpec::mlp(
                hearth_core::model::InputShape::Features { features: 4 },
                Task::MultiClass,
                3,
            )))
            .unwrap();
        state.on_message(&FromEngine::TrainStarted {
            epochs: 2,
            steps_per_epoch: 10,
            examples: 640,
            parameters: 100,
            backend: Backend::Cpu,
            from_epoch: 0,
        });
        assert!(state.history.is_empty());
        assert!(state.loss_trace.is_empty());
        state.config.epochs = 0;
        assert!(state.further().is_err(), "the settings are checked");
    }

    #[test]
    fn a_crashed_engine_ends_the_run_and_its_last_checkpoint_comes_back() {
        use hearth_core::model::summary::{ModelCard, ModelInput, ModelSource};
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        specs.fit_to(DataShape::mnist());
        let spec = specs.spec.clone().unwrap();
        state.start(Some(&spec)).unwrap();
        let crash = FromEngine::Error {
            message: "the engine hit a bug and stopped".into(),
            fatal: true,
        };
        state.on_message(&FromEngine::TrainStarted {
            epochs: 5,
            steps_per_epoch: 10,
            examples: 640,
            parameters: 100,
            backend: Backend::Cpu,
            from_epoch: 0,
        });
        let record = |epoch| EpochRecord {
            epoch,
            train_loss: 0.5,
            validation_loss: None,
            train_accuracy: None,
            validation_accuracy: None,
            learning_rate: 0.001,
        };
        for epoch in 1..=2 {
            state.on_message(&FromEngine::TrainEpoch {
                records: vec![record(epoch)],
                seconds: f64::from(epoch),
                memory_bytes: 1e6,
            });
        }
        state.on_message(&crash);
        assert!(!state.busy(), "the run is over: Train works again");
        let RunPhase::Failed { message } = &state.phase else {
            panic!("{:?}", state.phase);
        };
        assert!(
            message.starts_with(
                "The engine crashed during epoch 3. The model as it was after epoch 2 is kept"
            ),
            "{message}"
        );
        assert_eq!(state.history.len(), 2, "the epochs done stay on the charts");
        // The restarted engine opens the checkpoint: its history, and a notice.
        let checkpoint = ModelSummary {
            name: "digits".into(),
            source: ModelSource::Saved,
            task: Task::MultiClass,
            labels: vec![],
            input: ModelInput::Image {
                width: 28,
                height: 28,
                channels: 1,
                digits: true,
                sound: None,
            },
            parameters: 100,
            test_score: None,
            test_rows: 0,
            spec: spec.clone(),
            config: None,
            history: vec![record(1), record(2)],
            card: ModelCard::default(),
        };
        state.show_model(&checkpoint);
        assert_eq!(state.phase, RunPhase::Idle);
        assert_eq!(
            state.notice.as_deref(),
            Some("The engine was restarted. The model as it was after epoch 2 is back in use.")
        );
        // Only once: a model opened later is just shown.
        state.show_model(&checkpoint);
        assert_eq!(state.notice, None);

        // A crash before any epoch ended keeps nothing, and says so; a crash while no run
        // is under way leaves the Train step alone.
        let mut state = TrainState::default();
        state.start(Some(&spec)).unwrap();
        state.on_message(&crash);
        let RunPhase::Failed { message } = &state.phase else {
            panic!("{:?}", state.phase);
        };
        assert!(message.contains("nothing to keep"), "{message}");
        let mut idle = TrainState::default();
        idle.on_message(&crash);
        assert_eq!(idle.phase, RunPhase::Idle);
    }

    #[test]
    fn bad_settings_are_refused_before_anything_is_sent() {
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        specs.fit_to(DataShape::mnist());
        state.config.learning_rate = 0.0;
        let problem = state.start(specs.spec.as_ref()).unwrap_err();
        assert!(
            problem.starts_with("The learning rate must be above 0"),
            "{problem}"
        );
        assert_eq!(state.phase, RunPhase::Idle);
        state.config.learning_rate = 0.001;
        if let Some(spec) = specs.spec.as_mut() {
            spec.layers.insert(
                0,
                Layer::MaxPool2d {
                    size: 64,
                    stride: None,
                },
            );
        }
        let problem = state.start(specs.spec.as_ref()).unwrap_err();
        assert!(problem.contains("layer 1"), "{problem}");
    }

    #[test]
    fn example_weights_round_trip_through_the_choice() {
        let sensitive = vec!["gender".to_string()];
        let choices = weight_choices(&sensitive, "none");
        let ids: Vec<&str> = choices.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["none", "balanced", "reweigh:gender"]);
        for (id, _) in &choices {
            assert_eq!(&weights_id(&weights_from_id(id)), id);
        }
        // A restored run's column shows even when it is no longer sensitive.
        let choices = weight_choices(&[], "reweigh:age");
        assert_eq!(choices.last().unwrap().0, "reweigh:age");
        assert_eq!(weights_from_id("junk"), ExampleWeights::None);
    }

    #[test]
    fn a_trial_verdict_belongs_to_the_run_that_follows_it() {
        use hearth_core::autotune::Trial;
        let verdict = Verdict::of(
            Trial {
                steps: 40,
                seconds: 0.5,
            },
            Trial {
                steps: 5,
                seconds: 0.5,
            },
        );
        let started = FromEngine::TrainStarted {
            epochs: 2,
            steps_per_epoch: 4,
            examples: 100,
            parameters: 10,
            backend: Backend::Cpu,
            from_epoch: 0,
        };
        let mut state = TrainState::default();
        state.on_message(&FromEngine::BackendTrial { verdict });
        assert_eq!(state.verdict, None, "not before its run starts");
        state.on_message(&started);
        assert_eq!(state.verdict, Some(verdict));
        // A run without a trial (the CPU engine, or the trial skipped) has no verdict.
        state.on_message(&started);
        assert_eq!(state.verdict, None);
    }
}
