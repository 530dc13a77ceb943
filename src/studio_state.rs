//! The page's state for the Model, Train and Use steps, as plain structs tested natively:
//! the spec being edited, the training run as the engine reports it, and the model in use
//! with its latest prediction. Each action returns the message that asks the engine for it.

use hearth_core::data::summary::{DataSummary, Task};
use hearth_core::model::summary::{ModelSummary, PredictInput, Prediction, Saliency};
use hearth_core::model::{
    Activation, EpochRecord, ExampleWeights, InputShape, Layer, LayerInfo, ModelSpec, Padding,
    TrainConfig,
};
use hearth_core::protocol::{Backend, FromEngine, ToEngine};

use crate::data_state::DataState;

/// What the loaded data asks of a model: its input, task and number of classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataShape {
    pub input: InputShape,
    pub task: Task,
    pub classes: usize,
}

impl DataShape {
    /// The shape of the data set, once it is loaded and (for tables) has a target.
    pub fn of(data: &DataState) -> Option<DataShape> {
        match data.summary.as_ref()? {
            DataSummary::Images(images) => Some(DataShape {
                input: InputShape::Image {
                    height: images.height as usize,
                    width: images.width as usize,
                    channels: images.channels as usize,
                },
                task: if images.classes.len() == 2 {
                    Task::Binary
                } else {
                    Task::MultiClass
                },
                classes: images.classes.len(),
            }),
            DataSummary::Table(_) => {
                let report = data.report.as_ref()?;
                if report.problem.is_some() {
                    return None;
                }
                let target = report.target.as_ref()?;
                Some(DataShape {
                    input: InputShape::Features {
                        features: report.inputs.len(),
                    },
                    task: target.task,
                    classes: target.classes.len(),
                })
            }
        }
    }
}

/// A preset architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Logistic,
    Mlp,
    Cnn,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Logistic, Preset::Mlp, Preset::Cnn];

    pub fn label(self) -> &'static str {
        match self {
            Preset::Logistic => "Logistic regression",
            Preset::Mlp => "MLP (128-64)",
            Preset::Cnn => "Small CNN (images)",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Preset::Logistic => "logistic",
            Preset::Mlp => "mlp",
            Preset::Cnn => "cnn",
        }
    }

    /// The preset for data of `shape`; the CNN needs images.
    pub fn spec(self, shape: DataShape) -> Result<ModelSpec, String> {
        Ok(match self {
            Preset::Logistic => ModelSpec::logistic(shape.input, shape.task, shape.classes),
            Preset::Mlp => ModelSpec::mlp(shape.input, shape.task, shape.classes),
            Preset::Cnn => {
                if let InputShape::Features { .. } = shape.input {
                    return Err("The CNN reads images; this data set is a table.".to_string());
                }
                ModelSpec::cnn(shape.input, shape.task, shape.classes)
            }
        })
    }
}

/// The spec being edited on the Model step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecState {
    pub spec: Option<ModelSpec>,
    /// Why the pasted JSON or chosen preset was refused.
    pub problem: Option<String>,
}

impl SpecState {
    /// Layer infos, or the error that names the layer that does not fit.
    pub fn infer(&self) -> Option<Result<Vec<LayerInfo>, hearth_core::model::SpecError>> {
        self.spec.as_ref().map(ModelSpec::infer)
    }

    /// Makes sure a spec exists that fits `shape` (the MLP preset when there is none, or
    /// when the data changed shape).
    pub fn fit_to(&mut self, shape: DataShape) {
        let fits = self.spec.as_ref().is_some_and(|spec| {
            hearth_core::model::ModelSpec::new(shape.input, Vec::new(), shape.task, shape.classes)
                .outputs
                == spec.outputs
                && spec.input == shape.input
                && spec.task == shape.task
        });
        if !fits {
            self.spec = Preset::Mlp.spec(shape).ok();
            self.problem = None;
        }
    }

    pub fn choose(&mut self, preset: Preset, shape: DataShape) {
        match preset.spec(shape) {
            Ok(spec) => {
                self.spec = Some(spec);
                self.problem = None;
            }
            Err(problem) => self.problem = Some(problem),
        }
    }

    /// Adds a layer of `kind` (see [`LAYER_KINDS`]) at the end of the hidden layers.
    pub fn add(&mut self, kind: &str) {
        let Some(layer) = new_layer(kind) else {
            return;
        };
        if let Some(spec) = self.spec.as_mut() {
            spec.layers.push(layer);
        }
    }

