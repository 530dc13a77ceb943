//! The faster backend, chosen by measurement: before the first run of a model on a machine
//! with WebGPU, a few training steps of the very model, on the very data, are timed on the
//! CPU and on WebGPU, and the run trains on the faster. For the small models Hearth trains
//! a GPU is often held back by the cost of each dispatch and each readback, so an adapter
//! alone does not say WebGPU is faster (a software adapter never is).

use serde::{Deserialize, Serialize};

use crate::protocol::Backend;
#[cfg(feature = "modelfile")]
use crate::training::Job;
#[cfg(feature = "burn")]
use crate::training::{StepOutcome, Trainer};

/// Steps run before the clock starts (the first steps compile WebGPU's shaders and fill
/// its caches, which a run pays once).
pub const WARM_UP_STEPS: u32 = 2;
/// The fewest timed steps of a trial.
pub const MIN_STEPS: u32 = 3;
/// A trial stops once it has run this long (and [`MIN_STEPS`]) ...
pub const MIN_SECONDS: f64 = 0.5;
/// ... or after this many timed steps.
pub const MAX_STEPS: u32 = 40;

/// How long one backend took for a few steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub steps: u32,
    pub seconds: f64,
}

impl Trial {
    pub fn steps_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            f64::from(self.steps) / self.seconds
        } else {
            0.0
        }
    }
}

/// The backend chosen for a model, and the trials it was chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub chosen: Backend,
    pub cpu: Trial,
    pub webgpu: Trial,
}

impl Verdict {
    /// The faster of the two; a tie (within 5%) goes to the CPU, which keeps no GPU busy
    /// and cannot lose its device mid-run.
    pub fn of(cpu: Trial, webgpu: Trial) -> Verdict {
        let chosen = if webgpu.steps_per_second() > 1.05 * cpu.steps_per_second() {
            Backend::WebGpu
        } else {
            Backend::Cpu
        };
        Verdict {
            chosen,
            cpu,
            webgpu,
        }
    }

    /// The verdict in words for the Train step.
    pub fn describe(&self) -> String {
        let (chosen, mine, theirs, other) = match self.chosen {
            Backend::Cpu => ("the CPU", self.cpu, self.webgpu, "WebGPU"),
            Backend::WebGpu => ("WebGPU", self.webgpu, self.cpu, "the CPU"),
        };
        let (faster, slower) = (mine.steps_per_second(), theirs.steps_per_second());
        if mine.steps == 0 {
            return format!(
                "Training on {chosen}: the run is too short for a trial of the two backends."
            );
        }
        if theirs.steps == 0 {
            return format!(
                "Training on {chosen}: a trial of this model ran {} steps/s there, and {other} had not finished its first steps after {:.1} s.",
                rate(faster),
                theirs.seconds
            );
        }
        format!(
            "Training on {chosen}: a trial of this model ran {} steps/s there against {} on {other} ({:.1}×).",
            rate(faster),
            rate(slower),
            faster / slower
        )
    }
}

/// Steps per second as people read them: three significant digits.
fn rate(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The longest the CPU's trial may take, warm-up included, in seconds.
pub const CPU_LIMIT_SECONDS: f64 = 10.0;

/// The longest WebGPU's trial may take, warm-up included, after a CPU trial that took
/// `cpu_seconds` in all: three times as long, and at least 5 s (its first steps compile
/// shaders). A slow adapter (a software one, and a large model) is cut short rather than
/// keeping the user waiting; cut short in its warm-up, it has run no timed step.
pub fn webgpu_limit_seconds(cpu_seconds: f64) -> f64 {
    (3.0 * cpu_seconds).max(5.0)
}

/// What a trial times: the studio's [`Job`] on the loaded data, or a bare [`Trainer`]
/// (the benchmark's).
#[cfg(feature = "burn")]
#[allow(
    async_fn_in_trait,
    reason = "a trial awaits its steps where it is: nothing sends them to another thread"
)]
pub trait Steps {
    /// Trains one batch.
    async fn step(&mut self) -> Result<StepOutcome, crate::Error>;
    /// Waits for the steps under way on the device (see [`Trainer::settle`]).
    async fn settle(&mut self) -> Result<Vec<f32>, crate::Error>;
}

#[cfg(feature = "burn")]
impl Steps for Trainer {
    async fn step(&mut self) -> Result<StepOutcome, crate::Error> {
        Trainer::step(self).await
    }
    async fn settle(&mut self) -> Result<Vec<f32>, crate::Error> {
        Trainer::settle(self).await
    }
}

#[cfg(feature = "modelfile")]
impl Steps for Job {
    async fn step(&mut self) -> Result<StepOutcome, crate::Error> {
        Job::step(self).await
    }
    async fn settle(&mut self) -> Result<Vec<f32>, crate::Error> {
        Job::settle(self).await
    }
}

