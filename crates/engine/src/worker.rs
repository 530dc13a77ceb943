//! The Web Worker side of the protocol: receives [`ToEngine`] messages, runs them one at
//! a time, and posts [`FromEngine`] messages back.

use futures::StreamExt;
use futures::channel::mpsc;
use hearth_core::protocol::{Backend, FilePurpose, FromEngine, ToEngine};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::backend::Backends;
use hearth_core::data::images::{ImageFile, ImageShape};
use hearth_core::data::session::DataSession;
use hearth_core::inference::ActiveModel;
use hearth_core::model::summary::{ModelSource, PredictInput};
use hearth_core::training::{Job, StepOutcome};

/// The digit model that ships with the page (trained by `scripts/make-digits-model.sh`).
const PRETRAINED: &str = "digits.safetensors";
/// How often training progress is posted, and how long training runs before it lets the
/// worker's event loop deliver messages (Pause, Stop, Predict), in milliseconds.
const PROGRESS_EVERY_MS: f64 = 100.0;
const YIELD_EVERY_MS: f64 = 30.0;
/// How many image files are read at once.
const IMAGE_READS_AT_ONCE: usize = 32;

/// Files the page attached to a message (`file` for a CSV, `files` for images).
#[derive(Default)]
struct Attachments {
    file: Option<web_sys::Blob>,
    files: Vec<web_sys::Blob>,
}

impl Attachments {
    /// Takes the attachments off a message, so that only serde data remains.
    fn take(data: &JsValue) -> Self {
        let mut attachments = Attachments::default();
        if let Ok(file) = js_sys::Reflect::get(data, &JsValue::from_str("file"))
            && let Ok(file) = file.dyn_into::<web_sys::Blob>()
        {
            attachments.file = Some(file);
        }
        if let Ok(files) = js_sys::Reflect::get(data, &JsValue::from_str("files"))
            && let Ok(files) = files.dyn_into::<js_sys::Array>()
        {
            attachments.files = files
                .iter()
                .filter_map(|file| file.dyn_into().ok())
                .collect();
        }
        if data.is_object() {
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("file"),
            );
            let _ = js_sys::Reflect::delete_property(
                data.unchecked_ref::<js_sys::Object>(),
                &JsValue::from_str("files"),
            );
        }
        attachments
    }
}

/// The engine's state between messages.
#[derive(Default)]
struct Engine {
    backends: Backends,
    data: DataSession,
    /// The training run under way.
    run: Option<Run>,
    /// The model predictions use.
    model: Option<ActiveModel>,
    /// Whether the pretrained model has been asked for.
    pretrained_requested: bool,
    /// A test asked for a panic once a run is past this epoch.
    panic_after_epoch: Option<u32>,
    /// Files handed over for the next `LoadImages` ([`ToEngine::AttachFiles`]).
    pending_files: Vec<web_sys::Blob>,
}

/// A training run and its clock.
struct Run {
    job: Job,
    paused: bool,
    /// Milliseconds trained so far, pauses excluded, up to `since`.
    active_ms: f64,
    since: f64,
    last_post: f64,
    epoch: u32,
    steps: u64,
    examples: usize,
    /// The name the run's model files are offered under.
    file_name: String,
    /// The epoch so far: summed batch losses (weighted by batch size) and examples.
    epoch_loss: (f64, usize),
}

impl Run {
    fn seconds(&self) -> f64 {
        let running = if self.paused { 0.0 } else { now() - self.since };
        (self.active_ms + running) / 1000.0
    }
}

thread_local! {
    /// The worker's `performance` object and its `now` method, looked up once (looking
    /// them up on every reading once cost 2.8 ms a call here, most of it the static
    /// constructors that then re-ran on every call into the engine; see `main`).
    static PERFORMANCE_NOW: Option<(JsValue, js_sys::Function)> = {
        let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
        performance.and_then(|performance| {
            let now = js_sys::Reflect::get(&performance, &"now".into()).ok()?;
            Some((performance, now.dyn_into().ok()?))
        })
    };
}