    /// Removes layer `index` (0-based).
    pub fn remove(&mut self, index: usize) {
        if let Some(spec) = self.spec.as_mut()
            && index < spec.layers.len()
        {
            spec.layers.remove(index);
        }
    }

    /// Moves layer `index` one place up (`-1`) or down (`1`).
    pub fn shift(&mut self, index: usize, by: isize) {
        if let Some(spec) = self.spec.as_mut() {
            let target = index as isize + by;
            if index < spec.layers.len() && target >= 0 && (target as usize) < spec.layers.len() {
                spec.layers.swap(index, target as usize);
            }
        }
    }

    /// Replaces layer `index`.
    pub fn set(&mut self, index: usize, layer: Layer) {
        if let Some(spec) = self.spec.as_mut()
            && let Some(slot) = spec.layers.get_mut(index)
        {
            *slot = layer;
        }
    }

    /// The spec as JSON, for copying out.
    pub fn json(&self) -> String {
        self.spec
            .as_ref()
            .and_then(crate::json::to_string_pretty)
            .unwrap_or_default()
    }

    /// The spec as a compact JSON text for a link's fragment (`#spec=…`, encoded by the
    /// caller); none when there is no spec.
    pub fn link_text(&self) -> Option<String> {
        self.spec.as_ref().and_then(crate::json::to_string)
    }

    /// Reads the spec of a shared link (the fragment's text after `spec=`, decoded):
    /// `true` when it was a spec and is now the current one.
    pub fn open_link(&mut self, fragment: &str) -> bool {
        let Some(text) = fragment.trim_start_matches('#').strip_prefix("spec=") else {
            return false;
        };
        self.paste(text, None);
        if self.problem.is_some() {
            self.problem = Some(format!(
                "The link's model spec could not be read: {}",
                self.problem.take().unwrap_or_default()
            ));
            return false;
        }
        true
    }

    /// Reads a pasted spec; a bad one is explained and the current spec kept.
    pub fn paste(&mut self, text: &str, shape: Option<DataShape>) {
        match crate::json::from_str::<ModelSpec>(text) {
            Ok(spec) => {
                if let Some(shape) = shape
                    && spec.input != shape.input
                {
                    self.problem = Some(format!(
                        "That spec reads {} inputs, but the data gives {}.",
                        hearth_core::model::Shape::from(spec.input).label(),
                        hearth_core::model::Shape::from(shape.input).label()
                    ));
                    return;
                }
                self.spec = Some(spec);
                self.problem = None;
            }
            Err(error) => self.problem = Some(format!("That is not a model spec: {error}")),
        }
    }
}

/// The layer kinds the "Add layer" menu offers: (id, label).
pub const LAYER_KINDS: [(&str, &str); 7] = [
    ("dense", "Dense"),
    ("conv2d", "Conv2d"),
    ("max_pool2d", "MaxPool2d"),
    ("avg_pool2d", "AvgPool2d"),
    ("flatten", "Flatten"),
    ("dropout", "Dropout"),
    ("batch_norm", "BatchNorm"),
];

/// A layer of `kind` with sensible settings.
pub fn new_layer(kind: &str) -> Option<Layer> {
    Some(match kind {
        "dense" => Layer::Dense {
            units: 32,
            activation: Activation::Relu,
        },
        "conv2d" => Layer::Conv2d {
            filters: 16,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            activation: Activation::Relu,
        },
        "max_pool2d" => Layer::MaxPool2d {
            size: 2,
            stride: None,
        },
        "avg_pool2d" => Layer::AvgPool2d {
            size: 2,
            stride: None,
        },
        "flatten" => Layer::Flatten,
        "dropout" => Layer::Dropout { rate: 0.25 },
        "batch_norm" => Layer::BatchNorm {
            activation: Activation::Linear,
        },
        _ => return None,
    })
}

/// The id of a layer's kind (as in [`LAYER_KINDS`]).
pub fn layer_kind(layer: &Layer) -> &'static str {
    match layer {
        Layer::Dense { .. } => "dense",
        Layer::Conv2d { .. } => "conv2d",
        Layer::MaxPool2d { .. } => "max_pool2d",
        Layer::AvgPool2d { .. } => "avg_pool2d",
        Layer::Flatten => "flatten",
        Layer::Dropout { .. } => "dropout",
        Layer::BatchNorm { .. } => "batch_norm",
    }
}

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
    pub epochs: u32,
    pub steps_per_epoch: u64,
    pub examples: usize,
    pub parameters: u64,
    pub backend: Backend,
}