#[cfg(feature = "burn")]
/// Times steps of `job` (a fresh job of the model, thrown away after) with the clock `now`
/// (milliseconds): [`WARM_UP_STEPS`] untimed, then at least [`MIN_STEPS`] and
/// [`MIN_SECONDS`], at most [`MAX_STEPS`], and all of it within `limit_seconds`. A job
/// that finishes early, or runs out of time, is timed on the steps it ran. Returns the
/// trial and the seconds it took in all (warm-up included).
pub async fn trial(
    job: &mut impl Steps,
    now: impl Fn() -> f64,
    limit_seconds: f64,
) -> Result<(Trial, f64), crate::Error> {
    let began = now();
    let over = |at: f64| (at - began) / 1000.0 >= limit_seconds;
    for _ in 0..WARM_UP_STEPS {
        let outcome = job.step().await?;
        let at = now();
        let finished = matches!(outcome, StepOutcome::Finished { .. });
        if finished || over(at) {
            // No timed step: `seconds` says how long the warm-up ran when it was cut short.
            let seconds = if finished { 0.0 } else { (at - began) / 1000.0 };
            return Ok((Trial { steps: 0, seconds }, (at - began) / 1000.0));
        }
    }
    // A GPU reads losses back some steps at a time, as in training (`Pacing`): the clock
    // starts with the device idle, and stops once it has finished the steps timed.
    job.settle().await?;
    let started = now();
    let mut steps = 0;
    let mut at = started;
    loop {
        let outcome = job.step().await?;
        at = if matches!(outcome, StepOutcome::Finished { .. }) {
            break;
        } else {
            now()
        };
        steps += 1;
        let seconds = (at - started) / 1000.0;
        if steps >= MAX_STEPS || (steps >= MIN_STEPS && seconds >= MIN_SECONDS) || over(at) {
            break;
        }
    }
    if !job.settle().await?.is_empty() {
        at = now();
    }
    let trial = Trial {
        steps,
        seconds: (at - started) / 1000.0,
    };
    Ok((trial, (at - began) / 1000.0))
}

/// The choice between the CPU and WebGPU, by the rule the studio and the benchmark share:
/// a [`trial`] of a fresh job from `fresh` on each backend, the CPU's first within
/// [`CPU_LIMIT_SECONDS`], then WebGPU's within [`webgpu_limit_seconds`] of it. A trial
/// that fails (a shader that does not compile, a lost device) counts as no step, so the
/// other backend is chosen; a job that cannot be made is `fresh`'s error, and nothing is
/// chosen.
#[cfg(feature = "burn")]
pub async fn compare<S: Steps, E>(
    mut fresh: impl FnMut(Backend) -> Result<S, E>,
    now: impl Fn() -> f64,
) -> Result<Verdict, E> {
    let none = Trial {
        steps: 0,
        seconds: 0.0,
    };
    let mut trials = [none; 2];
    let mut limit = CPU_LIMIT_SECONDS;
    for (timed, backend) in trials.iter_mut().zip([Backend::Cpu, Backend::WebGpu]) {
        let mut job = fresh(backend)?;
        let took;
        (*timed, took) = trial(&mut job, &now, limit).await.unwrap_or((none, 0.0));
        limit = webgpu_limit_seconds(took);
    }
    Ok(Verdict::of(trials[0], trials[1]))
}

#[cfg(test)]
#[cfg(feature = "modelfile")]
mod tests {
    use super::*;
    use crate::data::summary::Task;
    use crate::model::{InputShape, Layer, ModelSpec};
    use crate::training::job::tests::{iris, stateless};
    use burn::tensor::Device;
    use std::cell::Cell;

    #[test]
    fn the_faster_backend_wins_and_a_tie_goes_to_the_cpu() {
        let trial = |steps, seconds| Trial { steps, seconds };
        let verdict = Verdict::of(trial(40, 0.5), trial(10, 0.5));
        assert_eq!(verdict.chosen, Backend::Cpu);
        assert_eq!(
            verdict.describe(),
            "Training on the CPU: a trial of this model ran 80.0 steps/s there against 20.0 on WebGPU (4.0×)."
        );
        let verdict = Verdict::of(trial(10, 1.0), trial(30, 1.0));
        assert_eq!(verdict.chosen, Backend::WebGpu);
        assert_eq!(
            verdict.describe(),
            "Training on WebGPU: a trial of this model ran 30.0 steps/s there against 10.0 on the CPU (3.0×)."
        );
        assert_eq!(
            Verdict::of(trial(100, 1.0), trial(104, 1.0)).chosen,
            Backend::Cpu
        );
        assert_eq!(
            Verdict::of(trial(3, 1.0), trial(0, 0.0)).chosen,
            Backend::Cpu
        );
    }

