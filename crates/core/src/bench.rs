//! The training benchmark Hearth runs against TensorFlow.js (`bench/`): the same models,
//! data and settings in the engine worker, the page's way of training (the training
//! job's [`Trainer`]), and natively through `hearth bench`.
//!
//! Data: the 10,000 shipped MNIST digits, of which digit `i` is held out when
//! `(i / 10) % 5 == 4` (2,000 digits) and trains otherwise (8,000). The set is interleaved
//! by class, ten digits a round, so every fifth round held out keeps both parts balanced
//! (the last 2,000 would hold 63 fives and 327 ones). Models: the MLP
//! 784-128-64-10 and the small CNN, as the presets build them. Adam at 0.001, batch 64.

#[cfg(feature = "burn")]
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::data::summary::Task;
#[cfg(feature = "burn")]
use crate::data::summary::{Augment, Split};
#[cfg(feature = "burn")]
use crate::data::{Dataset, ImageSet, builtin};
#[cfg(feature = "burn")]
use crate::inference;
use crate::model::{InputShape, ModelSpec};
#[cfg(feature = "burn")]
use crate::model::{Optimizer, TrainConfig};
#[cfg(feature = "burn")]
use crate::training::{StepOutcome, TrainSet, Trainer};

/// Which model the benchmark trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchModel {
    Mlp,
    Cnn,
}

impl BenchModel {
    pub fn label(self) -> &'static str {
        match self {
            BenchModel::Mlp => "MLP 784-128-64-10",
            BenchModel::Cnn => "CNN (conv32-pool-conv64-pool-conv64-dense64)",
        }
    }

    /// The spec, as the Model step's presets build it for 28×28 grayscale digits.
    pub fn spec(self) -> ModelSpec {
        let input = InputShape::MNIST;
        match self {
            BenchModel::Mlp => ModelSpec::mlp(input, Task::MultiClass, 10),
            BenchModel::Cnn => ModelSpec::cnn(input, Task::MultiClass, 10),
        }
    }
}

/// What one benchmark run does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BenchSettings {
    pub model: BenchModel,
    /// Epochs a fresh model trains before its test accuracy is measured (at least 1).
    pub epochs: u32,
    /// Steps a first model trains before any clock starts.
    pub warmup_steps: u32,
    /// Steps of that first model timed for the steps-per-second figure.
    pub timed_steps: u32,
    pub batch: usize,
    /// Use only the first `train` training digits and `test` held-out ones (8,000 and
    /// 2,000 are all of them; a short run uses fewer).
    pub train: usize,
    pub test: usize,
    /// Latency measurements (each the mean of 10 consecutive single-image predictions,
    /// after 5 untimed predictions).
    pub inference_runs: u32,
    /// The first `frozen` layers are frozen, as in a model built on another with its
    /// layers frozen (0: none): what freezing saves per step. Their weights are fresh
    /// ones here, so the accuracy of such a run says nothing.
    #[serde(default)]
    pub frozen: usize,
    /// Also run the studio's trial of the CPU and WebGPU on this model (see
    /// [`crate::autotune`]) and report its verdict (the WebGPU engine only).
    #[serde(default)]
    pub trial: bool,
    /// Step Adam with Hearth's fused optimizer (`Some(true)`) or burn's (`Some(false)`)
    /// rather than what the trainer picks (`None`; see `training::fused`).
    #[serde(default)]
    pub fused_adam: Option<bool>,
}

impl BenchSettings {
    /// The full benchmark's settings for `model`.
    pub fn full(model: BenchModel) -> Self {
        BenchSettings {
            model,
            epochs: 1,
            warmup_steps: 5,
            timed_steps: 50,
            batch: 64,
            train: 8000,
            test: 2000,
            inference_runs: 100,
            frozen: 0,
            trial: false,
            fused_adam: None,
        }
    }
}

/// What a run measured. Times are wall-clock milliseconds from the `now` clock given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    pub model: BenchModel,
    pub parameters: u64,
    /// Floating-point operations in one training step, counted as three forward passes of
    /// the batch (the forward pass, and a backward pass of twice its work; a multiply-add
    /// is 2), to state throughput in FLOP/s. The optimizer's step is not counted.
    #[serde(default)]
    pub flops_per_step: u64,
    pub settings: BenchSettings,
    /// Training steps (batches) per second over the timed steps.
    pub steps_per_second: f64,
    /// The steps timed: `settings.timed_steps`.
    #[serde(default)]
    pub timed_steps: u32,
    /// The first epoch of a fresh model, after the throughput steps warmed the backend.
    pub epoch_seconds: Option<f64>,
    /// Accuracy on the held-out digits after `settings.epochs` epochs.
    pub test_accuracy: f64,
    /// Single-image inference, the result read back: median and 95th percentile.
    pub inference_median_ms: f64,
    pub inference_p95_ms: f64,
    /// The median time between two clock readings (a tenth of it is in each latency).
    pub clock_overhead_ms: f64,
    /// The largest value the memory probe returned (sampled at the start, after every
    /// epoch and at the end).
    pub peak_memory_bytes: f64,
    /// The whole run, setup included.
    pub total_seconds: f64,
    /// The threads training used (see [`crate::training::parallel`]).
    #[serde(default = "one")]
    pub threads: usize,
    /// What the studio's trial of the two backends (see [`crate::autotune`]) chose for
    /// this model, where the engine has WebGPU and was asked ([`BenchSettings::trial`]).
    #[serde(default)]
    pub verdict: Option<crate::autotune::Verdict>,
}

