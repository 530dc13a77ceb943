//! The trainer: a step machine that trains a [`Network`] one batch per call, so that a
//! Web Worker can report after every step and pause, resume or stop between any two.
//! Losses are read back asynchronously (WebGPU in the browser cannot block).

use burn::module::Module;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    AdamConfig, AdamWConfig, GradientsAccumulator, GradientsParams, ModuleOptimizer, RmsPropConfig,
    SgdConfig,
};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::batch::TrainSet;
use super::fused::FusedAdam;
use super::{loss, parallel};
use crate::Error;
use crate::data::summary::Task;
use crate::error::read_back;
use crate::inference;
use crate::model::EpochRecord;
use crate::model::config::{ConfigError, ExampleWeights, Optimizer, TrainConfig};
use crate::model::network::{HostWeights, Network};
use crate::model::spec::{ModelSpec, Shape};
use crate::text::counted;

/// What one call to [`Trainer::step`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// One batch was trained. `losses` are the losses of the steps read back now, in
    /// order: this step's alone on the CPU; on a GPU, where a readback costs a round trip,
    /// those of the last [`Pacing::read_every`] steps at once, and none in between.
    Step {
        epoch: u32,
        step: u64,
        losses: Vec<f32>,
    },
    /// The last batch of an epoch was trained and the epoch evaluated.
    Epoch(EpochRecord),
    /// Training is over (all epochs, or early stopping); `reason` says which.
    Finished { reason: String },
}

/// Trains one network on one data set.
pub struct Trainer {
    pub spec: ModelSpec,
    /// How the spec's training steps split over threads (see [`parallel`]).
    splitting: parallel::Splitting,
    pub config: TrainConfig,
    data: TrainSet,
    device: Device,
    model: Option<Network>,
    optimizer: ModuleOptimizer,
    rng: ChaCha8Rng,
    augment_rng: ChaCha8Rng,
    order: Vec<u32>,
    position: usize,
    epoch: u32,
    step: u64,
    /// The epoch so far: summed loss, examples classified right, examples.
    epoch_totals: (f64, f64, usize),
    pub history: Vec<EpochRecord>,
    best: Option<(f32, Network)>,
    since_best: u32,
    finished: Option<String>,
    /// Whether each completed epoch is copied to the host (see [`Trainer::resume_on`]).
    keep_checkpoints: bool,
    checkpoint: Option<Checkpoint>,
    /// Examples trained on so far (each step's batch; a moved run counts its redone work).
    examples_trained: u64,
    /// The epochs the network had when this run began (training further); 0 for a new one.
    started_after: u32,
    /// How often losses are read back and where the batches come from.
    pacing: Pacing,
    /// The training examples on the device, when [`Pacing::resident`] and they fit.
    resident: Option<Tensor<2>>,
    /// Steps whose loss has not been read back yet.
    unread: Vec<Unread>,
}

/// How a trainer spares the round trips to its device. On the CPU a readback is a copy,
/// so every step's loss is read at once; on a GPU it waits for the device to finish and
/// map a buffer, which for the small models Hearth trains can cost as much as the step,
/// so the losses of several steps are read in one go, and the training examples are
/// uploaded once rather than a batch at every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pacing {
    /// Steps whose losses are read back together (an epoch's last step always reads).
    pub read_every: usize,
    /// Whether the training examples stay on the device (when they fit in
    /// [`RESIDENT_BYTES`] and training images are not varied per batch).
    pub resident: bool,
}

/// Steps between readbacks on a GPU.
pub const GPU_READ_EVERY: usize = 16;

/// The most example data kept on a device: half of WebGPU's default limit on one
/// storage buffer binding (128 MiB).
pub const RESIDENT_BYTES: usize = 64 << 20;

impl Pacing {
    /// Every step read, batches uploaded as they are trained.
    pub const EVERY_STEP: Pacing = Pacing {
        read_every: 1,
        resident: false,
    };

    /// What suits `device`: [`Pacing::EVERY_STEP`] on the CPU, and on a GPU readbacks
    /// every [`GPU_READ_EVERY`] steps with the examples on the device.
    pub fn for_device(device: &Device) -> Pacing {
        if *device == Device::flex() {
            Pacing::EVERY_STEP
        } else {
            Pacing {
                read_every: GPU_READ_EVERY,
                resident: true,
            }
        }
    }
}

/// A step's loss and count classified right (per shard), still on the device.
#[derive(Debug)]
struct Unread {
    step: u64,
    rows: usize,
    values: Tensor<1>,
}

/// The state at the end of the last completed epoch, on the host, so that training can
/// go on from there on another device.
#[derive(Debug, Clone)]
struct Checkpoint {
    epoch: u32,
    step: u64,
    weights: HostWeights,
    best: Option<(f32, HostWeights)>,
    since_best: u32,
}

impl Trainer {
    /// A trainer with freshly initialised weights (seeded by the config).
    pub fn new(
        spec: ModelSpec,
        config: TrainConfig,
        data: TrainSet,
        device: &Device,
    ) -> Result<Self, Error> {
        config.check()?;
        if let ExampleWeights::ReweighGroups { column } = &config.weights {
            return Err(ConfigError::UnresolvedReweighing {
                column: column.clone(),
            }
            .into());
        }
        let infos = spec.infer()?;
        let input = infos.first().map_or(0, |_| Shape::from(spec.input).size());
        if input != data.width {
            return Err(Error::Inputs {
                expected: input,
                found: data.width,
            });
        }
        if data.train.is_empty() {
            return Err(Error::EmptyTrainingSplit);
        }
        let device = device.clone().autodiff();
        // The weights come from the seed alone; the device's generator (dropout's masks)
        // is seeded too, which repeats a run where nothing else draws from it meanwhile.
        device.seed(config.seed);
        let model = Network::new(&spec, config.seed, &device)?;
        let optimizer = build_optimizer(&config, &device);
        let pacing = Pacing::for_device(&device);
        Ok(Trainer {
            splitting: parallel::Splitting::of(&spec),
            rng: epoch_rngs(config.seed, 0).0,
            augment_rng: epoch_rngs(config.seed, 0).1,
            spec,
            config,
            data,
            device,
            model: Some(model),
            optimizer,
            order: Vec::new(),
            position: 0,
            epoch: 0,
            step: 0,
            epoch_totals: (0.0, 0.0, 0),
            history: Vec::new(),
            best: None,
            since_best: 0,
            finished: None,
            keep_checkpoints: false,
            checkpoint: None,
            examples_trained: 0,
            started_after: 0,
            pacing,
            resident: None,
            unread: Vec::new(),
        })
    }

