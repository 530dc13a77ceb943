//! What the page knows about the engine worker, as a plain struct the UI renders.
//!
//! All reactions to engine messages live here (not in components), so they are tested
//! natively without a browser.

use hearth_core::protocol::{Backend, FromEngine, ToEngine};

use crate::widgets::format::megabytes;

/// Where the engine is in its life.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// The engine's wasm is downloading.
    Loading { loaded: f64, total: Option<f64> },
    /// The wasm runs; the backend is being chosen (WebGPU start-up can take a moment).
    Starting,
    /// Ready for work on `backend`.
    Ready {
        backend: Backend,
        fallback_reason: Option<String>,
    },
    /// The engine cannot continue; `message` says why and what to do.
    Failed { message: String },
}

/// The self test's state: a tiny network trained in the engine.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SelfTest {
    /// Whether the engine is running it.
    pub running: bool,
    /// The loss after each step so far.
    pub losses: Vec<f32>,
    /// The speed, once it is done.
    pub steps_per_second: Option<f64>,
}

/// The WebGPU engine. Every visit starts on the CPU engine (small, quick to load); where
/// the browser offers a WebGPU adapter, the WebGPU engine loads in the background and the
/// page's work moves onto it once it has booted and nothing is running.
#[derive(Debug, Clone, PartialEq)]
pub enum GpuEngine {
    /// Not looked for yet: the CPU engine is not ready, or the user forces the CPU.
    Waiting,
    /// The page is asking the browser for an adapter.
    Checking,
    /// There is none: the CPU engine is the engine. `reason` says why.
    Unavailable { reason: String },
    /// Its wasm is downloading in the background.
    Loading { loaded: f64, total: Option<f64> },
    /// It has booted in the background; the work moves onto it when nothing runs.
    Standby,
    /// It is the engine.
    InUse,
    /// It did not load or start; the CPU engine goes on.
    Failed { reason: String },
}

impl GpuEngine {
    /// Why the CPU computes, while this is the WebGPU engine's state (`None` when it is
    /// in use or not looked for).
    pub fn why_cpu(&self) -> Option<String> {
        match self {
            GpuEngine::Waiting | GpuEngine::InUse => None,
            GpuEngine::Checking => Some("looking for WebGPU".to_string()),
            GpuEngine::Unavailable { reason } => Some(reason.clone()),
            GpuEngine::Loading { loaded, total } => Some(match total {
                Some(total) if *total > 0.0 => format!(
                    "the WebGPU engine is loading: {} of {}",
                    megabytes(*loaded),
                    megabytes(*total)
                ),
                _ => format!("the WebGPU engine is loading: {}", megabytes(*loaded)),
            }),
            GpuEngine::Standby => {
                Some("WebGPU takes over as soon as the current work is done".to_string())
            }
            GpuEngine::Failed { reason } => Some(format!("the WebGPU engine failed: {reason}")),
        }
    }
}

/// Everything the page shows about the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineStatus {
    /// Where the engine is in its life.
    pub phase: Phase,
    /// The WebGPU engine, loading in the background or in use.
    pub gpu: GpuEngine,
    /// The user's choice to skip WebGPU.
    pub force_cpu: bool,
    /// The user's choice to train on WebGPU without the trial that picks the faster.
    pub prefer_webgpu: bool,
    /// The engine check.
    pub self_test: SelfTest,
    /// The last non-fatal error, shown until the next action.
    pub notice: Option<String>,
    /// A new engine (restarted, or the WebGPU engine taking over) is being given the
    /// page's work back: it is not ready for more until it has it.
    pub resuming: bool,
    /// The threads the engine trains on (its `Booted` says): more than 1 in the threaded
    /// engine, which loads where the page is cross-origin isolated.
    pub threads: usize,
}

/// How many steps the self test trains.
pub const SELF_TEST_STEPS: u32 = 20;

impl EngineStatus {
    /// A fresh status: the engine is loading.
    pub fn new(force_cpu: bool) -> Self {
        EngineStatus {
            phase: Phase::Loading {
                loaded: 0.0,
                total: None,
            },
            gpu: GpuEngine::Waiting,
            force_cpu,
            prefer_webgpu: false,
            self_test: SelfTest::default(),
            notice: None,
            resuming: false,
            threads: 1,
        }
    }