/// The latest progress within the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub epoch: u32,
    pub step: u64,
    pub loss: f32,
    pub examples_per_second: f64,
    pub seconds: f64,
}

/// The training run as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState {
    pub config: TrainConfig,
    pub phase: RunPhase,
    pub plan: Option<Plan>,
    pub progress: Option<Progress>,
    pub history: Vec<EpochRecord>,
    /// Training loss through the run: (epochs done, as a fraction; loss).
    pub loss_trace: Vec<(f64, f32)>,
    pub log_scale: bool,
    /// Set when training moved to the CPU mid-run.
    pub notice: Option<String>,
    /// The engine's memory after the last epoch, in bytes.
    pub memory_bytes: Option<f64>,
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
            crashed: false,
        }
    }
}

impl TrainState {
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::TrainStarted {
                epochs,
                steps_per_epoch,
                examples,
                parameters,
                backend,
            } => {
                self.phase = RunPhase::Running;
                self.plan = Some(Plan {
                    epochs: *epochs,
                    steps_per_epoch: *steps_per_epoch,
                    examples: *examples,
                    parameters: *parameters,
                    backend: *backend,
                });
                self.progress = None;
                self.history.clear();
                self.loss_trace.clear();
                self.notice = None;
                self.memory_bytes = None;
                self.crashed = false;
            }
            FromEngine::TrainProgress {
                epoch,
                step,
                loss,
                examples_per_second,
                seconds,
            } => {
                self.progress = Some(Progress {
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
                record,
                memory_bytes,
                ..
            } => {
                self.history.push(record.clone());
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
            .map(|bytes| format!("Engine memory: {:.1} MB", bytes / 1_000_000.0))
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
            .map_err(|problem| hearth_core::text::capitalised(&problem) + ".")?;
        self.phase = RunPhase::Starting;
        Ok(ToEngine::Train {
            spec: spec.clone(),
            config: self.config.clone(),
        })
    }

    pub fn pause(&mut self) -> Option<ToEngine> {
        (self.phase == RunPhase::Running).then_some(ToEngine::Pause)
    }

    pub fn resume(&mut self) -> Option<ToEngine> {
        (self.phase == RunPhase::Paused).then_some(ToEngine::Resume)
    }

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
                let total = plan.steps_per_epoch * u64::from(plan.epochs);
                (progress.step as f64 / total.max(1) as f64).min(1.0)
            }
            _ => 0.0,
        }
    }

    /// Seconds left at the current speed.
    pub fn seconds_left(&self) -> Option<f64> {
        let (plan, progress) = (self.plan?, self.progress?);
        let total = plan.steps_per_epoch * u64::from(plan.epochs);
        let rate = progress.step as f64 / progress.seconds.max(1e-6);
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
            parts.push(format!("training accuracy {:.1}%", accuracy * 100.0));
        }
        if let Some(accuracy) = last.validation_accuracy {
            parts.push(format!("validation accuracy {:.1}%", accuracy * 100.0));
        }
        parts.join(", ")
    }
}

/// Seconds as "1 min 5 s" or "12 s".
pub fn duration(seconds: f64) -> String {
    let seconds = seconds.max(0.0).round() as u64;
    if seconds >= 60 {
        format!("{} min {} s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s")
    }
}

/// The model in use and its predictions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UseState {
    pub model: Option<ModelSummary>,
    pub prediction: Option<Prediction>,
    pub problem: Option<String>,
    /// The id of the latest request; older answers are dropped.
    latest: u32,
    /// The id of the latest request answered.
    answered: u32,
}

impl UseState {
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

    fn shape() -> DataShape {
        DataShape {
            input: InputShape::MNIST,
            task: Task::MultiClass,
            classes: 10,
        }
    }