    /// Copies the weights to the host after every epoch from now on, so that a failing
    /// device (a lost GPU) costs at most the epoch under way. One read per epoch.
    pub fn keep_checkpoints(&mut self) {
        self.keep_checkpoints = true;
    }

    /// Steps Adam with [`FusedAdam`] (`true`) or burn's own (`false`) instead of what
    /// suits the device and threads (the benchmark compares them; see `build_optimizer`).
    /// Starts the optimizer afresh.
    pub fn use_fused_adam(&mut self, fused: bool) {
        if matches!(self.config.optimizer, Optimizer::Adam) {
            self.optimizer = optimizer_for(&self.config, fused);
        }
    }

    /// Reads losses and keeps examples as `pacing` says, instead of what suits the device.
    pub fn set_pacing(&mut self, pacing: Pacing) {
        self.pacing = Pacing {
            read_every: pacing.read_every.max(1),
            ..pacing
        };
        if !pacing.resident {
            self.resident = None;
        }
    }

    /// Moves training to `device`, going on from the last completed epoch (or from the
    /// start when none was copied): the weights, the shuffling and early stopping's best
    /// so far are restored; the optimizer's running averages start afresh. Returns the
    /// epoch training goes on after.
    pub fn resume_on(&mut self, device: &Device) -> Result<u32, Error> {
        let device = device.clone().autodiff();
        let model = match self.checkpoint.clone() {
            Some(checkpoint) => {
                let model = Network::from_host(&self.spec, &checkpoint.weights, &device)?;
                self.best = match checkpoint.best {
                    Some((loss, weights)) => {
                        Some((loss, Network::from_host(&self.spec, &weights, &device)?))
                    }
                    None => None,
                };
                self.step = checkpoint.step;
                self.epoch = checkpoint.epoch;
                self.since_best = checkpoint.since_best;
                model
            }
            None => {
                device.seed(self.config.seed);
                self.step = 0;
                self.epoch = 0;
                self.best = None;
                self.since_best = 0;
                Network::new(&self.spec, self.config.seed, &device)?
            }
        };
        self.model = Some(model);
        self.pacing = Pacing::for_device(&device);
        self.resident = None;
        self.unread.clear();
        self.device = device;
        self.optimizer = build_optimizer(&self.config, &self.device);
        self.position = 0;
        self.order.clear();
        self.epoch_totals = (0.0, 0.0, 0);
        self.history.truncate(self.epoch as usize);
        self.finished = None;
        Ok(self.epoch)
    }

    /// Goes on from a trained network of this spec: its `weights`, and its `history` (the
    /// epochs it was trained for), training this config's epochs more, numbered on from
    /// there. Returns the epoch it goes on after.
    pub fn continue_from(
        &mut self,
        weights: &HostWeights,
        history: Vec<EpochRecord>,
    ) -> Result<u32, Error> {
        self.use_weights(weights)?;
        let done = history.last().map_or(0, |record| record.epoch);
        self.epoch = done;
        self.step = u64::from(done) * self.steps_per_epoch();
        self.config.epochs = done.saturating_add(self.config.epochs);
        self.history = history;
        self.started_after = done;
        Ok(done)
    }

    /// The share of the learning rate a step takes: 1, except in the first
    /// [`WARM_UP_STEPS`] steps of training further with an optimizer that keeps running
    /// averages (Adam, AdamW, RMSprop, momentum): those start afresh, and a full first
    /// step of Adam moves every weight by the whole rate at once, undoing much of what
    /// the model had learned. SGD without momentum keeps no state and goes on as it was.
    fn warm_up(&self) -> f64 {
        let stateless =
            matches!(self.config.optimizer, Optimizer::Sgd { momentum, .. } if momentum == 0.0);
        let steps_before = u64::from(self.started_after) * self.steps_per_epoch();
        let step = self.step.saturating_sub(steps_before);
        if self.started_after == 0 || stateless || step >= WARM_UP_STEPS {
            1.0
        } else {
            step as f64 / WARM_UP_STEPS as f64
        }
    }

    /// One optimizer step at `rate`; kept layers that are fine-tuned (see
    /// [`crate::model::Origin`]) are stepped at their own, lower rate. Frozen ones have
    /// no gradients and are left as they are.
    fn descend(&mut self, rate: f64, model: Network, gradients: StepGradients) -> Network {
        let model = self.optimizer.step(rate, model, gradients.rest);
        match (gradients.kept, self.tuned()) {
            (Some(kept), Some((_, factor))) => self.optimizer.step(rate * factor, model, kept),
            _ => model,
        }
    }

    /// The layers of a base model that are fine-tuned, and the share of the learning rate
    /// they train at; `None` when there are none (a new model, or frozen layers).
    fn tuned(&self) -> Option<(usize, f64)> {
        self.spec
            .origin
            .as_ref()
            .filter(|origin| !origin.frozen)
            .map(|origin| (origin.kept_layers, origin.kept_rate))
    }

    /// The forward and backward pass of `rows` (inputs `x`) through `model`, its loss
    /// scaled by `scale` (a shard's share of the batch), with the L1 penalty when
    /// `penalise` (one shard of a batch carries it). The readback holds the scaled loss
    /// and, for classification, how many rows were classified right.
    fn pass(
        &self,
        model: &Network,
        x: Tensor<2>,
        rows: &[u32],
        scale: f32,
        penalise: bool,
    ) -> Pass {
        let device = &self.device;
        let (loss, output) = self.loss_on(model.forward(&self.spec, x), rows, device, true);
        let loss = if scale == 1.0 {
            loss
        } else {
            loss.mul_scalar(scale)
        };
        let correct = self
            .correct(output.detach(), rows, device)
            .unwrap_or_else(|| Tensor::zeros([1], device));
        let readback = Tensor::cat(vec![loss.clone().detach(), correct], 0);
        let objective = if penalise && self.config.l1 > 0.0 {
            loss + model.weight_l1().mul_scalar(self.config.l1)
        } else {
            loss
        };
        let mut raw = objective.backward();
        let gradients = match self.tuned() {
            Some((layers, _)) => StepGradients {
                kept: Some(GradientsParams::from_params(
                    &mut raw,
                    model,
                    &model.param_ids_in(layers),
                )),
                rest: GradientsParams::from_module(&mut raw, model),
            },
            None => StepGradients {
                rest: GradientsParams::from_grads(raw, model),
                kept: None,
            },
        };
        Pass {
            readback,
            gradients,
        }
    }