/// `performance.now()`: milliseconds with sub-millisecond resolution (`Date.now()` has
/// whole milliseconds only, too coarse for one prediction).
fn precise_now() -> f64 {
    PERFORMANCE_NOW
        .with(|cached| {
            let (performance, now) = cached.as_ref()?;
            now.call0(performance).ok()?.as_f64()
        })
        .unwrap_or_else(now)
}

/// The size of the engine's wasm memory, in bytes (it only grows).
fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Starts the engine: reports panics to the page, listens, and says it has booted.
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        post(&FromEngine::Error {
            message: format!(
                "the engine hit a bug and stopped ({}). Press Restart the engine: your data and the model of the last finished epoch come back.",
                hearth_core::error::describe_panic(info)
            ),
            fatal: true,
        });
    }));

    // Messages are queued and handled in order by one task, so a backend switch never
    // overlaps with work on the previous backend.
    let (sender, mut receiver) = mpsc::unbounded::<(ToEngine, Attachments)>();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let attachments = Attachments::take(&data);
            match serde_wasm_bindgen::from_value(data) {
                Ok(message) => {
                    let _ = sender.unbounded_send((message, attachments));
                }
                Err(error) => post(&FromEngine::Error {
                    message: format!("the engine got a message it does not understand: {error}"),
                    fatal: false,
                }),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    wasm_bindgen_futures::spawn_local(async move {
        let mut engine = Engine::default();
        let mut last_yield = now();
        loop {
            let training = engine.run.as_ref().is_some_and(|run| !run.paused);
            if !training {
                match receiver.next().await {
                    Some((message, attachments)) => {
                        handle(&mut engine, message, attachments).await;
                    }
                    None => break,
                }
                continue;
            }
            // While training, messages are handled between steps.
            while let Ok((message, attachments)) = receiver.try_recv() {
                handle(&mut engine, message, attachments).await;
            }
            // A Pause (or a new data set) among them holds the next step.
            if engine.run.as_ref().is_none_or(|run| run.paused) {
                continue;
            }
            train_step(&mut engine).await;
            // A CPU step never waits on the event loop, so let it deliver messages.
            if now() - last_yield > YIELD_EVERY_MS {
                yield_now().await;
                last_yield = now();
            }
        }
    });

    post(&FromEngine::Booted {
        version: env!("CARGO_PKG_VERSION").to_string(),
    });
}

