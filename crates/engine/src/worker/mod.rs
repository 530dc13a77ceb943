//! The Web Worker side of the protocol: receives [`ToEngine`] messages, runs them one at
//! a time, and posts [`FromEngine`] messages back.
//!
//! [`start`] installs the panic hook and the message listener and runs the message loop;
//! `transport` is the link with the page, `dispatch` the one `match` on messages, and
//! each concern has its own file of `EngineState` methods: `data`, `training` (with the
//! run's bookkeeping in `run`), `prediction`, `files` and `bench`.

mod bench;
mod data;
mod decode;
mod dispatch;
mod files;
mod measure;
mod prediction;
mod run;
mod sound;
#[cfg(feature = "threads")]
mod threads;
mod training;
pub(crate) mod transport;

use futures::StreamExt;
use futures::channel::mpsc;
use hearth_core::data::session::DataSession;
use hearth_core::inference::ActiveModel;
use hearth_core::protocol::{Backend, FromEngine, ToEngine};
use hearth_core::training::WarmUp;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::backend::Backends;
use measure::now;
use run::Run;
use transport::{Attachments, scope};

pub use transport::post;

/// How long training runs before it lets the worker's event loop deliver messages
/// (Pause, Stop, Predict), in milliseconds.
const YIELD_EVERY_MS: f64 = 30.0;

/// The engine's state between messages.
#[derive(Default)]
struct EngineState {
    /// The compute devices, and which one is active.
    backends: Backends,
    /// The data set loaded and how it is configured.
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
    /// The model chosen to build new models on ([`ToEngine::ChooseBase`]).
    base: Option<hearth_core::training::transfer::Base>,
    /// Train on WebGPU without a trial against the CPU (the user's choice).
    prefer_webgpu: bool,
    /// The trials so far: each model shape's verdict (see `training::measured`).
    #[cfg_attr(not(feature = "webgpu"), allow(dead_code))]
    verdicts: Vec<(String, hearth_core::autotune::Verdict)>,
    /// Whether the warm-up has been started (once per worker).
    warmed: bool,
    /// The warm-up under way on the CPU ([`WarmUp`]), a step whenever no message waits,
    /// and when it started (ms).
    warm_up: Option<(WarmUp, f64)>,
}

impl EngineState {
    /// Chooses the backend (WebGPU unless `force_cpu`; each model's first run then trains
    /// on the faster by a trial, unless `prefer_webgpu`), says which, and loads the
    /// pretrained model the first time.
    async fn init(&mut self, force_cpu: bool, prefer_webgpu: bool) {
        self.prefer_webgpu = prefer_webgpu;
        let (backend, fallback_reason) = self.backends.select(force_cpu).await;
        post(&FromEngine::Ready {
            backend,
            fallback_reason,
        });
        self.load_pretrained().await;
        // Training on the CPU gets its code compiled before the first Train (see WarmUp).
        // Once per worker: a second Init (the engine's check) does not start it again.
        if backend == Backend::Cpu && !self.warmed {
            self.warmed = true;
            self.warm_up = Some((WarmUp::new(&self.backends.cpu_device()), now()));
        }
    }

    /// Trains one step of the warm-up, and ends it when it is done (the console's debug
    /// level says how long it took) or fails (the console says why: it only makes the
    /// first training faster).
    async fn warm_up_step(&mut self) {
        let Some((warm_up, started)) = &mut self.warm_up else {
            return;
        };
        match warm_up.step().await {
            Ok(true) => {}
            Ok(false) => {
                web_sys::console::debug_1(
                    &format!(
                        "Hearth's engine warmed up: {} training steps in {:.0} ms",
                        warm_up.steps_done(),
                        now() - *started
                    )
                    .into(),
                );
                self.warm_up = None;
            }
            Err(error) => {
                web_sys::console::warn_1(&format!("The engine's warm-up stopped: {error}").into());
                self.warm_up = None;
            }
        }
    }

    /// Whether a run is under way and not paused.
    fn is_training(&self) -> bool {
        self.run.as_ref().is_some_and(|run| !run.is_paused())
    }
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
    let (sender, receiver) = mpsc::unbounded::<(ToEngine, Attachments)>();
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

    wasm_bindgen_futures::spawn_local(run_messages(receiver));
    wasm_bindgen_futures::spawn_local(async {
        post(&FromEngine::Booted {
            version: env!("CARGO_PKG_VERSION").to_string(),
            threads: start_threads().await,
        });
    });
}

/// The threads training uses: in the threaded engine, every core the browser offers, once
/// their workers run (one when they cannot start: then the console says why); otherwise 1.
async fn start_threads() -> usize {
    #[cfg(feature = "threads")]
    {
        let cores = scope().navigator().hardware_concurrency() as usize;
        match threads::start(cores.max(1)).await {
            Ok(threads) => return threads,
            Err(error) => {
                web_sys::console::warn_1(&format!("Hearth trains on one thread: {error}").into())
            }
        }
    }
    1
}

/// The message loop: waits for messages while no run trains, and between training steps
/// handles those that came meanwhile.
async fn run_messages(mut receiver: mpsc::UnboundedReceiver<(ToEngine, Attachments)>) {
    let mut engine = EngineState::default();
    let mut last_yield = now();
    loop {
        if !engine.is_training() {
            // The warm-up trains a step at a time while no message waits.
            if engine.warm_up.is_some() {
                match receiver.try_recv() {
                    Ok((message, attachments)) => engine.dispatch(message, attachments).await,
                    Err(_) => {
                        engine.warm_up_step().await;
                        yield_now().await;
                        last_yield = now();
                    }
                }
                continue;
            }
            match receiver.next().await {
                Some((message, attachments)) => engine.dispatch(message, attachments).await,
                None => break,
            }
            continue;
        }
        // While training, messages are handled between steps.
        while let Ok((message, attachments)) = receiver.try_recv() {
            engine.dispatch(message, attachments).await;
        }
        // A Pause (or a new data set) among them holds the next step.
        if !engine.is_training() {
            continue;
        }
        engine.train_step().await;
        // A CPU step never waits on the event loop, so let it deliver messages.
        if now() - last_yield > YIELD_EVERY_MS {
            yield_now().await;
            last_yield = now();
        }
    }
}

/// Lets the worker's event loop run (and deliver messages) before continuing.
async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