    /// The pass of a batch split into `shards` (see [`parallel`]): each shard's on a
    /// replica of `model`, on threads, and their gradients summed.
    fn sharded_pass(
        &self,
        model: &Network,
        x: Tensor<2>,
        rows: &[u32],
        shards: usize,
    ) -> (Tensor<1>, StepGradients) {
        let ranges = parallel::split(rows.len(), shards);
        let weights = loss::weights(&self.config.weights, &self.data, rows, true);
        let share = |range: &std::ops::Range<usize>| match &weights {
            Some(weights) => weights[range.clone()].iter().sum::<f32>(),
            None => range.len() as f32,
        };
        let total = ranges.iter().map(share).sum::<f32>().max(f32::EPSILON);
        let replicas: Vec<(Network, Tensor<2>, f32)> = ranges
            .iter()
            .map(|range| {
                let part = x.clone().slice(range.clone());
                (parallel::replica(model), part, share(range) / total)
            })
            .collect();
        let passes = parallel::run(ranges, |index, range| {
            let (replica, part, scale) = &replicas[index];
            self.pass(replica, part.clone(), &rows[range], *scale, index == 0)
        });
        let mut rest = GradientsAccumulator::<Network>::new();
        let mut kept = GradientsAccumulator::<Network>::new();
        let mut readbacks = Vec::with_capacity(passes.len());
        let mut any_kept = false;
        for pass in passes {
            readbacks.push(pass.readback);
            rest.accumulate(model, pass.gradients.rest);
            if let Some(gradients) = pass.gradients.kept {
                kept.accumulate(model, gradients);
                any_kept = true;
            }
        }
        (
            Tensor::cat(readbacks, 0),
            StepGradients {
                rest: rest.grads(),
                kept: any_kept.then(|| kept.grads()),
            },
        )
    }

    /// One step at rate 1 of the training rows `rows`, in `shards` (as a training step
    /// splits a batch over threads, or as one pass when 1), and the weights left in place
    /// after: how far each weight moved, then the loss and the count classified right
    /// summed over the shards. With plain SGD that is minus the gradient, so a batch in
    /// shards and the whole batch must give the same (see [`crate::kernels`]).
    pub(crate) async fn moved_by_one_step(
        &mut self,
        rows: &[u32],
        shards: usize,
    ) -> Result<Vec<Vec<f32>>, Error> {
        let model = self.model.take().ok_or_else(model_gone)?;
        let before = model.to_host().await?;
        let x = self.inputs(rows, &self.device.clone(), false);
        let (readback, gradients) = if shards <= 1 {
            let pass = self.pass(&model, x, rows, 1.0, true);
            (pass.readback, pass.gradients)
        } else {
            self.sharded_pass(&model, x, rows, shards)
        };
        let values = read_back(readback).await?;
        let stepped = self.descend(1.0, model.clone(), gradients);
        let after = stepped.to_host().await?;
        self.model = Some(model);
        let mut moved: Vec<Vec<f32>> = (before.tensors.iter().zip(&after.tensors))
            .map(|((_, a), (_, b))| a.iter().zip(b).map(|(a, b)| b - a).collect())
            .collect();
        let (loss, correct) = loss_and_correct(&values);
        moved.push(vec![loss, correct]);
        Ok(moved)
    }

    /// Holds the first [`Origin::kept_layers`](crate::model::Origin) layers of a base
    /// model, `kept` (the first tensors of its weights), in place of fresh ones.
    pub fn keep_layers(&mut self, kept: &HostWeights) -> Result<(), Error> {
        let layers = self
            .spec
            .origin
            .as_ref()
            .map_or(0, |origin| origin.kept_layers);
        let model = self.model.take().ok_or_else(model_gone)?;
        self.model = Some(model.keep(layers, kept)?);
        Ok(())
    }

    /// Batches in an epoch.
    fn steps_per_epoch(&self) -> u64 {
        self.config.steps_per_epoch(self.train_rows())
    }

    /// Holds `weights` (of a network of this spec, such as a model opened from a file)
    /// instead of the fresh ones it started with.
    pub fn use_weights(&mut self, weights: &HostWeights) -> Result<(), Error> {
        self.model = Some(Network::from_host(&self.spec, weights, &self.device)?);
        Ok(())
    }

    /// The weights as they are now, when the last host copy is of this very state (right
    /// after an epoch, with checkpoints kept); `None` otherwise.
    pub fn host_weights(&self) -> Option<&HostWeights> {
        self.checkpoint
            .as_ref()
            .filter(|checkpoint| checkpoint.step == self.step && checkpoint.epoch == self.epoch)
            .map(|checkpoint| &checkpoint.weights)
    }

    /// Copies the state at the end of an epoch to the host.
    async fn take_checkpoint(&mut self) -> Result<(), Error> {
        let Some(model) = &self.model else {
            return Err(model_gone());
        };
        let weights = model.to_host().await?;
        let best = match (&self.best, self.since_best) {
            (Some((loss, _)), 0) => Some((*loss, weights.clone())),
            (Some(_), _) => self
                .checkpoint
                .as_ref()
                .and_then(|checkpoint| checkpoint.best.clone()),
            (None, _) => None,
        };
        self.checkpoint = Some(Checkpoint {
            epoch: self.epoch,
            step: self.step,
            weights,
            best,
            since_best: self.since_best,
        });
        Ok(())
    }