/// Lets the worker's event loop run (and deliver messages) before continuing.
async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Trains one step of the run and posts what happened.
async fn train_step(engine: &mut Engine) {
    let Some(run) = engine.run.as_mut() else {
        return;
    };
    let batch = run.job.batch_size();
    match run.job.step().await {
        Ok(StepOutcome::Step { epoch, step, loss }) => {
            if engine.panic_after_epoch.is_some_and(|after| epoch > after) {
                panic!("a test panic in epoch {epoch}, asked for by ?debug=engine-panic");
            }
            run.epoch = epoch;
            run.steps = step;
            run.examples += batch;
            run.epoch_loss.0 += f64::from(loss) * batch as f64;
            run.epoch_loss.1 += batch;
            if now() - run.last_post >= PROGRESS_EVERY_MS {
                run.last_post = now();
                let mean = run.epoch_loss.0 / run.epoch_loss.1.max(1) as f64;
                post_progress(run, mean as f32);
            }
        }
        Ok(StepOutcome::Epoch(record)) => {
            run.steps += 1;
            run.examples += batch;
            run.epoch_loss = (0.0, 0);
            post_progress(run, record.train_loss);
            let epoch = record.epoch;
            post(&FromEngine::TrainEpoch {
                seconds: run.seconds(),
                record,
                memory_bytes: wasm_memory_bytes(),
            });
            // The page keeps the run so far, so that a reload loses at most an epoch.
            match run.job.file_bytes().await {
                Ok(bytes) => post_with_bytes(
                    &FromEngine::ModelFile {
                        purpose: FilePurpose::Checkpoint { epoch },
                        file_name: run.file_name.clone(),
                    },
                    &bytes,
                ),
                Err(error) => web_sys::console::warn_1(
                    &format!("the checkpoint after epoch {epoch} was not written: {error}").into(),
                ),
            }
        }
        Ok(StepOutcome::Finished { reason }) => {
            let seconds = run.seconds();
            let examples = run.job.examples_trained();
            let model = run.job.model().await;
            engine.run = None;
            post(&FromEngine::TrainFinished { reason, seconds });
            match model {
                Ok(mut model) => {
                    model.card.trained_at =
                        Some(String::from(js_sys::Date::new_0().to_iso_string()));
                    model.summary.card = model.card.clone();
                    model.record_training(seconds, examples, engine.backends.active().label());
                    post(&FromEngine::ModelReady {
                        model: model.summary.clone(),
                    });
                    post(&FromEngine::Evaluated {
                        evaluation: model.evaluation.clone(),
                    });
                    match model.file_bytes().await {
                        Ok(bytes) => post_with_bytes(
                            &FromEngine::ModelFile {
                                purpose: FilePurpose::Trained,
                                file_name: model.file_name(),
                            },
                            &bytes,
                        ),
                        Err(message) => post(&FromEngine::ModelFileFailed { id: None, message }),
                    }
                    engine.model = Some(model);
                }
                Err(message) => post(&FromEngine::TrainFailed { message }),
            }
        }
        Err(hearth_core::Error::Backend(detail)) if engine.backends.active() == Backend::WebGpu => {
            // The GPU failed (a lost device, a failed read): go on on the CPU from the
            // last completed epoch, whose weights were copied to the host.
            web_sys::console::warn_1(&format!("WebGPU failed mid-run: {detail}").into());
            let reason = "WebGPU stopped working (the GPU device was lost or failed)".to_string();
            engine.backends.give_up_webgpu(reason.clone());
            match run.job.move_to(&engine.backends.cpu_device()) {
                Ok(from_epoch) => {
                    run.epoch = from_epoch + 1;
                    run.epoch_loss = (0.0, 0);
                    post(&FromEngine::BackendSwitched {
                        backend: Backend::Cpu,
                        reason,
                        from_epoch,
                    });
                }
                Err(message) => {
                    engine.run = None;
                    post(&FromEngine::TrainFailed {
                        message: format!(
                            "{reason}, and training could not go on on the CPU: {message}"
                        ),
                    });
                }
            }
        }
        Err(error) => {
            engine.run = None;
            post(&FromEngine::TrainFailed {
                message: error.to_string(),
            });
        }
    }
}

fn post_progress(run: &Run, loss: f32) {
    let seconds = run.seconds();
    post(&FromEngine::TrainProgress {
        epoch: run.epoch.max(1),
        step: run.steps,
        loss,
        examples_per_second: run.examples as f64 / seconds.max(1e-6),
        seconds,
    });
}

/// Ends the run under way because the data changed under it.
fn drop_run(engine: &mut Engine) {
    if engine.run.take().is_some() {
        post(&FromEngine::TrainFailed {
            message: "Training stopped: the data set changed.".to_string(),
        });
    }
}

/// Loads the digit model that ships with the page, once.
async fn load_pretrained(engine: &mut Engine) {
    if engine.pretrained_requested {
        return;
    }
    engine.pretrained_requested = true;
    let bytes = match fetch_bytes(PRETRAINED).await {
        Ok(bytes) => bytes,
        Err(reason) => {
            post(&FromEngine::Error {
                message: format!("The pretrained digit model did not load ({reason})."),
                fatal: false,
            });
            return;
        }
    };
    match ActiveModel::open(
        PRETRAINED,
        &bytes,
        &engine.backends.cpu_device(),
        ModelSource::Pretrained,
    ) {
        Ok(model) => {
            // A model trained or opened meanwhile wins.
            if engine.model.is_none() {
                post(&FromEngine::ModelReady {
                    model: model.summary.clone(),
                });
                engine.model = Some(model);
            }
        }
        Err(error) => post(&FromEngine::Error {
            message: format!("The pretrained digit model is damaged: {error}"),
            fatal: false,
        }),
    }
}