fn one() -> usize {
    1
}

/// Why the benchmark could not run.
#[cfg(feature = "burn")]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// The shipped set was built wrong (a bug in the build, not in the request).
    #[error("the built-in MNIST set is not a set of images: rebuild Hearth")]
    NotImages,
    #[error(
        "{train} training and {test} held-out digits do not fit in the {available_train} and \
         {available_test} of the shipped set: ask for fewer"
    )]
    TooMany {
        train: usize,
        test: usize,
        available_train: usize,
        available_test: usize,
    },
    #[error(transparent)]
    Training(#[from] crate::Error),
}

/// The benchmark's data: the built-in MNIST set split as described above. `mnist_file` is
/// the bytes of `mnist-10k.bin.gz`, which the browser's engine fetches; natively (`None`)
/// the bundled copy is read.
#[cfg(feature = "burn")]
pub fn data(mnist_file: Option<&[u8]>, train: usize, test: usize) -> Result<TrainSet, BenchError> {
    let loaded = match mnist_file {
        Some(bytes) => builtin::load_from_file("mnist", bytes)?,
        None => builtin::load("mnist")?,
    };
    let Dataset::Images(images) = loaded.dataset else {
        return Err(BenchError::NotImages);
    };
    split(&images, train, test)
}

/// Whether digit `index` of the shipped set is held out.
pub fn held_out(index: usize) -> bool {
    (index / 10) % 5 == 4
}

#[cfg(feature = "burn")]
fn split(images: &ImageSet, train: usize, test: usize) -> Result<TrainSet, BenchError> {
    let n = images.labels.len();
    let (all_train, all_test): (Vec<u32>, Vec<u32>) =
        (0..n as u32).partition(|&index| !held_out(index as usize));
    if train > all_train.len() || test > all_test.len() || train == 0 || test == 0 {
        return Err(BenchError::TooMany {
            train,
            test,
            available_train: all_train.len(),
            available_test: all_test.len(),
        });
    }
    // Pixels and labels as the training job prepares images; the rows are this bench's own.
    let mut set = TrainSet::from_images(images, &Split::default(), Augment::default());
    set.train = all_train[..train].to_vec();
    set.validation = Vec::new();
    set.test = all_test[..test].to_vec();
    Ok(set)
}

/// The model (its first layers frozen as `settings` says) and the training settings of
/// a run.
#[cfg(feature = "burn")]
fn model_and_config(settings: &BenchSettings) -> (ModelSpec, TrainConfig) {
    let mut spec = settings.model.spec();
    if settings.frozen > 0 {
        spec.origin = Some(crate::model::Origin {
            model: "the benchmark's own weights".to_string(),
            sha256: String::new(),
            kept_layers: settings.frozen,
            frozen: true,
            kept_rate: crate::model::DEFAULT_KEPT_RATE,
        });
    }
    let config = TrainConfig {
        optimizer: Optimizer::Adam,
        learning_rate: 0.001,
        batch_size: settings.batch,
        epochs: settings.epochs.max(1),
        seed: 1,
        ..TrainConfig::default()
    };
    (spec, config)
}

/// The studio's trial of the two backends on this run's model and digits
/// ([`crate::autotune::compare`]): fresh models trained a few steps on `cpu` and on
/// `webgpu`, with the studio's time limits and its rule for a trial that fails (it ran no
/// step); the verdict says which is faster.
#[cfg(feature = "burn")]
pub async fn trial(
    settings: &BenchSettings,
    mnist_file: Option<&[u8]>,
    cpu: &Device,
    webgpu: &Device,
    now: &dyn Fn() -> f64,
) -> Result<crate::autotune::Verdict, BenchError> {
    use crate::protocol::Backend;
    let (spec, config) = model_and_config(settings);
    let set = data(mnist_file, settings.train, settings.test)?;
    let fresh = |backend| {
        let device = match backend {
            Backend::Cpu => cpu,
            Backend::WebGpu => webgpu,
        };
        Trainer::new(spec.clone(), config.clone(), set.clone(), device)
    };
    Ok(crate::autotune::compare(fresh, now).await?)
}