    /// Whether the page should look for WebGPU now: the CPU engine is ready, the user does
    /// not force the CPU, and it has not been looked for.
    pub fn wants_gpu(&self) -> bool {
        self.is_ready() && !self.force_cpu && self.gpu == GpuEngine::Waiting
    }

    /// Whether the work may move onto the booted WebGPU engine now: it waits, the engine
    /// in use is ready, nothing is `busy` (a run, a load, a check), and the user does not
    /// force the CPU.
    pub fn may_switch_to_gpu(&self, busy: bool) -> bool {
        self.gpu == GpuEngine::Standby
            && self.is_ready()
            && !self.self_test.running
            && !self.force_cpu
            && !busy
    }

    /// The booted WebGPU engine becomes the engine: it starts as a restarted one does
    /// (its `Booted` message is told the backend choice, and the keeper hands the work over).
    pub fn switch_to_gpu(&mut self) {
        self.restart();
        self.gpu = GpuEngine::InUse;
    }

    /// Applies one message from the engine; returns the messages to send back.
    pub fn on_message(&mut self, message: FromEngine) -> Vec<ToEngine> {
        match message {
            FromEngine::Loading { loaded, total } => {
                if matches!(self.phase, Phase::Loading { .. }) {
                    self.phase = Phase::Loading { loaded, total };
                }
                Vec::new()
            }
            FromEngine::Booted { threads, .. } => {
                self.phase = Phase::Starting;
                self.threads = threads.max(1);
                vec![self.init()]
            }
            FromEngine::Ready {
                backend,
                fallback_reason,
            } => {
                self.phase = Phase::Ready {
                    backend,
                    fallback_reason,
                };
                Vec::new()
            }
            FromEngine::SelfTestStep { loss, .. } => {
                self.self_test.losses.push(loss);
                Vec::new()
            }
            FromEngine::SelfTestDone {
                steps_per_second, ..
            } => {
                self.self_test.running = false;
                self.self_test.steps_per_second = Some(steps_per_second);
                Vec::new()
            }
            FromEngine::Error { message, fatal } => {
                self.self_test.running = false;
                if fatal {
                    // The first fatal message is the cause; a worker that aborted after a
                    // panic also raises a generic error event, which must not hide it.
                    if !matches!(self.phase, Phase::Failed { .. }) {
                        self.phase = Phase::Failed { message };
                    }
                } else {
                    self.notice = Some(message);
                }
                Vec::new()
            }
            FromEngine::BackendSwitched {
                backend, reason, ..
            } => {
                self.phase = Phase::Ready {
                    backend,
                    fallback_reason: Some(reason),
                };
                Vec::new()
            }
            // Data, training and model messages have their own states.
            FromEngine::DataProgress { .. }
            | FromEngine::DataLoaded { .. }
            | FromEngine::DataReport { .. }
            | FromEngine::AugmentationPreview { .. }
            | FromEngine::DataFailed { .. }
            | FromEngine::BackendTrial { .. }
            | FromEngine::TrainStarted { .. }
            | FromEngine::TrainProgress { .. }
            | FromEngine::TrainEpoch { .. }
            | FromEngine::TrainPaused { .. }
            | FromEngine::TrainFinished { .. }
            | FromEngine::TrainFailed { .. }
            | FromEngine::ModelReady { .. }
            | FromEngine::ModelFile { .. }
            | FromEngine::TextFile { .. }
            | FromEngine::Evaluated { .. }
            | FromEngine::CellSamples { .. }
            | FromEngine::ModelFileFailed { .. }
            | FromEngine::Predicted { .. }
            | FromEngine::PredictFailed { .. }
            | FromEngine::BenchDone { .. }
            | FromEngine::BenchFailed { .. }
            | FromEngine::KernelChecked { .. }
            | FromEngine::BaseChosen { .. }
            | FromEngine::BaseRefused { .. } => Vec::new(),
        }
    }

    /// The user changed the "force CPU" choice; returns the message to send, if the
    /// engine is listening yet (otherwise the choice is sent when it boots).
    pub fn set_force_cpu(&mut self, force_cpu: bool) -> Option<ToEngine> {
        self.force_cpu = force_cpu;
        self.init_again()
    }

