//! The engine's warm-up: a few training steps on made-up digits when the CPU engine is
//! ready, so that the browser has compiled the training code with its optimising compiler
//! by the time the user presses Train.
//!
//! Chromium runs WebAssembly first as baseline code (Liftoff) and recompiles a function
//! with TurboFan, in the background, once it has run enough; the function switches on its
//! next call. burn's CPU kernels are large generic functions (TurboFan took 4.4 s of
//! background time for the 182 that one MLP run tiers up, 0.7 s for a single one, in
//! Chromium 156 here), so a fresh engine trained its first 500 MLP steps at about 300 steps/s
//! against 775 once compiled (README, Performance). A user chooses data and a model before
//! the first Train; the warm-up makes those seconds the compiler's. It trains the two
//! models the Model step's presets start from (the MLP and the CNN, which between them run
//! the dense, convolution, pooling, activation, loss and optimizer code of every model
//! Hearth builds) for a few steps each, on random pixels, one step per call, so that the
//! engine's message loop handles the user's messages in between; a training run or a
//! measurement stops it (`hearth_engine::worker`). The models are dropped when it is done.

use burn::tensor::Device;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{StepOutcome, TrainSet, Trainer};
use crate::data::summary::Task;
use crate::model::{InputShape, ModelSpec, Optimizer, Shape, TrainConfig};

/// One model of the warm-up: its spec, batch size and steps.
struct Stage {
    spec: ModelSpec,
    batch: usize,
    steps: u32,
}

/// The warm-up's made-up examples: 28×28 grayscale "digits" of random pixels, ten classes.
const ROWS: usize = 256;
/// Rows of [`ROWS`] held out, so that the epochs' evaluation code runs too.
const HELD_OUT: usize = 64;

/// The warm-up under way: [`WarmUp::step`] trains one step of it.
pub struct WarmUp {
    device: Device,
    /// The stages still to start, last first.
    stages: Vec<Stage>,
    /// The stage training now, and its steps left.
    current: Option<(Trainer, u32)>,
    steps_done: u32,
}

impl WarmUp {
    /// The warm-up on `device`: the MLP 40 steps at batch 64 (13 epochs of the 192 made-up
    /// training rows, each evaluated on the 64 held out), then the CNN 4 steps at batch 16,
    /// one step a call. In Chromium here it ends about 0.85 s after the engine is ready
    /// (`tests/e2e/threads.test.mjs` prints it).
    pub fn new(device: &Device) -> Self {
        let input = InputShape::MNIST;
        WarmUp {
            device: device.clone(),
            stages: vec![
                Stage {
                    spec: ModelSpec::cnn(input, Task::MultiClass, 10),
                    batch: 16,
                    steps: 4,
                },
                Stage {
                    spec: ModelSpec::mlp(input, Task::MultiClass, 10),
                    batch: 64,
                    steps: 40,
                },
            ],
            current: None,
            steps_done: 0,
        }
    }

    /// Steps trained so far, over all models.
    pub fn steps_done(&self) -> u32 {
        self.steps_done
    }

    /// Trains one step; `Ok(false)` once every stage is done (nothing is held then).
    pub async fn step(&mut self) -> Result<bool, crate::Error> {
        let (trainer, left) = match &mut self.current {
            Some(current) if current.1 > 0 => current,
            _ => {
                self.current = None;
                let Some(stage) = self.stages.pop() else {
                    return Ok(false);
                };
                let config = TrainConfig {
                    optimizer: Optimizer::Adam,
                    learning_rate: 0.001,
                    batch_size: stage.batch,
                    epochs: u32::MAX,
                    seed: 1,
                    ..TrainConfig::default()
                };
                let trainer = Trainer::new(stage.spec, config, made_up_digits(), &self.device)?;
                self.current.insert((trainer, stage.steps))
            }
        };
        match trainer.step().await? {
            StepOutcome::Step { .. } | StepOutcome::Epoch(_) => {}
            // Not with endless epochs and no early stopping; the stage ends either way.
            StepOutcome::Finished { .. } => *left = 1,
        }
        *left -= 1;
        self.steps_done += 1;
        if *left == 0
            && let Some((mut trainer, _)) = self.current.take()
        {
            trainer.settle().await?;
        }
        Ok(!(self.stages.is_empty() && self.current.is_none()))
    }
}

/// [`ROWS`] images of random pixels with labels 0 to 9 in turn, the last [`HELD_OUT`]
/// held out as validation rows.
fn made_up_digits() -> TrainSet {
    let width = Shape::from(InputShape::MNIST).size();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let rows = ROWS as u32;
    let held_out = HELD_OUT as u32;
    TrainSet {
        x: (0..ROWS * width).map(|_| rng.random::<f32>()).collect(),
        width,
        y: (0..ROWS).map(|row| (row % 10) as f32).collect(),
        train: (0..rows - held_out).collect(),
        validation: (rows - held_out..rows).collect(),
        test: Vec::new(),
        target_mean: 0.0,
        target_std: 1.0,
        augment: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(warm_up: &mut WarmUp) -> Result<u32, crate::Error> {
        let mut calls = 0;
        while pollster::block_on(warm_up.step())? {
            calls += 1;
            assert!(calls < 1_000, "the warm-up does not end");
        }
        Ok(calls + 1)
    }

    #[test]
    fn the_warm_up_trains_both_models_its_steps_one_a_call_and_then_ends() {
        let device = Device::flex();
        let mut warm_up = WarmUp::new(&device);
        let calls = run(&mut warm_up).unwrap();
        // 40 MLP steps and 4 CNN steps, one a call, the last call saying it is done.
        assert_eq!(warm_up.steps_done(), 44);
        assert_eq!(calls, 44);
        assert!(warm_up.current.is_none() && warm_up.stages.is_empty());
        // Done is done: a further call trains nothing.
        assert!(!pollster::block_on(warm_up.step()).unwrap());
        assert_eq!(warm_up.steps_done(), 44);
    }

    #[test]
    fn the_made_up_digits_fit_the_presets_and_hold_out_some_rows() {
        let set = made_up_digits();
        assert_eq!(set.width, 784);
        assert_eq!(set.x.len(), ROWS * 784);
        assert!(set.x.iter().all(|p| (0.0..1.0).contains(p)));
        assert_eq!(set.train.len() + set.validation.len(), ROWS);
        assert!(set.validation.iter().all(|row| !set.train.contains(row)));
        let classes: std::collections::BTreeSet<u32> = set.y.iter().map(|&y| y as u32).collect();
        assert_eq!(classes.len(), 10);
    }
}