    #[test]
    fn a_failed_trial_counts_as_no_step_and_a_job_not_made_chooses_nothing() {
        /// A job on the CPU, or one whose every step fails (a lost device).
        enum Either {
            Works(Box<Job>),
            Fails,
        }
        impl Steps for Either {
            async fn step(&mut self) -> Result<StepOutcome, crate::Error> {
                match self {
                    Either::Works(job) => job.step().await,
                    Either::Fails => Err(crate::Error::Backend("the device was lost".into())),
                }
            }
            async fn settle(&mut self) -> Result<Vec<f32>, crate::Error> {
                match self {
                    Either::Works(job) => job.settle().await,
                    Either::Fails => Err(crate::Error::Backend("the device was lost".into())),
                }
            }
        }
        let spec = ModelSpec::new(
            InputShape::Features { features: 4 },
            vec![Layer::Dense {
                units: 8,
                activation: crate::model::Activation::Relu,
            }],
            Task::MultiClass,
            3,
        );
        let job = || Job::start(&iris(), spec.clone(), stateless(50), &Device::flex()).unwrap();
        let clock = Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + 100.0);
            clock.get()
        };
        // WebGPU fails: the CPU is chosen, with WebGPU's trial at no step.
        let verdict = pollster::block_on(compare(
            |backend| {
                Ok::<_, ()>(match backend {
                    Backend::Cpu => Either::Works(Box::new(job())),
                    Backend::WebGpu => Either::Fails,
                })
            },
            &now,
        ))
        .unwrap();
        assert_eq!(verdict.chosen, Backend::Cpu);
        assert_eq!(verdict.cpu.steps, 5);
        assert_eq!(verdict.webgpu.steps, 0);
        // The CPU fails: WebGPU is chosen.
        let verdict = pollster::block_on(compare(
            |backend| {
                Ok::<_, ()>(match backend {
                    Backend::Cpu => Either::Fails,
                    Backend::WebGpu => Either::Works(Box::new(job())),
                })
            },
            &now,
        ))
        .unwrap();
        assert_eq!(verdict.chosen, Backend::WebGpu);
        // No job: the maker's error, nothing chosen.
        let made = pollster::block_on(compare(|_| Err::<Either, _>("no data"), &now));
        assert_eq!(made, Err("no data"));
    }

    #[test]
    fn a_trial_times_steps_after_the_warm_up() {
        let spec = ModelSpec::new(
            InputShape::Features { features: 4 },
            vec![Layer::Dense {
                units: 8,
                activation: crate::model::Activation::Relu,
            }],
            Task::MultiClass,
            3,
        );
        let mut job = Job::start(&iris(), spec.clone(), stateless(50), &Device::flex()).unwrap();
        // A clock that moves 100 ms each time it is read.
        let clock = Cell::new(0.0);
        let now = || {
            clock.set(clock.get() + 100.0);
            clock.get()
        };
        let (timed, total) = pollster::block_on(trial(&mut job, now, CPU_LIMIT_SECONDS)).unwrap();
        // Read at the start, after each warm-up step, at the clock's start and after each
        // step: 0.5 s is reached after 5 timed steps.
        assert_eq!(timed.steps, 5);
        assert!((timed.seconds - 0.5).abs() < 1e-9, "{timed:?}");
        assert!((total - 0.8).abs() < 1e-9, "{total}");
        assert!(
            job.examples_trained() >= 6 * 16,
            "the warm-up steps ran too"
        );
        // A run shorter than the trial is timed on what it ran.
        let mut short = Job::start(&iris(), spec.clone(), stateless(1), &Device::flex()).unwrap();
        let (_, steps_per_epoch, _, _) = short.plan();
        let (timed, _) = pollster::block_on(trial(&mut short, || 0.0, CPU_LIMIT_SECONDS)).unwrap();
        assert!(
            u64::from(timed.steps + WARM_UP_STEPS) <= steps_per_epoch + 1,
            "{timed:?}"
        );
        // A slow backend is cut short: here each reading is 3 s later, and the limit 5 s.
        let mut slow = Job::start(&iris(), spec, stateless(50), &Device::flex()).unwrap();
        let clock = Cell::new(0.0);
        let slow_now = || {
            clock.set(clock.get() + 3000.0);
            clock.get()
        };
        let (timed, total) =
            pollster::block_on(trial(&mut slow, slow_now, webgpu_limit_seconds(0.4))).unwrap();
        assert_eq!(
            timed,
            Trial {
                steps: 0,
                seconds: 6.0
            },
            "cut short in its warm-up"
        );
        assert_eq!(total, 6.0);
        assert_eq!(webgpu_limit_seconds(3.0), 9.0);
    }
}