    /// Trains one batch (and, after an epoch's last batch, evaluates the epoch).
    pub async fn step(&mut self) -> Result<StepOutcome, Error> {
        if let Some(reason) = &self.finished {
            return Ok(StepOutcome::Finished {
                reason: reason.clone(),
            });
        }
        if self.position == 0 {
            // Each epoch's shuffling and augmentation depend on the seed and the epoch
            // alone, so that a run moved to another device, or trained further from its
            // model file, goes on as the same run would have.
            (self.rng, self.augment_rng) = epoch_rngs(self.config.seed, self.epoch);
            self.order = self.data.train.clone();
            self.order.shuffle(&mut self.rng);
        }
        let end = (self.position + self.config.batch_size).min(self.order.len());
        let rows: Vec<u32> = self.order[self.position..end].to_vec();
        self.position = end;
        self.step += 1;

        let model = self.model.take().ok_or_else(model_gone)?;
        let device = self.device.clone();
        let x = self.training_inputs(&rows, &device);
        let shards = self.splitting.shards(rows.len(), parallel::threads());
        let (readback, gradients) = if shards > 1 {
            self.sharded_pass(&model, x, &rows, shards)
        } else {
            let pass = self.pass(&model, x, &rows, 1.0, true);
            (pass.readback, pass.gradients)
        };
        // The loss and the number classified right (per shard), read back now or with
        // later steps' (see [`Pacing`]); an epoch's last step reads all that are left.
        self.unread.push(Unread {
            step: self.step,
            rows: rows.len(),
            values: readback,
        });
        let epoch_ends = self.position >= self.order.len();
        let mut losses = Vec::new();
        if epoch_ends || self.unread.len() >= self.pacing.read_every {
            match self.settle().await {
                Ok(read) => losses = read,
                Err(error) => {
                    // Read at once (on the CPU), the step that diverged has not moved the
                    // weights; read later, the steps after it have.
                    self.model = Some(model);
                    return Err(error);
                }
            }
        }
        let rate = self.config.learning_rate_at(self.epoch) * self.warm_up();
        self.model = Some(self.descend(rate, model, gradients));
        self.examples_trained += rows.len() as u64;

        if !epoch_ends {
            return Ok(StepOutcome::Step {
                epoch: self.epoch + 1,
                step: self.step,
                losses,
            });
        }
        // End of the epoch.
        self.position = 0;
        self.epoch += 1;
        let (loss_sum, correct, examples) = self.epoch_totals;
        let examples = examples.max(1) as f64;
        self.epoch_totals = (0.0, 0.0, 0);
        let (validation_loss, validation_accuracy) = if self.data.validation.is_empty() {
            (None, None)
        } else {
            let (loss, accuracy) = self.evaluate(&self.data.validation.clone()).await?;
            (Some(loss), accuracy)
        };
        let record = EpochRecord {
            epoch: self.epoch,
            train_loss: (loss_sum / examples) as f32,
            validation_loss,
            train_accuracy: self.classifies().then_some((correct / examples) as f32),
            validation_accuracy,
            learning_rate: rate,
        };
        self.history.push(record.clone());
        self.track_best(validation_loss);
        if self.epoch >= self.config.epochs {
            let reason = if self.started_after == 0 {
                format!("trained {}", counted(u64::from(self.epoch), "epoch"))
            } else {
                format!(
                    "trained {} more ({} in all)",
                    counted(u64::from(self.epoch - self.started_after), "epoch"),
                    self.epoch
                )
            };
            self.finish(reason);
        }
        if self.keep_checkpoints {
            self.take_checkpoint().await?;
        }
        Ok(StepOutcome::Epoch(record))
    }

    /// The validation split's rows.
    pub fn validation_rows(&self) -> &[u32] {
        &self.data.validation
    }

    /// The target of `row` (a class index, or the value for regression).
    pub fn target(&self, row: u32) -> f32 {
        self.data.y.get(row as usize).copied().unwrap_or(f32::NAN)
    }

    /// Examples trained on so far, over all steps.
    pub fn examples_trained(&self) -> u64 {
        self.examples_trained
    }

    /// How many examples the data holds, over all splits.
    pub fn rows(&self) -> usize {
        self.data.y.len()
    }

    /// How many examples each epoch trains on.
    pub fn train_rows(&self) -> usize {
        self.data.train.len()
    }

    /// Whether training is over.
    pub fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// Stops now (keeping the best weights when early stopping asks for them).
    pub fn stop(&mut self) {
        self.finish(format!(
            "stopped after {}",
            counted(u64::from(self.epoch), "epoch")
        ));
    }

    /// The trained network, for inference.
    pub fn network(&self) -> Option<Network> {
        self.model.as_ref().map(|model| model.valid())
    }

    /// Predictions for `rows` of the data: class probabilities, or the number for
    /// regression (a single value per row, in the target's units).
    pub async fn predict(&self, rows: &[u32]) -> Result<Vec<Vec<f32>>, Error> {
        let model = self.network().ok_or_else(model_gone)?;
        inference::predict(
            &model,
            &self.spec,
            &self.examples(rows),
            (self.data.target_mean, self.data.target_std),
            &self.device.clone().inner(),
        )
        .await
    }

    fn finish(&mut self, reason: String) {
        if self
            .config
            .early_stopping
            .is_some_and(|early| early.restore_best)
            && let Some((_, best)) = self.best.take()
        {
            self.model = Some(best);
            // The host copy no longer holds the model's weights.
            self.checkpoint = None;
        }
        self.finished = Some(reason);
    }

    fn track_best(&mut self, validation_loss: Option<f32>) {
        let (Some(early), Some(loss)) = (self.config.early_stopping, validation_loss) else {
            return;
        };
        if self.best.as_ref().is_none_or(|(best, _)| loss < *best) {
            if let Some(model) = &self.model {
                self.best = Some((loss, model.clone()));
            }
            self.since_best = 0;
        } else {
            self.since_best += 1;
            if self.since_best >= early.patience {
                let best_epoch = self.epoch - self.since_best;
                self.finish(format!(
                    "stopped early: no better validation loss for {} epochs (best at epoch {best_epoch})",
                    early.patience
                ));
            }
        }
    }

