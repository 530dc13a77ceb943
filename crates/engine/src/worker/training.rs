//! Training: starting, pausing, resuming and stopping a run, and the step the message
//! loop calls while one runs (with what each step's outcome posts: progress, epochs,
//! checkpoints, the finished model, a move to the CPU when WebGPU fails).

use burn::tensor::Device;
use hearth_core::model::{EpochRecord, ModelSpec, TrainConfig};
use hearth_core::protocol::{Backend, FilePurpose, FromEngine};
use hearth_core::training::StepOutcome;
use hearth_core::training::{Job, JobError};

use super::EngineState;
use super::run::Run;
use super::transport::{post, post_with_bytes};

impl EngineState {
    /// Starts a run of `spec` on the data loaded (any run under way is dropped silently).
    pub(super) async fn train(&mut self, spec: ModelSpec, config: TrainConfig) {
        self.run = None;
        let backend = self.backend_for(&spec, &config).await;
        let job = self.job(spec, config, &self.backends.device(backend));
        self.begin(job, backend, 0);
    }

    /// A new job of `spec` on `device`: built on the chosen base where the spec says so.
    fn job(&self, spec: ModelSpec, config: TrainConfig, device: &Device) -> Result<Job, JobError> {
        match (&spec.origin, &self.base) {
            (None, _) => Job::start(&self.data, spec, config, device),
            (Some(_), Some(base)) => Job::start_from(&self.data, spec, config, base, device),
            (Some(origin), None) => Err(JobError::NotOnBase {
                reason: format!(
                    "it starts from {}, which is not chosen here any more (the page was reloaded or the engine restarted): choose it again under \"Start from a model\" on the Model step",
                    origin.model
                ),
            }),
        }
    }

    /// The backend to train `spec` with `config` on: the active one, or where WebGPU is
    /// active (and the user has not chosen it outright), the faster of it and the CPU.
    async fn backend_for(&mut self, spec: &ModelSpec, config: &TrainConfig) -> Backend {
        let active = self.backends.active();
        if active != Backend::WebGpu || self.prefer_webgpu {
            return active;
        }
        self.measured(spec, config).await
    }

    /// The faster of the CPU and WebGPU for `spec` by a trial of the model on the loaded
    /// data, once per model shape and batch size; the verdict is posted before the run.
    #[cfg(feature = "webgpu")]
    async fn measured(&mut self, spec: &ModelSpec, config: &TrainConfig) -> Backend {
        let key = format!("{:?} {:?} {}", spec.input, spec.layers, config.batch_size);
        let known = self.verdicts.iter().find(|(shape, _)| *shape == key);
        let verdict = match known {
            Some((_, verdict)) => *verdict,
            None => {
                let fresh = |backend| {
                    let device = self.backends.device(backend);
                    self.job(spec.clone(), config.clone(), &device)
                };
                let Ok(verdict) =
                    hearth_core::autotune::compare(fresh, super::measure::precise_now).await
                else {
                    // The run itself will say what is wrong.
                    return self.backends.active();
                };
                self.verdicts.push((key, verdict));
                verdict
            }
        };
        post(&FromEngine::BackendTrial { verdict });
        verdict.chosen
    }

    /// The CPU engine has no WebGPU to measure against.
    #[cfg(not(feature = "webgpu"))]
    async fn measured(&mut self, _spec: &ModelSpec, _config: &TrainConfig) -> Backend {
        self.backends.active()
    }

    /// Starts a run that trains the model in use further (see [`Job::continue_from`]).
    pub(super) async fn train_further(&mut self, config: TrainConfig) {
        self.run = None;
        let Some(model) = self.model.as_ref() else {
            post(&FromEngine::TrainFailed {
                message: "There is no model to train further: train one, or open a model file in step 5 (Use & share).".to_string(),
            });
            return;
        };
        let from_epoch = model.history.last().map_or(0, |record| record.epoch);
        let backend = self.backends.active();
        let device = self.backends.device(backend);
        let job = Job::continue_from(&self.data, model, config, &device).await;
        self.begin(job, backend, from_epoch);
    }

    /// Runs `job` on `backend`, or says why it cannot start.
    fn begin(&mut self, job: Result<Job, JobError>, backend: Backend, from_epoch: u32) {
        match job {
            Ok(mut job) => {
                if backend == Backend::WebGpu {
                    // So that a lost GPU costs at most the epoch under way.
                    job.keep_checkpoints();
                }
                let (epochs, steps_per_epoch, examples, parameters) = job.plan();
                post(&FromEngine::TrainStarted {
                    epochs,
                    steps_per_epoch,
                    examples,
                    parameters,
                    backend,
                    from_epoch,
                });
                self.run = Some(Run::new(job, backend, from_epoch));
            }
            Err(error) => post(&FromEngine::TrainFailed {
                message: error.to_string(),
            }),
        }
    }

    /// Pauses the run under way, if it runs, with its epochs so far posted and kept.
    pub(super) async fn pause(&mut self) {
        if self.run.as_mut().is_some_and(|run| run.pause()) {
            self.keep_run_so_far().await;
            post(&FromEngine::TrainPaused { paused: true });
        }
    }