/// The bytes at a URL of the page's own origin.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = wasm_bindgen_futures::JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|error| format!("{error:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "no response")?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(
        response
            .array_buffer()
            .map_err(|error| format!("{error:?}"))?,
    )
    .await
    .map_err(|error| format!("{error:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn handle(engine: &mut Engine, message: ToEngine, attachments: Attachments) {
    if matches!(
        message,
        ToEngine::LoadCsv { .. }
            | ToEngine::LoadImages { .. }
            | ToEngine::LoadBuiltin { .. }
            | ToEngine::ConfigureData { .. }
            | ToEngine::SetAugmentation { .. }
    ) {
        drop_run(engine);
    }
    if matches!(
        message,
        ToEngine::LoadCsv { .. } | ToEngine::LoadBuiltin { .. }
    ) {
        engine.pending_files.clear();
    }
    let backends = &mut engine.backends;
    match message {
        ToEngine::Init { force_cpu } => {
            let (backend, fallback_reason) = backends.select(force_cpu).await;
            post(&FromEngine::Ready {
                backend,
                fallback_reason,
            });
            load_pretrained(engine).await;
        }
        ToEngine::Train { spec, config } => {
            engine.run = None;
            let device = engine.backends.active_device();
            match Job::start(&engine.data, spec, config, &device) {
                Ok(mut job) => {
                    if engine.backends.active() == Backend::WebGpu {
                        // So that a lost GPU costs at most the epoch under way.
                        job.keep_checkpoints();
                    }
                    let (epochs, steps_per_epoch, examples, parameters) = job.plan();
                    let backend = engine.backends.active();
                    post(&FromEngine::TrainStarted {
                        epochs,
                        steps_per_epoch,
                        examples,
                        parameters,
                        backend,
                    });
                    let file_name = job.file_name();
                    engine.run = Some(Run {
                        job,
                        paused: false,
                        active_ms: 0.0,
                        since: now(),
                        last_post: now(),
                        epoch: 1,
                        steps: 0,
                        examples: 0,
                        epoch_loss: (0.0, 0),
                        file_name,
                    });
                }
                Err(message) => post(&FromEngine::TrainFailed { message }),
            }
        }
        ToEngine::Pause => {
            if let Some(run) = engine.run.as_mut()
                && !run.paused
            {
                run.active_ms += now() - run.since;
                run.paused = true;
                post(&FromEngine::TrainPaused { paused: true });
            }
        }
        ToEngine::Resume => {
            if let Some(run) = engine.run.as_mut()
                && run.paused
            {
                run.since = now();
                run.paused = false;
                post(&FromEngine::TrainPaused { paused: false });
            }
        }
        ToEngine::Stop => {
            if let Some(run) = engine.run.as_mut() {
                run.job.stop();
                if run.paused {
                    run.since = now();
                    run.paused = false;
                }
            }
        }
        ToEngine::Predict { id, input } => {
            let Some(model) = &engine.model else {
                post(&FromEngine::PredictFailed {
                    id,
                    message: "There is no model yet: train one in step 3.".to_string(),
                });
                return;
            };
            let file = match (&input, &attachments.file) {
                (PredictInput::ImageFile { .. }, Some(file)) => read_blob(file).await.ok(),
                _ => None,
            };
            match model.predict(&input, file.as_deref()).await {
                Ok(prediction) => post(&FromEngine::Predicted { id, prediction }),
                Err(message) => post(&FromEngine::PredictFailed { id, message }),
            }
        }
        ToEngine::SaveModel { id } => {
            let Some(model) = &engine.model else {
                post(&FromEngine::ModelFileFailed {
                    id: Some(id),
                    message: "There is no model to save yet: train one in step 3.".to_string(),
                });
                return;
            };
            match model.file_bytes().await {
                Ok(bytes) => post_with_bytes(
                    &FromEngine::ModelFile {
                        purpose: FilePurpose::Requested { id },
                        file_name: model.file_name(),
                    },
                    &bytes,
                ),
                Err(message) => post(&FromEngine::ModelFileFailed {
                    id: Some(id),
                    message: format!("The model could not be written: {message}"),
                }),
            }
        }
        ToEngine::CellSamples { truth, predicted } => {
            if let Some(model) = &engine.model {
                post(&FromEngine::CellSamples {
                    samples: model.cell_samples(truth, predicted, 24),
                });
            }
        }
        ToEngine::SetCard {
            intended_use,
            limitations,
        } => {
            if let Some(model) = engine.model.as_mut() {
                model.set_card(&intended_use, &limitations);
            }
        }
        ToEngine::ExportCard { id } => {
            let Some(model) = &engine.model else {
                post(&FromEngine::ModelFileFailed {
                    id: Some(id),
                    message: "There is no model yet.".to_string(),
                });
                return;
            };
            post(&FromEngine::TextFile {
                id,
                file_name: model.file_name().replace(".safetensors", "-card.md"),
                text: model.card_markdown(),
            });
        }
        ToEngine::ExportPytorch { id } => {
            let Some(model) = &engine.model else {
                post(&FromEngine::ModelFileFailed {
                    id: Some(id),
                    message: "There is no model to export yet: train one in step 3.".to_string(),
                });
                return;
            };
            let file_name = model.file_name();
            match hearth_core::model::export::pytorch(&model.document(), &file_name) {
                Ok(text) => post(&FromEngine::TextFile {
                    id,
                    file_name: format!(
                        "{}.py",
                        hearth_core::model::export::module_name(&file_name)
                    ),
                    text,
                }),
                Err(message) => post(&FromEngine::ModelFileFailed {
                    id: Some(id),
                    message: format!("The PyTorch file could not be written: {message}"),
                }),
            }
        }
        ToEngine::AttachFiles { total } => {
            engine.pending_files.extend(attachments.files);
            post(&FromEngine::DataProgress {
                stage: "Receiving images".to_string(),
                done: engine.pending_files.len() as f64,
                total: f64::from(total),
            });
        }
        ToEngine::PanicAfterEpoch { after_epoch } => {
            engine.panic_after_epoch = Some(after_epoch);
        }
        ToEngine::Bench { settings } => {
            // The benchmark owns the worker while it runs; a run under way is dropped.
            drop_run(engine);
            let device = engine.backends.active_device();
            let backend = engine.backends.active();
            match hearth_core::bench::run(settings, &device, &precise_now, &wasm_memory_bytes).await
            {
                Ok(result) => post(&FromEngine::BenchDone { backend, result }),
                Err(message) => post(&FromEngine::BenchFailed { message }),
            }
        }
        ToEngine::OpenModel { name, source } => {
            let opened = match &attachments.file {
                None => Err(format!("{name} did not reach the engine; choose it again.")),
                Some(file) => match read_blob(file).await {
                    Err(reason) => Err(format!("{name} could not be read ({reason}).")),
                    Ok(bytes) => {
                        ActiveModel::open(&name, &bytes, &engine.backends.cpu_device(), source)
                            .map_err(|error| error.to_string())
                            .and_then(|model| model.fits(&name, &engine.data).map(|()| model))
                    }
                },
            };
            match opened {
                Ok(model) => {
                    post(&FromEngine::ModelReady {
                        model: model.summary.clone(),
                    });
                    post(&FromEngine::Evaluated { evaluation: None });
                    engine.model = Some(model);
                }
                Err(message) => post(&FromEngine::ModelFileFailed { id: None, message }),
            }
        }
        ToEngine::SelfTest { steps } => {
            let device = backends.active_device();
            let started = js_sys::Date::now();
            let result =
                hearth_core::selftest::train_tiny_mlp(&device, steps as usize, |step, loss| {
                    post(&FromEngine::SelfTestStep {
                        step: step as u32,
                        loss,
                    })
                })
                .await;
            match result {
                Ok(losses) => {
                    let seconds = ((js_sys::Date::now() - started) / 1000.0).max(1e-6);
                    post(&FromEngine::SelfTestDone {
                        first_loss: losses.first().copied().unwrap_or(f32::NAN),
                        last_loss: losses.last().copied().unwrap_or(f32::NAN),
                        steps_per_second: losses.len() as f64 / seconds,
                    });
                }
                Err(error) => post(&FromEngine::Error {
                    message: format!("the engine check failed: {error}"),
                    fatal: false,
                }),
            }
        }
        ToEngine::LoadCsv { name, skip_ragged } => {
            let Some(file) = attachments.file else {
                post(&failed(format!(
                    "{name} did not reach the engine; choose the file again."
                )));
                return;
            };
            let total = file.size();
            post(&FromEngine::DataProgress {
                stage: format!("Reading {name}"),
                done: 0.0,
                total,
            });
            let bytes = match read_blob(&file).await {
                Ok(bytes) => bytes,
                Err(reason) => {
                    post(&failed(format!(
                        "{name} could not be read ({reason}). Choose it again."
                    )));
                    return;
                }
            };
            let stage = format!("Parsing {name}");
            let reply = engine
                .data
                .load_csv(&name, &bytes, skip_ragged, &mut |done| {
                    post(&FromEngine::DataProgress {
                        stage: stage.clone(),
                        done: done as f64,
                        total,
                    })
                });
            post(&reply);
        }
        ToEngine::LoadImages {
            name,
            paths,
            classes,
            width,
            height,
            channels,
        } => {
            let mut blobs = std::mem::take(&mut engine.pending_files);
            blobs.extend(attachments.files);
            let total = blobs.len() as f64;
            let mut files = Vec::with_capacity(blobs.len());
            // Several reads at a time (one at a time took 14 s for 5,000 small files),
            // their results in order.
            let mut reads = futures::stream::iter(blobs.iter().map(read_blob))
                .buffered(IMAGE_READS_AT_ONCE)
                .enumerate();
            let mut paths = paths.into_iter();
            while let Some((index, read)) = reads.next().await {
                if index % 25 == 0 {
                    post(&FromEngine::DataProgress {
                        stage: "Reading images".to_string(),
                        done: index as f64,
                        total,
                    });
                }
                let Some(path) = paths.next() else {
                    break;
                };
                // A file that cannot be read is passed on empty: it is then left out
                // with a message naming it, like a file that does not decode.
                files.push(ImageFile {
                    path,
                    class: classes.get(index).cloned().flatten(),
                    bytes: read.unwrap_or_default(),
                });
            }
            post(&FromEngine::DataProgress {
                stage: "Decoding images".to_string(),
                done: total,
                total,
            });
            let shape = ImageShape {
                width,
                height,
                channels,
            };
            post(&engine.data.load_images(&name, files, shape));
        }
        ToEngine::LoadBuiltin { name } => {
            post(&FromEngine::DataProgress {
                stage: format!("Loading {name}"),
                done: 0.0,
                total: 1.0,
            });
            post(&engine.data.load_builtin(&name));
        }
        ToEngine::ConfigureData { config } => post(&engine.data.configure(config)),
        ToEngine::SetAugmentation { augment } => post(&engine.data.set_augmentation(augment)),
    }
}

fn failed(message: String) -> FromEngine {
    FromEngine::DataFailed {
        message,
        skippable_rows: None,
    }
}

/// The bytes of a file the page sent.
async fn read_blob(blob: &web_sys::Blob) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .map_err(|error| format!("{error:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Posts one message to the page with `bytes` attached as its `bytes` property (a
/// `Uint8Array` whose buffer is transferred, not copied).
fn post_with_bytes(message: &FromEngine, bytes: &[u8]) {
    let result = serde_wasm_bindgen::to_value(message)
        .map_err(JsValue::from)
        .and_then(|data| {
            let array = js_sys::Uint8Array::from(bytes);
            js_sys::Reflect::set(&data, &JsValue::from_str("bytes"), &array)?;
            scope().post_message_with_transfer(&data, &js_sys::Array::of1(&array.buffer()))
        });
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}

/// Posts one message to the page.
pub fn post(message: &FromEngine) {
    let result = serde_wasm_bindgen::to_value(message)
        .map_err(JsValue::from)
        .and_then(|data| scope().post_message(&data));
    if let Err(error) = result {
        web_sys::console::error_1(&error);
    }
}