    /// The mean loss of `rows` (unweighted) and, for classification, the accuracy.
    async fn evaluate(&mut self, rows: &[u32]) -> Result<(f32, Option<f32>), Error> {
        let Some(model) = &self.model else {
            return Err(model_gone());
        };
        let model = model.valid();
        let device = self.device.clone().inner();
        let (mut total, mut correct, mut count) = (0.0f64, 0.0f64, 0usize);
        for chunk in rows.chunks(self.spec.rows_per_pass()) {
            let x = self.inputs(chunk, &device, false);
            let (loss, output) = self.loss_on(model.infer(&self.spec, x), chunk, &device, false);
            let mut readback = vec![loss];
            if let Some(right) = self.correct(output, chunk, &device) {
                readback.push(right);
            }
            let values = read_back(Tensor::cat(readback, 0)).await?;
            total += f64::from(values.first().copied().unwrap_or(f32::NAN)) * chunk.len() as f64;
            correct += f64::from(values.get(1).copied().unwrap_or(0.0));
            count += chunk.len();
        }
        let count = count.max(1) as f64;
        Ok((
            (total / count) as f32,
            self.classifies().then_some((correct / count) as f32),
        ))
    }

    fn classifies(&self) -> bool {
        self.spec.task != Task::Regression
    }
    /// How many of `rows` the outputs classify right (see [`loss::correct`]).
    fn correct(&self, output: Tensor<2>, rows: &[u32], device: &Device) -> Option<Tensor<1>> {
        loss::correct(self.spec.task, &self.data, output, rows, device)
    }

    /// The mean loss of `rows` given the network's `output` for them (see [`loss::loss`]).
    fn loss_on(
        &self,
        output: Tensor<2>,
        rows: &[u32],
        device: &Device,
        weighted: bool,
    ) -> (Tensor<1>, Tensor<2>) {
        loss::loss(
            &self.spec,
            &self.config.weights,
            &self.data,
            output,
            rows,
            device,
            weighted,
        )
    }

    /// The inputs of `rows` as a batch; training batches of images are augmented.
    fn inputs(&mut self, rows: &[u32], device: &Device, training: bool) -> Tensor<2> {
        let augment_rng = training.then_some(&mut self.augment_rng);
        self.data.batch(rows, device, augment_rng)
    }

    /// A training batch's inputs: from the examples kept on the device where the pacing
    /// says so (uploaded on first use), otherwise uploaded (and varied) now.
    fn training_inputs(&mut self, rows: &[u32], device: &Device) -> Tensor<2> {
        let varied = self
            .data
            .augment
            .is_some_and(|augment| !augment.augment.is_none());
        let fits = self.data.x.len() * std::mem::size_of::<f32>() <= RESIDENT_BYTES;
        if !self.pacing.resident || varied || !fits {
            return self.inputs(rows, device, true);
        }
        let examples = self.resident.get_or_insert_with(|| {
            let count = self.data.x.len() / self.data.width.max(1);
            Tensor::<2>::from_data(
                TensorData::new(self.data.x.clone(), [count, self.data.width]),
                device,
            )
        });
        let indices: Vec<i64> = rows.iter().map(|&row| i64::from(row)).collect();
        let indices = Tensor::<1, Int>::from_data(TensorData::new(indices, [rows.len()]), device);
        examples.clone().select(0, indices)
    }

    /// Reads back the losses of the steps not read yet (see [`Pacing`]), which waits for
    /// the device to finish them, and counts them into the epoch; returns them in order.
    /// A timer of steps calls it before it reads its clock. Fails when a loss is not a
    /// number, naming the step.
    pub async fn settle(&mut self) -> Result<Vec<f32>, Error> {
        let mut losses = Vec::new();
        for (step, rows, loss, correct) in self.read_unread().await? {
            if !loss.is_finite() {
                self.finished = Some(format!("the loss became {loss} at step {step}"));
                return Err(Error::Diverged {
                    step: step as usize,
                    loss,
                });
            }
            self.epoch_totals.0 += f64::from(loss) * rows as f64;
            self.epoch_totals.1 += f64::from(correct);
            self.epoch_totals.2 += rows;
            losses.push(loss);
        }
        Ok(losses)
    }

    /// Reads the unread steps' values back in one readback: for each step, its number, its
    /// rows, its loss and the count it classified right (each summed over its shards).
    async fn read_unread(&mut self) -> Result<Vec<(u64, usize, f32, f32)>, Error> {
        let unread = std::mem::take(&mut self.unread);
        if unread.is_empty() {
            return Ok(Vec::new());
        }
        let lengths: Vec<usize> = unread.iter().map(|step| step.values.dims()[0]).collect();
        let values = read_back(Tensor::cat(
            unread.iter().map(|step| step.values.clone()).collect(),
            0,
        ))
        .await?;
        let mut start = 0;
        let mut read = Vec::with_capacity(unread.len());
        for (step, length) in unread.iter().zip(lengths) {
            let values = values.get(start..start + length).unwrap_or_default();
            start += length;
            let (loss, correct) = loss_and_correct(values);
            read.push((step.step, step.rows, loss, correct));
        }
        Ok(read)
    }

    /// The prepared inputs of `rows`, row-major.
    pub fn examples(&self, rows: &[u32]) -> Vec<f32> {
        self.data.examples(rows)
    }
}

/// One pass's results: what to read back (the scaled loss, then how many were
/// classified right) and the gradients.
struct Pass {
    readback: Tensor<1>,
    gradients: StepGradients,
}

/// A step's gradients: of the fine-tuned kept layers of a base model (stepped at their
/// own rate), and of the rest.
struct StepGradients {
    rest: GradientsParams,
    kept: Option<GradientsParams>,
}

/// The trainer's model is missing: a step failed on the device after taking it, so only
/// [`Trainer::resume_on`] (which the engine calls after a backend failure) brings it back.
/// The shuffling and augmentation generators of epoch `epoch` (from 0) of a run seeded
/// `seed`: one stream of each per epoch.
fn epoch_rngs(seed: u64, epoch: u32) -> (ChaCha8Rng, ChaCha8Rng) {
    let mut shuffle = ChaCha8Rng::seed_from_u64(seed);
    shuffle.set_stream(u64::from(epoch));
    let mut augment = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_a06e);
    augment.set_stream(u64::from(epoch));
    (shuffle, augment)
}

/// Steps over which the learning rate rises to its full value when a model is trained
/// further with an optimizer whose running averages start afresh (see
/// [`Trainer::warm_up`]).
pub const WARM_UP_STEPS: u64 = 20;