    /// Resumes the run under way, if it is paused.
    pub(super) fn resume(&mut self) {
        if let Some(run) = self.run.as_mut()
            && run.resume()
        {
            post(&FromEngine::TrainPaused { paused: false });
        }
    }

    /// Asks the run under way to finish after its current step.
    pub(super) fn stop(&mut self) {
        if let Some(run) = self.run.as_mut() {
            run.job.stop();
            // A paused run must take one more step: that step reports the run finished.
            run.resume();
        }
    }

    /// Makes a later run panic once it is past `after_epoch` (`?debug=engine-panic`).
    pub(super) fn panic_after_epoch(&mut self, after_epoch: u32) {
        self.panic_after_epoch = Some(after_epoch);
    }

    /// Ends the run under way because the data changed under it.
    pub(super) fn drop_run(&mut self) {
        if self.run.take().is_some() {
            post(&FromEngine::TrainFailed {
                message: "Training stopped: the data set changed.".to_string(),
            });
        }
    }

    /// Trains one step of the run and posts what happened.
    pub(super) async fn train_step(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let (batch, backend) = (run.job.batch_size(), run.backend);
        match run.job.step().await {
            Ok(StepOutcome::Step {
                epoch,
                step,
                losses,
            }) => self.stepped(epoch, step, &losses, batch),
            Ok(StepOutcome::Epoch(record)) => self.epoch_ended(record, batch).await,
            Ok(StepOutcome::Finished { reason }) => self.finished(reason).await,
            Err(hearth_core::Error::Backend(detail)) if backend == Backend::WebGpu => {
                self.go_on_on_the_cpu(&detail);
            }
            Err(error) => {
                if let Some(mut run) = self.run.take() {
                    run.post_epochs();
                }
                post(&FromEngine::TrainFailed {
                    message: error.to_string(),
                });
            }
        }
    }

    #[allow(
        clippy::panic,
        reason = "an end-to-end test asks for this panic (?debug=engine-panic) to check the page's recovery"
    )]
    fn stepped(&mut self, epoch: u32, step: u64, losses: &[f32], batch: usize) {
        if self.panic_after_epoch.is_some_and(|after| epoch > after) {
            panic!("a test panic in epoch {epoch}, asked for by ?debug=engine-panic");
        }
        if let Some(run) = self.run.as_mut() {
            run.count_step(epoch, step, losses, batch);
        }
    }

    async fn epoch_ended(&mut self, record: EpochRecord, batch: usize) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        run.count_epoch(record.epoch, batch, record.train_loss);
        if run.add_epoch(record) {
            self.keep_run_so_far().await;
        }
    }

    /// Posts the finished epochs not posted yet and the model so far, which the page
    /// keeps: a reload or a crash loses at most the epochs of the last 100 ms (one epoch
    /// when epochs are longer).
    async fn keep_run_so_far(&mut self) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let Some(epoch) = run.post_epochs() else {
            return;
        };
        match run.job.file_bytes().await {
            Ok(bytes) => post_with_bytes(
                &FromEngine::ModelFile {
                    purpose: FilePurpose::Checkpoint { epoch },
                    file_name: run.file_name().to_string(),
                },
                &bytes,
            ),
            Err(error) => web_sys::console::warn_1(
                &format!("the checkpoint after epoch {epoch} was not written: {error}").into(),
            ),
        }
    }

    async fn finished(&mut self, reason: String) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        // The finished model follows: the last epochs go without a checkpoint.
        run.post_epochs();
        let seconds = run.seconds();
        let examples = run.job.examples_trained();
        let backend = run.backend;
        let model = run.job.model().await;
        self.run = None;
        post(&FromEngine::TrainFinished { reason, seconds });
        match model {
            Ok(mut model) => {
                model.card.trained_at = Some(String::from(js_sys::Date::new_0().to_iso_string()));
                model.summary.card = model.card.clone();
                let threads = hearth_core::training::parallel::threads();
                model.record_training(seconds, examples, &backend.label_on(threads));
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
                    Err(error) => post(&FromEngine::ModelFileFailed {
                        id: None,
                        message: error.to_string(),
                    }),
                }
                self.model = Some(model);
            }
            Err(error) => post(&FromEngine::TrainFailed {
                message: error.to_string(),
            }),
        }
    }

    /// The GPU failed (a lost device, a failed read): goes on on the CPU from the last
    /// completed epoch, whose weights were copied to the host.
    fn go_on_on_the_cpu(&mut self, detail: &str) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        web_sys::console::warn_1(&format!("WebGPU failed mid-run: {detail}").into());
        let reason = "WebGPU stopped working (the GPU device was lost or failed)".to_string();
        self.backends.give_up_webgpu(reason.clone());
        // The epochs the CPU goes on after are the page's too.
        run.post_epochs();
        match run.job.move_to(&self.backends.cpu_device()) {
            Ok(from_epoch) => {
                run.backend = Backend::Cpu;
                run.restart_after(from_epoch);
                post(&FromEngine::BackendSwitched {
                    backend: Backend::Cpu,
                    reason,
                    from_epoch,
                });
            }
            Err(message) => {
                self.run = None;
                post(&FromEngine::TrainFailed {
                    message: format!(
                        "{reason}, and training could not go on on the CPU: {message}"
                    ),
                });
            }
        }
    }
}