/// Runs the benchmark on `device` (`mnist_file`: see [`data`]). `now` is a clock in milliseconds; `memory` returns the
/// memory figure to report the peak of (the wasm memory's size in the browser).
#[cfg(feature = "burn")]
pub async fn run(
    settings: BenchSettings,
    mnist_file: Option<&[u8]>,
    device: &Device,
    now: &dyn Fn() -> f64,
    memory: &dyn Fn() -> f64,
) -> Result<BenchResult, BenchError> {
    let started = now();
    let mut peak = memory();
    let set = data(mnist_file, settings.train, settings.test)?;
    let test_rows = set.test.clone();
    let truth: Vec<usize> = test_rows
        .iter()
        .map(|&row| set.y[row as usize] as usize)
        .collect();
    // The first held-out digit, for the latency figures.
    let first = test_rows.first().map_or(0, |&row| row as usize) * set.width;
    let one_image = set.x[first..first + set.width].to_vec();
    let (spec, config) = model_and_config(&settings);

    // Throughput: a first model trains the warm-up steps untimed, then the timed steps.
    // The set moves into this trainer and is read again for the next, so that the
    // decoded digits are held once, not twice (wasm memory never shrinks).
    // It trains as many epochs as the warm-up and the timed steps need: with the run's
    // epochs alone (one, usually), 8,000 digits in batches of 64 stopped the timing after
    // 120 steps, whatever `timed_steps` asked for.
    let steps = u64::from(settings.warmup_steps) + u64::from(settings.timed_steps);
    let needed = steps.div_ceil(config.steps_per_epoch(set.train.len()).max(1));
    let throughput_config = TrainConfig {
        epochs: config.epochs.max(u32::try_from(needed).unwrap_or(u32::MAX)),
        ..config.clone()
    };
    let mut throughput = Trainer::new(spec.clone(), throughput_config, set, device)?;
    if let Some(fused) = settings.fused_adam {
        throughput.use_fused_adam(fused);
    }
    for _ in 0..settings.warmup_steps {
        throughput.step().await?;
    }
    // On a GPU losses are read some steps at a time (`Pacing`): the clock starts and
    // stops with the device idle.
    throughput.settle().await?;
    peak = peak.max(memory());
    let timing = now();
    let mut timed = 0;
    while timed < settings.timed_steps {
        if let StepOutcome::Finished { .. } = throughput.step().await? {
            break;
        }
        timed += 1;
    }
    throughput.settle().await?;
    let steps_per_second = f64::from(timed) / ((now() - timing) / 1000.0).max(1e-9);
    peak = peak.max(memory());
    drop(throughput);

    // Accuracy and the time of an epoch: a fresh model (the backend is warm by now)
    // trains `epochs` epochs; the first one is timed.
    let set = data(mnist_file, settings.train, settings.test)?;
    let mut trainer = Trainer::new(spec.clone(), config, set, device)?;
    if let Some(fused) = settings.fused_adam {
        trainer.use_fused_adam(fused);
    }
    let epoch_start = now();
    let mut epoch_seconds = None;
    loop {
        match trainer.step().await? {
            StepOutcome::Epoch(_) => {
                peak = peak.max(memory());
                epoch_seconds.get_or_insert((now() - epoch_start) / 1000.0);
            }
            StepOutcome::Step { .. } => {}
            StepOutcome::Finished { .. } => break,
        }
    }

    let predictions = trainer.predict(&test_rows).await?;
    let predicted = crate::metrics::predicted_classes(&predictions);
    let right = predicted.iter().zip(&truth).filter(|(p, t)| p == t).count();
    let test_accuracy = right as f64 / truth.len().max(1) as f64;

    let network = trainer
        .network()
        .ok_or_else(|| crate::Error::Backend("the trained model is gone".to_string()))?;
    let inference_device = device.clone();
    // Each latency is the mean of 10 consecutive predictions: in the worker one reading of
    // `performance.now()` once cost 0.13 to 0.47 ms, more than a prediction (every call
    // into the engine re-ran its static constructors then; see the engine's `main`), and
    // a prediction takes a few hundredths of a millisecond. The median cost of a reading
    // is reported beside the figures.
    let mut readings: Vec<f64> = (0..settings.inference_runs.max(1))
        .map(|_| {
            let start = now();
            now() - start
        })
        .collect();
    readings.sort_by(f64::total_cmp);
    let clock_overhead_ms = readings[readings.len() / 2];
    const PER_BLOCK: u32 = 10;
    for _ in 0..5 {
        inference::predict(&network, &spec, &one_image, (0.0, 1.0), &inference_device).await?;
    }
    let mut latencies = Vec::with_capacity(settings.inference_runs as usize);
    for _ in 0..settings.inference_runs {
        let start = now();
        for _ in 0..PER_BLOCK {
            inference::predict(&network, &spec, &one_image, (0.0, 1.0), &inference_device).await?;
        }
        latencies.push((now() - start) / f64::from(PER_BLOCK));
    }
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index]
    };
    peak = peak.max(memory());
    Ok(BenchResult {
        model: settings.model,
        parameters: spec.params(),
        flops_per_step: 3 * spec.flops() * settings.batch as u64,
        settings,
        steps_per_second,
        timed_steps: timed,
        epoch_seconds,
        test_accuracy,
        inference_median_ms: percentile(0.5),
        inference_p95_ms: percentile(0.95),
        clock_overhead_ms,
        peak_memory_bytes: peak,
        total_seconds: (now() - started) / 1000.0,
        threads: crate::training::parallel::threads(),
        verdict: None,
    })
}

