//! The one message protocol between the page and the engine worker.
//!
//! Messages travel as plain JavaScript objects (serde-wasm-bindgen). Those to the engine
//! are tagged by `type` (`{type: "init", force_cpu: false}`). Those from the engine, and
//! the page-only types inside them, are externally tagged (`{ready: {backend: "cpu", …}}`,
//! `"paused"` for a variant without fields): serde reads an internally tagged enum by
//! buffering the whole message first, which cost the page about a tenth of its code. The
//! worker's JavaScript loader posts the same shapes before the engine's wasm has started.

use serde::{Deserialize, Serialize};

use crate::bench::{BenchResult, BenchSettings};
use crate::data::summary::{Augment, DataConfig, DataReport, DataSummary, Thumbnail};
use crate::metrics::{CellSamples, Evaluation};
use crate::model::base::BaseSummary;
use crate::model::summary::{ModelSource, ModelSummary, PredictInput, Prediction};
use crate::model::{EpochRecord, ModelSpec, TrainConfig};

/// A message from the page to the engine worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToEngine {
    /// Choose the compute backend: WebGPU where the browser offers an adapter, unless
    /// `force_cpu` asks for the CPU backend. Sent once the engine has booted, and again
    /// whenever the user changes the choice. With WebGPU, each model's first run trains on
    /// the faster of the two by a trial ([`FromEngine::BackendTrial`]), unless
    /// `prefer_webgpu` skips the trial.
    Init {
        force_cpu: bool,
        #[serde(default)]
        prefer_webgpu: bool,
    },
    /// Train a tiny built-in network for `steps` steps: proves that the engine computes
    /// and gives the page a first taste of the backend's speed.
    SelfTest { steps: u32 },
    /// Read a CSV file. The page attaches the `File` object itself as the message's
    /// `file` property (it is cloned to the worker without copying its bytes through
    /// the page), so the page never holds the data.
    LoadCsv {
        name: String,
        /// Leave out rows whose number of fields differs from the header's.
        skip_ragged: bool,
    },
    /// Read image files; the page attaches the `File` objects as `files` (after those of
    /// any [`ToEngine::AttachFiles`] before it), in the order of `paths`. A file's class is `classes[i]` when given, else its folder's name.
    LoadImages {
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
        width: u32,
        height: u32,
        channels: u8,
    },
    /// Read sound files (WAV, FLAC, Ogg Vorbis, MP3; the page's recordings come as WAV),
    /// attached as `files` as for [`ToEngine::LoadImages`], into one-second spectrograms:
    /// the file at `paths[i]` is of class `classes[i]`, else its folder's.
    LoadSounds {
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
    },
    /// Files for the next [`ToEngine::LoadImages`] or [`ToEngine::LoadSounds`], attached as `files`: the page hands
    /// many files over in batches of these (`total` in all), so that it keeps drawing.
    AttachFiles { total: u32 },
    /// Load a built-in data set by name (`mnist`, `iris`, ...).
    LoadBuiltin { name: String },
    /// Apply the user's choices (roles, target, task, missing values, scaling, split) to
    /// the loaded table.
    ConfigureData { config: DataConfig },
    /// Set the augmentation of the loaded images (applied while training) and show
    /// examples of it.
    SetAugmentation { augment: Augment },
    /// Train a new model of `spec` on the loaded data (stopping any run under way).
    Train {
        spec: ModelSpec,
        config: TrainConfig,
    },
    /// Train the model in use further on the loaded data, `config.epochs` more epochs: its
    /// weights, preprocessing and classes, its history numbered on (stopping any run
    /// under way). Data that does not fit it gets a [`FromEngine::TrainFailed`] naming
    /// what differs.
    TrainFurther { config: TrainConfig },
    /// Pause the run under way after its current step.
    Pause,
    /// Continue a paused run.
    Resume,
    /// End the run under way; the model trained so far becomes the model in use.
    Stop,
    /// Predict with the model in use; the reply carries the same `id`.
    Predict { id: u32, input: PredictInput },
    /// Write the model in use as a model file; the reply is a [`FromEngine::ModelFile`]
    /// with `purpose` [`FilePurpose::Requested`] and the same `id`.
    SaveModel { id: u32 },
    /// The test samples in one cell of the confusion matrix of the model in use.
    CellSamples { truth: usize, predicted: usize },
    /// Set the model card's fields that people write (kept in the model file).
    SetCard {
        intended_use: String,
        limitations: String,
    },
    /// The model card as Markdown; the reply is a [`FromEngine::TextFile`].
    ExportCard { id: u32 },
    /// Write the model in use as a Python file defining a PyTorch module that loads the
    /// model file's weights; the reply is a [`FromEngine::TextFile`] with the same `id`.
    ExportPytorch { id: u32 },
    /// Make the model file attached as `file` (a `Blob`) the model in use, if it is a
    /// valid model that fits the loaded data; otherwise the model in use stays.
    OpenModel { name: String, source: ModelSource },
    /// Choose the model a new model is built on ("Start from a model" on the Model step):
    /// the reply is a [`FromEngine::BaseChosen`] with its layers, or a
    /// [`FromEngine::BaseRefused`]. A [`ToEngine::Train`] whose spec has an
    /// [`Origin`](crate::model::Origin) then starts from its weights.
    ChooseBase { source: BaseSource },
    /// Make the engine panic once the run under way is past epoch `after_epoch`: a test
    /// hook for the page's handling of a crashed engine (the page sends it only when it
    /// was opened with `?debug=engine-panic`).
    PanicAfterEpoch { after_epoch: u32 },
    /// Run the training benchmark (`bench/`) on the chosen backend; the reply is a
    /// [`FromEngine::BenchDone`] or [`FromEngine::BenchFailed`]. Leaves the data set
    /// and the model in use as they were.
    Bench { settings: BenchSettings },
    /// Check this engine's compute kernels against plain arithmetic on random shapes
    /// drawn from `seed` ([`crate::kernels`]); the reply is a
    /// [`FromEngine::KernelChecked`]. Leaves the data set and the model as they were.
    KernelCheck { seed: u32 },
}