/// A step's read-back values, a loss and a count classified right for each shard in turn,
/// summed over the shards.
fn loss_and_correct(values: &[f32]) -> (f32, f32) {
    (
        values.iter().step_by(2).sum(),
        values.iter().skip(1).step_by(2).sum(),
    )
}

fn model_gone() -> Error {
    Error::Backend("the model is gone".to_string())
}

/// The optimizer for the config on `device` (L2 as weight decay, except AdamW's own):
/// burn's, except Adam on the CPU on one thread, which is [`FusedAdam`] (the same
/// arithmetic in one pass). Measured in the browser on 2026-12-05, the MLP with 1,000
/// timed steps, seven rounds of the four in turn, the median of each one's best of two
/// runs (`BenchSettings::fused_adam` chooses): one thread, 382 steps/s fused against 312
/// with burn's; two threads, 644 with burn's against 494 fused. Why the fused one is the
/// slower with threads was not found, so there burn's stays.
fn build_optimizer(config: &TrainConfig, device: &Device) -> ModuleOptimizer {
    optimizer_for(
        config,
        *device == Device::flex() && parallel::threads() == 1,
    )
}

/// The optimizer for the config, Adam being [`FusedAdam`] when `fused`.
fn optimizer_for(config: &TrainConfig, fused: bool) -> ModuleOptimizer {
    let decay = (config.l2 > 0.0).then(|| WeightDecayConfig::new(config.l2 as f32));
    match config.optimizer {
        Optimizer::Adam if fused => ModuleOptimizer::from(FusedAdam::new(
            (config.l2 > 0.0).then_some(config.l2 as f32),
        )),
        Optimizer::Sgd { momentum, nesterov } => SgdConfig::new()
            .with_weight_decay(decay)
            .with_momentum((momentum > 0.0).then(|| {
                MomentumConfig::new()
                    .with_momentum(momentum)
                    .with_dampening(0.0)
                    .with_nesterov(nesterov)
            }))
            .init(),
        Optimizer::Adam => AdamConfig::new().with_weight_decay(decay).init(),
        Optimizer::AdamW { weight_decay } => AdamWConfig::new()
            .with_weight_decay(weight_decay as f32)
            .init(),
        Optimizer::RmsProp { momentum } => RmsPropConfig::new()
            .with_momentum(momentum as f32)
            .with_weight_decay(decay)
            .init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::session::DataSession;
    use crate::metrics::{self, SplitName};
    use crate::model::spec::InputShape;

    /// A built-in table prepared as its defaults say.
    fn prepared(name: &str) -> (TrainSet, crate::data::prep::Prepared) {
        let mut session = DataSession::default();
        session.load_builtin(name);
        let prepared = session.prepared().expect("a table").expect("prepares");
        let set = TrainSet::from_prepared(&prepared);
        (set, prepared)
    }

    async fn train(trainer: &mut Trainer) -> Result<(), Error> {
        while !trainer.is_finished() {
            trainer.step().await?;
        }
        Ok(())
    }

    #[test]
    fn an_mlp_learns_xor() {
        let (set, prepared) = prepared("xor");
        let classes = prepared.target.classes.len();
        let spec = ModelSpec::mlp(
            InputShape::Features {
                features: set.width,
            },
            prepared.target.task,
            classes,
        );
        let config = TrainConfig {
            learning_rate: 0.01,
            epochs: 40,
            batch_size: 32,
            ..TrainConfig::default()
        };
        let test_rows = set.test.clone();
        let truth: Vec<usize> = test_rows
            .iter()
            .map(|&row| set.y[row as usize] as usize)
            .collect();
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        pollster::block_on(train(&mut trainer)).unwrap();
        assert_eq!(trainer.history.len(), 40);
        // Biases start at zero and learn.
        let head = trainer.network().unwrap().head;
        let bias = head
            .bias
            .unwrap()
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(bias.iter().any(|&b| b.abs() > 1e-3), "{bias:?}");
        let first = trainer.history[0].train_loss;
        let last = trainer.history[39].train_loss;
        assert!(last < first / 4.0, "loss {first} -> {last}");
        let probabilities = pollster::block_on(trainer.predict(&test_rows)).unwrap();
        let labels: Vec<String> = prepared
            .target
            .classes
            .iter()
            .map(|(label, _)| label.clone())
            .collect();
        let metrics = metrics::classification(SplitName::Test, &labels, &truth, &probabilities);
        assert!(
            metrics.accuracy >= 0.98,
            "XOR test accuracy {}",
            metrics.accuracy
        );
    }

    /// One SGD step at rate 1 of the first `rows` training rows, in `shards` (see
    /// [`Trainer::moved_by_one_step`]).
    fn one_step(name: &str, weights: ExampleWeights, rows: usize, shards: usize) -> Vec<Vec<f32>> {
        let (set, prepared) = prepared(name);
        let spec = ModelSpec::mlp(
            InputShape::Features {
                features: set.width,
            },
            prepared.target.task,
            prepared.target.classes.len(),
        );
        let config = TrainConfig {
            optimizer: Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            l1: 0.01,
            weights,
            ..TrainConfig::default()
        };
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        let batch: Vec<u32> = trainer.data.train[..rows].to_vec();
        pollster::block_on(trainer.moved_by_one_step(&batch, shards)).unwrap()
    }

    #[test]
    fn a_batch_in_shards_steps_as_the_whole_batch() {
        let cases = [
            (
                "iris",
                ExampleWeights::PerClass {
                    weights: vec![1.0, 3.0, 0.5],
                },
                15,
                2,
            ),
            ("iris", ExampleWeights::None, 16, 3),
            ("regression", ExampleWeights::None, 20, 2),
        ];
        for (name, weights, rows, shards) in cases {
            let whole = one_step(name, weights.clone(), rows, 1);
            let split = one_step(name, weights, rows, shards);
            assert_eq!(whole.len(), split.len());
            for (a, b) in whole.iter().zip(&split) {
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(b) {
                    assert!(
                        (x - y).abs() <= 1e-5 * (1.0 + x.abs()),
                        "{name}: {x} against {y}"
                    );
                }
                // Every layer's weights moved (the gradient is not zero).
                assert!(a.iter().any(|x| x.abs() > 1e-7), "{name}: {a:?}");
            }
        }
    }

    /// SGD with momentum at a rate that makes the regression MLP's loss overflow.
    fn diverging() -> TrainConfig {
        TrainConfig {
            optimizer: Optimizer::Sgd {
                momentum: 0.9,
                nesterov: false,
            },
            learning_rate: 1e6,
            epochs: 5,
            ..TrainConfig::default()
        }
    }

    #[test]
    fn a_diverging_run_stops_with_the_step_and_advice() {
        let (set, prepared) = prepared("regression");
        let spec = ModelSpec::mlp(
            InputShape::Features {
                features: set.width,
            },
            Task::Regression,
            0,
        );
        let config = diverging();
        assert_eq!(prepared.target.task, Task::Regression);
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        let error = pollster::block_on(train(&mut trainer)).unwrap_err();
        let Error::Diverged { step, .. } = error else {
            panic!("expected divergence, got {error:?}");
        };
        assert!(step >= 1);
        assert!(error.to_string().contains("try a lower learning rate"));
        assert!(trainer.is_finished());
    }

    /// Every step's outcome and the epochs' records of a run on `pacing`.
    fn paced_run(
        name: &str,
        pacing: Pacing,
        config: TrainConfig,
    ) -> (Vec<StepOutcome>, Result<(), Error>) {
        let (set, prepared) = prepared(name);
        let spec = ModelSpec::mlp(
            features(&set),
            prepared.target.task,
            prepared.target.classes.len(),
        );
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        assert_eq!(
            trainer.pacing,
            Pacing::EVERY_STEP,
            "the CPU reads every step"
        );
        trainer.set_pacing(pacing);
        let mut outcomes = Vec::new();
        while !trainer.is_finished() {
            match pollster::block_on(trainer.step()) {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => return (outcomes, Err(error)),
            }
        }
        if pacing.resident {
            assert!(
                trainer.resident.is_some(),
                "the examples were not kept on the device"
            );
        }
        (outcomes, Ok(()))
    }

    #[test]
    fn losses_read_back_every_few_steps_train_the_same_run() {
        let config = TrainConfig {
            epochs: 2,
            batch_size: 8,
            ..TrainConfig::default()
        };
        let (each, done) = paced_run("iris", Pacing::EVERY_STEP, config.clone());
        done.unwrap();
        let gpu_like = Pacing {
            read_every: 4,
            resident: true,
        };
        let (paced, done) = paced_run("iris", gpu_like, config);
        done.unwrap();
        assert_eq!(each.len(), paced.len());
        let losses = |outcomes: &[StepOutcome]| -> Vec<Vec<f32>> {
            outcomes
                .iter()
                .filter_map(|outcome| match outcome {
                    StepOutcome::Step { losses, .. } => Some(losses.clone()),
                    _ => None,
                })
                .collect()
        };
        let (each_losses, paced_losses) = (losses(&each), losses(&paced));
        // Every step's loss arrives at once on the CPU; paced, four at a time (an epoch's
        // last step reads the rest with the epoch), the same values, and none in between.
        assert!(each_losses.iter().all(|losses| losses.len() == 1));
        assert_eq!(each_losses.len(), paced_losses.len());
        let mut read = 0;
        for (index, losses) in paced_losses.iter().enumerate() {
            if losses.is_empty() {
                continue;
            }
            assert_eq!(losses.len(), 4, "{paced_losses:?}");
            assert_eq!(losses[..], each_losses[index - 3..=index].concat()[..]);
            read += 1;
        }
        assert!(read >= 4, "{paced_losses:?}");
        // The epochs' records, read with the epoch's last step, are the same.
        let records = |outcomes: &[StepOutcome]| -> Vec<EpochRecord> {
            outcomes
                .iter()
                .filter_map(|outcome| match outcome {
                    StepOutcome::Epoch(record) => Some(record.clone()),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(records(&each).len(), 2);
        assert_eq!(records(&each), records(&paced));
    }

    #[test]
    fn a_run_read_every_few_steps_names_the_step_that_diverged() {
        let config = diverging();
        let (_, each) = paced_run("regression", Pacing::EVERY_STEP, config.clone());
        let Err(Error::Diverged { step: at, .. }) = each else {
            panic!("expected divergence, got {each:?}");
        };
        let paced = Pacing {
            read_every: 8,
            resident: false,
        };
        let (outcomes, late) = paced_run("regression", paced, config);
        let Err(Error::Diverged { step, .. }) = late else {
            panic!("expected divergence, got {late:?}");
        };
        // The same step, found when its readback came (at most 7 steps later).
        assert_eq!(step, at);
        assert!(
            outcomes.len() + 1 >= at && outcomes.len() < at + 8,
            "{} steps",
            outcomes.len()
        );
    }

    fn features(set: &TrainSet) -> InputShape {
        InputShape::Features {
            features: set.width,
        }
    }

    #[test]
    fn epochs_record_accuracy_for_classification_only() {
        let (set, iris) = prepared("iris");
        let spec = ModelSpec::logistic(features(&set), Task::MultiClass, 3);
        let config = TrainConfig {
            learning_rate: 0.05,
            epochs: 30,
            batch_size: 16,
            ..TrainConfig::default()
        };
        assert_eq!(iris.target.task, Task::MultiClass);
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        pollster::block_on(train(&mut trainer)).unwrap();
        let last = trainer.history.last().unwrap();
        assert!(last.train_accuracy.unwrap() > 0.85, "{last:?}");
        assert!(last.validation_accuracy.unwrap() > 0.85, "{last:?}");
        assert!(trainer.history[0].train_accuracy < last.train_accuracy);

        let (set, _) = prepared("regression");
        let spec = ModelSpec::logistic(features(&set), Task::Regression, 0);
        let config = TrainConfig {
            epochs: 1,
            ..TrainConfig::default()
        };
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        pollster::block_on(train(&mut trainer)).unwrap();
        let record = &trainer.history[0];
        assert!(record.train_accuracy.is_none() && record.validation_accuracy.is_none());
        assert!(record.validation_loss.is_some_and(f32::is_finite));
    }

    #[test]
    fn early_stopping_restores_the_best_weights() {
        let (set, _) = prepared("iris");
        let validation = set.validation.clone();
        let spec = ModelSpec::mlp(features(&set), Task::MultiClass, 3);
        let config = TrainConfig {
            learning_rate: 0.05,
            epochs: 300,
            batch_size: 8,
            early_stopping: Some(crate::model::EarlyStopping {
                patience: 3,
                restore_best: true,
            }),
            ..TrainConfig::default()
        };
        let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
        let mut reason = String::new();
        pollster::block_on(async {
            loop {
                if let StepOutcome::Finished { reason: why } = trainer.step().await.unwrap() {
                    reason = why;
                    break;
                }
            }
        });
        assert!(trainer.history.len() < 300, "never stopped early");
        assert!(reason.starts_with("stopped early"), "{reason}");
        let best = trainer
            .history
            .iter()
            .filter_map(|record| record.validation_loss)
            .fold(f32::INFINITY, f32::min);
        let last = trainer.history.last().unwrap().validation_loss.unwrap();
        assert!(
            last > best,
            "the last epoch was the best; nothing to restore"
        );
        let (now, _) = pollster::block_on(trainer.evaluate(&validation)).unwrap();
        assert!((now - best).abs() < 1e-5, "restored {now}, best {best}");
    }

    #[test]
    fn an_l1_penalty_shrinks_the_weights() {
        let train_with = |l1: f64| {
            let (set, _) = prepared("iris");
            let spec = ModelSpec::logistic(features(&set), Task::MultiClass, 3);
            let config = TrainConfig {
                learning_rate: 0.05,
                epochs: 40,
                batch_size: 16,
                l1,
                ..TrainConfig::default()
            };
            let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
            pollster::block_on(train(&mut trainer)).unwrap();
            let network = trainer.network().unwrap();
            network.weight_l1().into_scalar::<f32>()
        };
        let (plain, penalised) = (train_with(0.0), train_with(0.01));
        assert!(
            penalised < plain * 0.6,
            "sum of |w|: {plain} without, {penalised} with L1"
        );
    }

    #[test]
    fn class_weights_move_predictions_toward_the_heavier_class() {
        let positives = |weights: ExampleWeights| {
            let (set, _) = prepared("loans");
            let test = set.test.clone();
            let spec = ModelSpec::logistic(features(&set), Task::Binary, 2);
            let config = TrainConfig {
                learning_rate: 0.02,
                epochs: 15,
                weights,
                ..TrainConfig::default()
            };
            let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
            pollster::block_on(train(&mut trainer)).unwrap();
            let probabilities = pollster::block_on(trainer.predict(&test)).unwrap();
            probabilities.iter().filter(|p| p[1] > 0.5).count()
        };
        let plain = positives(ExampleWeights::None);
        let heavy = positives(ExampleWeights::PerClass {
            weights: vec![1.0, 8.0],
        });
        assert!(heavy > plain, "approved: {plain} plain, {heavy} weighted");
    }

    #[test]
    fn a_run_moved_mid_epoch_goes_on_from_the_last_epoch_as_if_never_moved() {
        // Plain SGD keeps no state, so a moved run must match an unmoved one exactly.
        let run = |move_at: Option<usize>| {
            let (set, _) = prepared("iris");
            let spec = ModelSpec::mlp(features(&set), Task::MultiClass, 3);
            let config = TrainConfig {
                optimizer: Optimizer::Sgd {
                    momentum: 0.0,
                    nesterov: false,
                },
                learning_rate: 0.05,
                epochs: 6,
                batch_size: 16,
                ..TrainConfig::default()
            };
            let mut trainer = Trainer::new(spec, config, set, &Device::flex()).unwrap();
            trainer.keep_checkpoints();
            let mut steps = 0;
            pollster::block_on(async {
                while !trainer.is_finished() {
                    trainer.step().await.unwrap();
                    steps += 1;
                    if Some(steps) == move_at {
                        let from = trainer.resume_on(&Device::flex()).unwrap();
                        assert_eq!(from, 3, "moved after step {steps}");
                        assert_eq!(trainer.history.len(), 3);
                    }
                }
            });
            trainer.history.clone()
        };
        // Iris trains 105 rows: 7 steps an epoch, so step 24 is the 3rd of epoch 4.
        let moved = run(Some(24));
        let unmoved = run(None);
        assert_eq!(moved.len(), 6);
        for (a, b) in moved.iter().zip(&unmoved) {
            assert!(
                (a.train_loss - b.train_loss).abs() < 1e-6
                    && a.validation_loss == b.validation_loss,
                "epoch {}: {a:?} vs {b:?}",
                a.epoch
            );
        }
    }

    #[test]
    fn a_run_moved_before_its_first_epoch_starts_again() {
        let (set, _) = prepared("iris");
        let spec = ModelSpec::mlp(features(&set), Task::MultiClass, 3);
        let mut trainer = Trainer::new(spec, TrainConfig::default(), set, &Device::flex()).unwrap();
        trainer.keep_checkpoints();
        pollster::block_on(trainer.step()).unwrap();
        assert_eq!(trainer.resume_on(&Device::flex()).unwrap(), 0);
        let progress = pollster::block_on(trainer.step()).unwrap();
        assert!(
            matches!(
                progress,
                StepOutcome::Step {
                    epoch: 1,
                    step: 1,
                    ..
                }
            ),
            "{progress:?}"
        );
    }

    #[test]
    fn training_can_stop_at_any_step_and_the_model_still_predicts() {
        let (set, _) = prepared("iris");
        let rows = set.test.clone();
        let spec = ModelSpec::mlp(features(&set), Task::MultiClass, 3);
        let mut trainer = Trainer::new(spec, TrainConfig::default(), set, &Device::flex()).unwrap();
        for _ in 0..3 {
            let progress = pollster::block_on(trainer.step()).unwrap();
            assert!(matches!(progress, StepOutcome::Step { .. }), "{progress:?}");
        }
        trainer.stop();
        assert!(trainer.is_finished());
        let progress = pollster::block_on(trainer.step()).unwrap();
        assert!(matches!(progress, StepOutcome::Finished { .. }));
        let probabilities = pollster::block_on(trainer.predict(&rows)).unwrap();
        assert_eq!(probabilities.len(), rows.len());
        for row in probabilities {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
    }
}