#[cfg(all(test, feature = "burn"))]
mod tests {
    use super::*;

    #[test]
    fn the_models_are_the_ones_tensorflow_js_builds() {
        // Keras counts: 784·128+128 + 128·64+64 + 64·10+10, and the CNN's 93,322.
        assert_eq!(BenchModel::Mlp.spec().params(), 109_386);
        assert_eq!(BenchModel::Cnn.spec().params(), 93_322);
    }

    #[test]
    fn every_fifth_round_of_ten_is_held_out_and_balanced() {
        let set = data(None, 8000, 2000).unwrap();
        assert_eq!(set.train.len(), 8000);
        assert_eq!(set.test.len(), 2000);
        assert_eq!(set.test[..3], [40, 41, 42]);
        assert_eq!(set.train[38..42], [38, 39, 50, 51]);
        let mut counts = [0usize; 10];
        for &row in &set.test {
            counts[set.y[row as usize] as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (170..=230).contains(&c)),
            "{counts:?}"
        );
        assert!(
            data(None, 9000, 2000)
                .unwrap_err()
                .to_string()
                .contains("do not fit")
        );
    }

    #[test]
    fn the_trial_times_both_devices_on_the_benchmarks_model() {
        let clock = std::time::Instant::now();
        let now = || clock.elapsed().as_secs_f64() * 1000.0;
        let settings = BenchSettings {
            train: 640,
            test: 200,
            ..BenchSettings::full(BenchModel::Mlp)
        };
        // Natively both are the CPU: each trial times its steps, and neither wins by much.
        let cpu = Device::flex();
        let verdict = pollster::block_on(trial(&settings, None, &cpu, &cpu, &now)).unwrap();
        for timed in [verdict.cpu, verdict.webgpu] {
            assert!(timed.steps >= crate::autotune::MIN_STEPS, "{verdict:?}");
            assert!(timed.seconds > 0.0, "{verdict:?}");
        }
        let ratio = verdict.cpu.steps_per_second() / verdict.webgpu.steps_per_second();
        assert!((0.5..2.0).contains(&ratio), "{verdict:?}");
    }

    /// `settings` run natively on the CPU, with a real clock and a memory figure of 1.
    fn run_natively(settings: BenchSettings) -> Result<BenchResult, BenchError> {
        let clock = std::time::Instant::now();
        let now = || clock.elapsed().as_secs_f64() * 1000.0;
        pollster::block_on(run(settings, None, &Device::flex(), &now, &|| 1.0))
    }

    #[test]
    fn a_short_run_measures_everything() {
        let settings = BenchSettings {
            epochs: 2,
            warmup_steps: 2,
            timed_steps: 5,
            train: 640,
            test: 200,
            inference_runs: 10,
            ..BenchSettings::full(BenchModel::Mlp)
        };
        let result = run_natively(settings).unwrap();
        assert!(result.steps_per_second > 0.0 && result.steps_per_second.is_finite());
        assert!(result.epoch_seconds.is_some_and(|s| s > 0.0));
        // Two epochs of 640 digits already beat chance by far.
        assert!(result.test_accuracy > 0.5, "{}", result.test_accuracy);
        assert!(result.inference_median_ms <= result.inference_p95_ms);
        assert_eq!(result.peak_memory_bytes, 1.0);
        assert_eq!(result.parameters, 109_386);
    }

    #[test]
    fn the_timed_steps_run_past_the_runs_epochs() {
        // 640 digits in batches of 64: ten steps an epoch, one epoch asked for.
        let settings = BenchSettings {
            epochs: 1,
            warmup_steps: 5,
            timed_steps: 40,
            train: 640,
            test: 200,
            inference_runs: 1,
            ..BenchSettings::full(BenchModel::Mlp)
        };
        let result = run_natively(settings).unwrap();
        assert_eq!(result.timed_steps, 40);
    }
}