/// Which model to build on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseSource {
    /// The model in use (the pretrained digits, a trained, opened or restored model).
    InUse,
    /// The model file attached as `file` (a `Blob`): one the user chose, or a saved one.
    File { name: String },
}

/// Why the engine sent a model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilePurpose {
    /// The run under way finished an epoch: the weights and history so far.
    Checkpoint { epoch: u32 },
    /// A run finished: the trained model, with its test metrics.
    Trained,
    /// The answer to [`ToEngine::SaveModel`].
    Requested { id: u32 },
}

/// A [`FromEngine::Booted`] from an engine that does not say: one thread.
fn one_thread() -> usize {
    1
}

/// A message from the engine worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromEngine {
    /// The engine's wasm is downloading (posted by the worker's loader script).
    Loading {
        /// Bytes received so far.
        loaded: f64,
        /// Total bytes, when the server said.
        total: Option<f64>,
    },
    /// The engine's wasm runs and listens; the page answers with [`ToEngine::Init`].
    Booted {
        version: String,
        /// The threads the engine trains on: more than 1 in the threaded engine, which
        /// the page loads where it is cross-origin isolated (see
        /// [`crate::training::parallel`]).
        #[serde(default = "one_thread")]
        threads: usize,
    },
    /// The backend is chosen and ready for work.
    Ready {
        backend: Backend,
        /// Why WebGPU is not used, when it is not (no adapter, forced off, failed).
        fallback_reason: Option<String>,
    },
    /// Before a run where WebGPU is active: the trial of the model on the CPU and on
    /// WebGPU, and the backend the run trains on.
    BackendTrial { verdict: crate::autotune::Verdict },
    /// One step of the self test finished.
    SelfTestStep { step: u32, loss: f32 },
    /// The self test finished.
    SelfTestDone {
        first_loss: f32,
        last_loss: f32,
        steps_per_second: f64,
    },
    /// Reading a data set is under way: `done` of `total` (bytes or files).
    DataProgress {
        stage: String,
        done: f64,
        total: f64,
    },
    /// A data set was loaded and replaces the previous one. For tables, `config` is
    /// the proposed configuration and `report` what it gives.
    DataLoaded {
        summary: DataSummary,
        config: Option<DataConfig>,
        report: Option<DataReport>,
    },
    /// Augmented examples of the loaded images: for a few images, the original first and
    /// then random augmentations of it.
    AugmentationPreview { thumbnails: Vec<Thumbnail> },
    /// The outcome of [`ToEngine::ConfigureData`].
    DataReport { report: DataReport },
    /// A data set could not be loaded; the previous one stays loaded. `skippable_rows`
    /// is set when the problem is rows of the wrong length, which can be skipped.
    DataFailed {
        message: String,
        skippable_rows: Option<usize>,
    },
    /// A training run began.
    TrainStarted {
        epochs: u32,
        steps_per_epoch: u64,
        /// Training examples per epoch.
        examples: usize,
        parameters: u64,
        backend: Backend,
        /// The epochs the model had been trained for before this run (0 for a new model):
        /// the run's epochs are numbered on from there, up to `epochs`.
        #[serde(default)]
        from_epoch: u32,
    },
    /// Progress within an epoch (sent a few times a second, not after every step).
    TrainProgress {
        epoch: u32,
        /// Steps done in this run so far.
        step: u64,
        /// The mean training loss of the epoch so far (it ends at the epoch's loss).
        loss: f32,
        examples_per_second: f64,
        /// Seconds of training so far (pauses excluded).
        seconds: f64,
    },
    /// Epochs that finished and were evaluated on the validation split, in order: one
    /// epoch's alone when epochs take 100 ms or more; when they are shorter (a small table
    /// trains hundreds a second), those since the last such message, at most ten messages
    /// a second, and the rest when the run pauses, moves or ends.
    TrainEpoch {
        records: Vec<EpochRecord>,
        seconds: f64,
        /// The engine's WebAssembly memory at the end of the epoch, in bytes (it grows
        /// and never shrinks, so a leak shows as growth epoch after epoch).
        memory_bytes: f64,
    },
    /// The run was paused (`true`) or resumed (`false`).
    TrainPaused { paused: bool },
    /// The run ended: all epochs, early stopping, or the user's Stop. The model it
    /// trained is now the model in use (a [`FromEngine::ModelReady`] follows).
    TrainFinished { reason: String, seconds: f64 },
    /// The run could not start or stopped on an error (the previous model stays in use).
    TrainFailed { message: String },
    /// Training moved to another backend mid-run (WebGPU failed), from the last
    /// completed epoch.
    BackendSwitched {
        backend: Backend,
        reason: String,
        from_epoch: u32,
    },
    /// The model in use changed (pretrained, trained or opened).
    ModelReady { model: ModelSummary },
    /// The answer to [`ToEngine::Predict`].
    Predicted { id: u32, prediction: Prediction },
    /// A prediction could not be made; says why.
    PredictFailed { id: u32, message: String },
    /// A model file's bytes, attached as `bytes` (a `Uint8Array`).
    ModelFile {
        purpose: FilePurpose,
        /// A name to save it under (`iris-model.safetensors`).
        file_name: String,
    },
    /// How the model in use did on its held-out test split (`None`: a model that was not
    /// trained in this session has no test split here).
    Evaluated { evaluation: Option<Evaluation> },
    /// The answer to [`ToEngine::CellSamples`].
    CellSamples { samples: CellSamples },
    /// A benchmark run finished on `backend`.
    BenchDone {
        backend: Backend,
        result: BenchResult,
    },
    /// A benchmark run could not finish.
    BenchFailed { message: String },
    /// The answer to [`ToEngine::KernelCheck`]: each case's error against its allowance.
    KernelChecked {
        report: crate::kernels::KernelReport,
    },
    /// The answer to [`ToEngine::ChooseBase`]: the model to build on, layer by layer.
    BaseChosen { base: BaseSummary },
    /// A model that cannot be built on (no model in use, a broken file); says why. The
    /// model chosen before stays.
    BaseRefused { message: String },
    /// A text file to offer for download (the PyTorch export).
    TextFile {
        id: u32,
        file_name: String,
        text: String,
    },
    /// A model file could not be written (`id` of the request) or opened (`id` is
    /// `None`); says why. The model in use is unchanged.
    ModelFileFailed { id: Option<u32>, message: String },
    /// Something went wrong in the engine. `fatal` means the engine cannot continue
    /// (a panic, or its wasm failed to load) and the page must say so.
    Error { message: String, fatal: bool },
}