    /// The user changed the "train on WebGPU without a trial" choice; as
    /// [`set_force_cpu`](Self::set_force_cpu).
    pub fn set_prefer_webgpu(&mut self, prefer_webgpu: bool) -> Option<ToEngine> {
        self.prefer_webgpu = prefer_webgpu;
        self.init_again()
    }

    /// The backend choice for the engine.
    fn init(&self) -> ToEngine {
        ToEngine::Init {
            force_cpu: self.force_cpu,
            prefer_webgpu: self.prefer_webgpu,
        }
    }

    /// The backend choice again, if the engine is listening yet.
    fn init_again(&mut self) -> Option<ToEngine> {
        match self.phase {
            Phase::Ready { .. } | Phase::Starting => {
                self.phase = Phase::Starting;
                Some(self.init())
            }
            Phase::Loading { .. } | Phase::Failed { .. } => None,
        }
    }

    /// The user asked for a new engine after the last one stopped: it loads again.
    pub fn restart(&mut self) {
        self.phase = Phase::Loading {
            loaded: 0.0,
            total: None,
        };
        self.self_test = SelfTest::default();
        self.notice = None;
    }

    /// Whether the engine stopped for good (a new one can be started).
    pub fn has_failed(&self) -> bool {
        matches!(self.phase, Phase::Failed { .. })
    }

    /// The user asked for the self test; returns the message to send, if the engine is ready.
    pub fn start_self_test(&mut self) -> Option<ToEngine> {
        if !self.is_ready() || self.self_test.running {
            return None;
        }
        self.notice = None;
        self.self_test = SelfTest {
            running: true,
            ..SelfTest::default()
        };
        Some(ToEngine::SelfTest {
            steps: SELF_TEST_STEPS,
        })
    }

    /// Whether the engine can take work.
    pub fn is_ready(&self) -> bool {
        matches!(self.phase, Phase::Ready { .. }) && !self.resuming
    }

    /// The backend label for the header.
    pub fn backend_label(&self) -> String {
        match &self.phase {
            Phase::Ready { backend, .. } => backend.label_on(self.threads),
            Phase::Loading { .. } | Phase::Starting => "starting…".to_string(),
            Phase::Failed { .. } => "unavailable".to_string(),
        }
    }

    /// One line on the engine's state, for the status bar.
    pub fn summary(&self) -> String {
        match &self.phase {
            Phase::Loading { loaded, total } => match total {
                Some(total) if *total > 0.0 => format!(
                    "Loading the engine: {} of {} ({:.0}%)",
                    megabytes(*loaded),
                    megabytes(*total),
                    (loaded / total * 100.0).min(100.0)
                ),
                _ => format!("Loading the engine: {}", megabytes(*loaded)),
            },
            Phase::Starting => "Starting the engine…".to_string(),
            Phase::Ready { backend, .. } if self.resuming => format!(
                "Giving the engine on {} your data and model…",
                backend.label()
            ),
            Phase::Ready {
                backend,
                fallback_reason,
            } => {
                let reason = match (backend, self.force_cpu) {
                    (Backend::Cpu, false) => self.gpu.why_cpu().or(fallback_reason.clone()),
                    _ => fallback_reason.clone(),
                };
                match reason {
                    Some(reason) => format!("Engine ready on {} ({reason})", backend.label()),
                    None => format!("Engine ready on {}", backend.label()),
                }
            }
            Phase::Failed { message } => format!("The engine stopped: {message}"),
        }
    }