    #[test]
    fn a_run_goes_from_train_to_finished_with_progress_and_epochs() {
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        assert!(state.start(None).is_err());
        specs.fit_to(shape());
        let message = state.start(specs.spec.as_ref()).unwrap();
        assert!(matches!(message, ToEngine::Train { .. }));
        assert_eq!(state.phase, RunPhase::Starting);
        state.on_message(&FromEngine::TrainStarted {
            epochs: 2,
            steps_per_epoch: 100,
            examples: 6400,
            parameters: 109_386,
            backend: Backend::Cpu,
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
            record: EpochRecord {
                epoch: 1,
                train_loss: 0.4,
                validation_loss: Some(0.3),
                train_accuracy: Some(0.9),
                validation_accuracy: Some(0.92),
                learning_rate: 0.001,
            },
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
        specs.fit_to(shape());
        state.start(specs.spec.as_ref()).unwrap();
        state.on_message(&FromEngine::TrainStarted {
            epochs: 5,
            steps_per_epoch: 10,
            examples: 640,
            parameters: 100,
            backend: Backend::WebGpu,
        });
        for epoch in 1..=3 {
            state.on_message(&FromEngine::TrainEpoch {
                record: EpochRecord {
                    epoch,
                    train_loss: 0.5,
                    validation_loss: None,
                    train_accuracy: None,
                    validation_accuracy: None,
                    learning_rate: 0.001,
                },
                seconds: f64::from(epoch),
                memory_bytes: 1e6,
            });
        }
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
    fn a_crashed_engine_ends_the_run_and_its_last_checkpoint_comes_back() {
        use hearth_core::model::summary::{ModelCard, ModelInput, ModelSource};
        let mut state = TrainState::default();
        let mut specs = SpecState::default();
        specs.fit_to(shape());
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
                record: record(epoch),
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
        specs.fit_to(shape());
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
    fn specs_follow_the_data_and_paste_back() {
        let mut specs = SpecState::default();
        specs.fit_to(shape());
        assert_eq!(specs.spec.as_ref().unwrap().params(), 109_386);
        specs.choose(Preset::Cnn, shape());
        let json = specs.json();
        specs.choose(Preset::Logistic, shape());
        specs.paste(&json, Some(shape()));
        assert_eq!(specs.spec.as_ref().unwrap().params(), 93_322);
        specs.paste("{ not json", Some(shape()));
        assert!(specs.problem.as_ref().unwrap().contains("line 1"));
        assert_eq!(specs.spec.as_ref().unwrap().params(), 93_322, "kept");
        let table = DataShape {
            input: InputShape::Features { features: 4 },
            task: Task::MultiClass,
            classes: 3,
        };
        specs.choose(Preset::Cnn, table);
        assert!(specs.problem.as_ref().unwrap().contains("table"));
        specs.fit_to(table);
        assert_eq!(specs.spec.as_ref().unwrap().input, table.input);
    }

    #[test]
    fn layers_are_added_moved_edited_and_removed() {
        let mut specs = SpecState::default();
        specs.choose(Preset::Logistic, shape());
        specs.add("dense");
        specs.add("dropout");
        specs.add("nonsense");
        let layers = |specs: &SpecState| -> Vec<&'static str> {
            specs
                .spec
                .as_ref()
                .unwrap()
                .layers
                .iter()
                .map(layer_kind)
                .collect()
        };
        assert_eq!(layers(&specs), ["flatten", "dense", "dropout"]);
        specs.shift(2, -1);
        assert_eq!(layers(&specs), ["flatten", "dropout", "dense"]);
        specs.shift(0, -1);
        specs.shift(2, 1);
        assert_eq!(
            layers(&specs),
            ["flatten", "dropout", "dense"],
            "ends stay put"
        );
        specs.set(
            2,
            Layer::Dense {
                units: 7,
                activation: Activation::Tanh,
            },
        );
        let infos = specs.infer().unwrap().unwrap();
        assert_eq!(infos[2].output.size(), 7);
        specs.remove(1);
        assert_eq!(layers(&specs), ["flatten", "dense"]);
        // A dense layer before Flatten on images is the error, named on layer 1.
        specs.shift(1, -1);
        let error = specs.infer().unwrap().unwrap_err();
        assert_eq!(error.layer, 1);
    }

    #[test]
    fn a_spec_travels_in_a_link_and_a_bad_link_is_explained() {
        let mut specs = SpecState::default();
        specs.choose(Preset::Cnn, shape());
        let text = specs.link_text().unwrap();
        assert!(!text.contains('\n'));
        let mut other = SpecState::default();
        assert!(!other.open_link("#section-2"));
        assert!(other.spec.is_none() && other.problem.is_none());
        assert!(other.open_link(&format!("#spec={text}")));
        assert_eq!(other.spec, specs.spec);
        assert!(!other.open_link("#spec={\"version\":1"));
        assert_eq!(other.spec, specs.spec, "a bad link keeps the spec");
        assert!(
            other
                .problem
                .as_deref()
                .unwrap()
                .starts_with("The link's model spec could not be read: That is not a model spec")
        );
    }

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
