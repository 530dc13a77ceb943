//! Measuring the engine: the engine check (a tiny network trained for a few steps), the
//! training benchmark, and the kernel check (its kernels against plain arithmetic).

use hearth_core::bench::{BenchResult, BenchSettings};
use hearth_core::protocol::FromEngine;

use super::EngineState;
use super::measure::{now, precise_now, wasm_memory_bytes};
use super::transport::{fetch_bytes, post};

impl EngineState {
    /// Trains the tiny built-in network for `steps` steps on the active backend, posting
    /// each step's loss and then its speed.
    pub(super) async fn self_test(&self, steps: u32) {
        let device = self.backends.active_device();
        let started = now();
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
                let seconds = ((now() - started) / 1000.0).max(1e-6);
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

    /// Checks the active backend's kernels on random shapes drawn from `seed`. The threaded
    /// engine and the WebGPU engine carry it; the single-threaded engine, which every first
    /// visit downloads without threads, does not (its kernels are the WebGPU engine's CPU
    /// backend's, built the same way: plain SIMD, one thread).
    #[cfg(any(feature = "webgpu", feature = "threads"))]
    pub(super) async fn kernel_check(&self, seed: u32) {
        let device = self.backends.active_device();
        match hearth_core::kernels::check(seed, &device).await {
            Ok(report) => post(&FromEngine::KernelChecked { report }),
            Err(error) => post(&FromEngine::Error {
                message: format!("the kernel check failed: {error}"),
                fatal: false,
            }),
        }
    }

    /// The single-threaded engine has no kernel check (see above).
    #[cfg(not(any(feature = "webgpu", feature = "threads")))]
    pub(super) async fn kernel_check(&self, _seed: u32) {
        post(&FromEngine::Error {
            message: "this engine carries no kernel check: the threaded engine and the \
                      WebGPU engine (on its CPU backend too) do"
                .to_string(),
            fatal: false,
        });
    }

    /// Runs the training benchmark on the active backend.
    pub(super) async fn bench(&mut self, settings: BenchSettings) {
        // The benchmark owns the worker while it runs; a run under way is dropped.
        self.drop_run();
        let device = self.backends.active_device();
        let backend = self.backends.active();
        // The digits are a separate file in the browser (kept by the service worker).
        let file = hearth_core::data::builtin::info("mnist").and_then(|info| info.file);
        let fetched = match file {
            Some(file) => fetch_bytes(file).await,
            None => Err("the catalogue names no file for MNIST".to_string()),
        };
        let mnist = match fetched {
            Ok(bytes) => bytes,
            Err(reason) => {
                post(&FromEngine::BenchFailed {
                    message: format!("the MNIST digits could not be fetched ({reason})"),
                });
                return;
            }
        };
        let run = hearth_core::bench::run(
            settings,
            Some(&mnist),
            &device,
            &precise_now,
            &wasm_memory_bytes,
        );
        match run.await {
            Ok(result) => match self.with_verdict(result, &mnist, &device).await {
                Ok(result) => post(&FromEngine::BenchDone { backend, result }),
                Err(message) => post(&FromEngine::BenchFailed { message }),
            },
            Err(error) => post(&FromEngine::BenchFailed {
                message: error.to_string(),
            }),
        }
    }

    /// Adds the studio's trial of the two backends to a WebGPU benchmark that asked for it
    /// (see [`hearth_core::bench::trial`]).
    #[cfg(feature = "webgpu")]
    async fn with_verdict(
        &self,
        mut result: BenchResult,
        mnist: &[u8],
        device: &burn::tensor::Device,
    ) -> Result<BenchResult, String> {
        if result.settings.trial && self.backends.active() == hearth_core::protocol::Backend::WebGpu
        {
            let cpu = self.backends.cpu_device();
            let trial = hearth_core::bench::trial(
                &result.settings,
                Some(mnist),
                &cpu,
                device,
                &precise_now,
            );
            let verdict = trial
                .await
                .map_err(|error| format!("the trial of the two backends failed: {error}"))?;
            result.verdict = Some(verdict);
        }
        Ok(result)
    }

    /// The CPU-only engines have no trial to add (and carry none of its code).
    #[cfg(not(feature = "webgpu"))]
    async fn with_verdict(
        &self,
        result: BenchResult,
        _mnist: &[u8],
        _device: &burn::tensor::Device,
    ) -> Result<BenchResult, String> {
        Ok(result)
    }
}