    /// Loading progress from 0 to 1, when known.
    pub fn loading_fraction(&self) -> Option<f64> {
        match self.phase {
            Phase::Loading {
                loaded,
                total: Some(total),
            } if total > 0.0 => Some((loaded / total).clamp(0.0, 1.0)),
            Phase::Loading { .. } => None,
            _ => Some(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_engine_loads_again_and_is_told_the_backend_choice() {
        let mut status = EngineStatus::new(true);
        status.on_message(FromEngine::Error {
            message: "the engine hit a bug".into(),
            fatal: true,
        });
        assert!(status.has_failed());
        assert_eq!(status.backend_label(), "unavailable");
        status.restart();
        assert!(!status.has_failed());
        assert!(matches!(status.phase, Phase::Loading { .. }));
        let replies = status.on_message(FromEngine::Booted {
            version: "0.1.0".into(),
            threads: 1,
        });
        assert_eq!(
            replies,
            vec![ToEngine::Init {
                force_cpu: true,
                prefer_webgpu: false
            }]
        );
    }

    /// An engine on `threads` threads boots, then says it is ready on `backend`.
    fn boot(status: &mut EngineStatus, threads: usize, backend: Backend, reason: Option<&str>) {
        status.on_message(FromEngine::Booted {
            version: "0.1.0".into(),
            threads,
        });
        status.on_message(FromEngine::Ready {
            backend,
            fallback_reason: reason.map(str::to_string),
        });
    }

    fn ready_on_cpu(force_cpu: bool) -> EngineStatus {
        let mut status = EngineStatus::new(force_cpu);
        boot(&mut status, 1, Backend::Cpu, Some("this is the CPU engine"));
        status
    }

    #[test]
    fn the_threaded_engine_says_how_many_threads_it_trains_on() {
        let mut status = EngineStatus::new(false);
        boot(&mut status, 4, Backend::Cpu, None);
        assert_eq!(status.threads, 4);
        assert_eq!(status.backend_label(), "CPU (WebAssembly SIMD, 4 threads)");
        assert_eq!(
            ready_on_cpu(false).backend_label(),
            "CPU (WebAssembly SIMD)"
        );
        // The WebGPU engine (one thread) taking over says so.
        status.switch_to_gpu();
        boot(&mut status, 1, Backend::WebGpu, None);
        assert_eq!(status.threads, 1);
        assert_eq!(status.backend_label(), "WebGPU");
    }

    #[test]
    fn webgpu_is_looked_for_once_the_cpu_engine_is_ready_unless_the_cpu_is_forced() {
        let mut status = EngineStatus::new(false);
        assert!(!status.wants_gpu(), "the CPU engine is still loading");
        status = ready_on_cpu(false);
        assert!(status.wants_gpu());
        status.gpu = GpuEngine::Checking;
        assert!(!status.wants_gpu(), "only once");
        assert!(!ready_on_cpu(true).wants_gpu(), "the user forces the CPU");
        status.gpu = GpuEngine::Unavailable {
            reason: "no WebGPU adapter on this device".into(),
        };
        assert_eq!(
            status.summary(),
            "Engine ready on CPU (WebAssembly SIMD) (no WebGPU adapter on this device)"
        );
    }

    #[test]
    fn the_work_moves_onto_the_webgpu_engine_only_when_nothing_runs() {
        let mut status = ready_on_cpu(false);
        status.gpu = GpuEngine::Loading {
            loaded: 1_000_000.0,
            total: Some(4_000_000.0),
        };
        assert_eq!(
            status.summary(),
            "Engine ready on CPU (WebAssembly SIMD) (the WebGPU engine is loading: 1.0 MB of 4.0 MB)"
        );
        assert!(!status.may_switch_to_gpu(false), "not booted yet");
        status.gpu = GpuEngine::Standby;
        assert!(
            !status.may_switch_to_gpu(true),
            "a run or a load is under way"
        );
        status.start_self_test();
        assert!(!status.may_switch_to_gpu(false), "the engine check runs");
        status.on_message(FromEngine::SelfTestDone {
            first_loss: 0.7,
            last_loss: 0.5,
            steps_per_second: 100.0,
        });
        assert!(status.may_switch_to_gpu(false));
        status.switch_to_gpu();
        assert_eq!(status.gpu, GpuEngine::InUse);
        assert!(matches!(status.phase, Phase::Loading { .. }));
        assert_eq!(
            status.on_message(FromEngine::Booted {
                version: "0.1.0".into(),
                threads: 1,
            }),
            vec![ToEngine::Init {
                force_cpu: false,
                prefer_webgpu: false
            }]
        );
        // Ready, but the page's data is still being loaded into it: no work yet.
        status.resuming = true;
        status.on_message(FromEngine::Ready {
            backend: Backend::WebGpu,
            fallback_reason: None,
        });
        assert!(!status.is_ready());
        assert_eq!(status.start_self_test(), None);
        assert_eq!(
            status.summary(),
            "Giving the engine on WebGPU your data and model…"
        );
        status.resuming = false;
        assert!(status.is_ready());
        assert_eq!(status.summary(), "Engine ready on WebGPU");
        assert!(!status.may_switch_to_gpu(false) && !status.wants_gpu());
    }

    #[test]
    fn forcing_the_cpu_keeps_the_engines_own_reason() {
        let mut status = ready_on_cpu(true);
        status.gpu = GpuEngine::Standby;
        assert!(!status.may_switch_to_gpu(false));
        assert_eq!(
            status.summary(),
            "Engine ready on CPU (WebAssembly SIMD) (this is the CPU engine)"
        );
    }

    #[test]
    fn booting_engine_is_told_the_users_backend_choice() {
        let mut status = EngineStatus::new(true);
        let replies = status.on_message(FromEngine::Booted {
            version: "0.1.0".into(),
            threads: 1,
        });
        assert_eq!(
            replies,
            vec![ToEngine::Init {
                force_cpu: true,
                prefer_webgpu: false
            }]
        );
        assert_eq!(status.phase, Phase::Starting);
    }

    #[test]
    fn loading_progress_is_reported_in_megabytes_and_percent() {
        let mut status = EngineStatus::new(false);
        status.on_message(FromEngine::Loading {
            loaded: 2_500_000.0,
            total: Some(10_000_000.0),
        });
        assert_eq!(
            status.summary(),
            "Loading the engine: 2.5 MB of 10.0 MB (25%)"
        );
        assert_eq!(status.loading_fraction(), Some(0.25));
    }

    #[test]
    fn changing_backend_reinitialises_a_ready_engine_only() {
        let mut status = EngineStatus::new(false);
        assert_eq!(status.set_force_cpu(true), None, "engine not booted yet");
        boot(&mut status, 1, Backend::WebGpu, None);
        assert_eq!(status.backend_label(), "WebGPU");
        assert_eq!(
            status.set_force_cpu(true),
            Some(ToEngine::Init {
                force_cpu: true,
                prefer_webgpu: false
            })
        );
        assert_eq!(status.backend_label(), "starting…");
    }

    #[test]
    fn fatal_errors_fail_the_engine_and_others_become_notices() {
        let mut status = EngineStatus::new(false);
        status.on_message(FromEngine::Error {
            message: "out of memory".into(),
            fatal: false,
        });
        assert_eq!(status.notice.as_deref(), Some("out of memory"));
        status.on_message(FromEngine::Error {
            message: "panicked".into(),
            fatal: true,
        });
        status.on_message(FromEngine::Error {
            message: "RuntimeError: unreachable".into(),
            fatal: true,
        });
        assert_eq!(
            status.phase,
            Phase::Failed {
                message: "panicked".into()
            },
            "the first fatal message is the one users need"
        );
        assert_eq!(status.start_self_test(), None);
    }

    #[test]
    fn self_test_collects_losses_until_done() {
        let mut status = EngineStatus::new(false);
        status.on_message(FromEngine::Ready {
            backend: Backend::Cpu,
            fallback_reason: Some("no WebGPU adapter".into()),
        });
        assert_eq!(
            status.start_self_test(),
            Some(ToEngine::SelfTest {
                steps: SELF_TEST_STEPS
            })
        );
        assert_eq!(status.start_self_test(), None, "already running");
        status.on_message(FromEngine::SelfTestStep { step: 1, loss: 0.7 });
        status.on_message(FromEngine::SelfTestStep { step: 2, loss: 0.5 });
        status.on_message(FromEngine::SelfTestDone {
            first_loss: 0.7,
            last_loss: 0.5,
            steps_per_second: 120.0,
        });
        assert!(!status.self_test.running);
        assert_eq!(status.self_test.losses, vec![0.7, 0.5]);
        assert_eq!(
            status.summary(),
            "Engine ready on CPU (WebAssembly SIMD) (no WebGPU adapter)"
        );
    }
}