/// The compute backend the engine runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn's WebGPU backend on the browser's GPU adapter.
    WebGpu,
    /// burn's CPU backend (flex), compiled to WebAssembly with SIMD128.
    Cpu,
}

impl Backend {
    /// The name the page shows, with the threads the CPU trains on when there are more
    /// than one ("CPU (WebAssembly SIMD, 4 threads)"): the header, and a run's recorded cost.
    pub fn label_on(self, threads: usize) -> String {
        match self {
            Backend::Cpu if threads > 1 => format!("CPU (WebAssembly SIMD, {threads} threads)"),
            _ => self.label().to_string(),
        }
    }

    /// The name the page shows to users.
    pub fn label(self) -> &'static str {
        match self {
            Backend::WebGpu => "WebGPU",
            Backend::Cpu => "CPU (WebAssembly SIMD)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_to_the_engine_are_tagged_by_type_and_from_it_by_their_only_key() {
        let json = serde_json::to_value(ToEngine::Init {
            force_cpu: true,
            prefer_webgpu: false,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "init", "force_cpu": true, "prefer_webgpu": false})
        );
        let ready = FromEngine::Ready {
            backend: Backend::WebGpu,
            fallback_reason: None,
        };
        let json = serde_json::to_value(&ready).unwrap();
        assert_eq!(json["ready"]["backend"], "web_gpu");
        let stopped = FromEngine::TrainPaused { paused: true };
        assert_eq!(
            serde_json::to_value(&stopped).unwrap()["train_paused"]["paused"],
            true
        );
    }

    #[test]
    fn the_loaders_progress_message_parses() {
        // The worker's JavaScript loader posts this shape by hand.
        let from_js = serde_json::json!({"loading": {"loaded": 1024.0, "total": null}});
        let message: FromEngine = serde_json::from_value(from_js).unwrap();
        assert_eq!(
            message,
            FromEngine::Loading {
                loaded: 1024.0,
                total: None
            }
        );
    }

    #[test]
    fn backend_labels_are_what_users_read() {
        assert_eq!(Backend::WebGpu.label(), "WebGPU");
        assert_eq!(Backend::Cpu.label(), "CPU (WebAssembly SIMD)");
        assert_eq!(Backend::Cpu.label_on(1), "CPU (WebAssembly SIMD)");
        assert_eq!(
            Backend::Cpu.label_on(8),
            "CPU (WebAssembly SIMD, 8 threads)"
        );
        assert_eq!(Backend::WebGpu.label_on(8), "WebGPU");
    }
}
