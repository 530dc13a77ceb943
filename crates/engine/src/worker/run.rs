//! The bookkeeping of a training run: its clock (pauses excluded), the examples and steps
//! trained, the epoch's running loss, and the progress and finished epochs it posts, each
//! at most every 100 ms.

use hearth_core::model::EpochRecord;
use hearth_core::protocol::{Backend, FromEngine};
use hearth_core::training::Job;

use super::measure::{now, wasm_memory_bytes};
use super::transport::post;

/// How often training progress is posted, in milliseconds.
const PROGRESS_EVERY_MS: f64 = 100.0;

/// How often finished epochs are posted (with the model so far, for the page to keep), at
/// most, in milliseconds. A small table trains hundreds of epochs a second: three messages
/// and a model file an epoch kept the page's main thread too busy to take a click.
const EPOCHS_EVERY_MS: f64 = 100.0;

/// A training run and its clock.
pub(super) struct Run {
    /// The trainer the run drives.
    pub job: Job,
    /// The backend it trains on.
    pub backend: Backend,
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
    /// Finished epochs not posted yet, and when epochs were last posted.
    epochs: Vec<EpochRecord>,
    last_epochs: f64,
    /// The training loss of the last epoch that ended.
    epoch_end_loss: f32,
}

impl Run {
    /// A run of `job` on `backend`, going on after epoch `from_epoch`, whose clock starts
    /// now.
    pub fn new(job: Job, backend: Backend, from_epoch: u32) -> Self {
        let file_name = job.file_name();
        Run {
            job,
            backend,
            paused: false,
            active_ms: 0.0,
            since: now(),
            last_post: now(),
            epoch: from_epoch + 1,
            steps: 0,
            examples: 0,
            epoch_loss: (0.0, 0),
            file_name,
            epochs: Vec::new(),
            last_epochs: f64::NEG_INFINITY,
            epoch_end_loss: 0.0,
        }
    }

    /// Keeps a finished epoch for the next [`FromEngine::TrainEpoch`]; true when that is
    /// due (the first epoch's at once, then at most every [`EPOCHS_EVERY_MS`]).
    pub fn add_epoch(&mut self, record: EpochRecord) -> bool {
        self.epochs.push(record);
        now() - self.last_epochs >= EPOCHS_EVERY_MS
    }

    /// Posts the finished epochs not posted yet, after the progress at the last one's end
    /// where no step has been trained since (the only place an epoch's closing progress is
    /// posted: once with its epochs, never held back); returns the last one's number
    /// (`None` when there were none).
    pub fn post_epochs(&mut self) -> Option<u32> {
        let last = self.epochs.last()?.epoch;
        self.last_epochs = now();
        if self.epoch_loss.1 == 0 {
            self.last_post = now();
            self.post_progress(self.epoch_end_loss);
        }
        post(&FromEngine::TrainEpoch {
            records: std::mem::take(&mut self.epochs),
            seconds: self.seconds(),
            memory_bytes: wasm_memory_bytes(),
        });
        Some(last)
    }

    /// Whether the run is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// The name the run's model files are offered under.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Seconds trained so far, pauses excluded.
    pub fn seconds(&self) -> f64 {
        let running = if self.paused { 0.0 } else { now() - self.since };
        (self.active_ms + running) / 1000.0
    }

    /// Stops the clock; false when the run was already paused.
    pub fn pause(&mut self) -> bool {
        if self.paused {
            return false;
        }
        self.active_ms += now() - self.since;
        self.paused = true;
        true
    }

    /// Starts the clock again; false when the run was not paused.
    pub fn resume(&mut self) -> bool {
        if !self.paused {
            return false;
        }
        self.since = now();
        self.paused = false;
        true
    }

    /// Counts one trained batch, and posts the epoch's mean loss when progress is due.
    pub fn count_step(&mut self, epoch: u32, step: u64, losses: &[f32], batch: usize) {
        self.epoch = epoch;
        self.steps = step;
        self.examples += batch;
        for &loss in losses {
            self.epoch_loss.0 += f64::from(loss) * batch as f64;
            self.epoch_loss.1 += batch;
        }
        // On a GPU the losses arrive some steps at a time: until the epoch's first have,
        // there is no loss to show.
        if self.epoch_loss.1 > 0 && now() - self.last_post >= PROGRESS_EVERY_MS {
            self.last_post = now();
            let mean = self.epoch_loss.0 / self.epoch_loss.1.max(1) as f64;
            self.post_progress(mean as f32);
        }
    }

    /// Counts the epoch's last batch; the progress at the epoch's end (its training loss)
    /// goes with the epochs' next message ([`Run::post_epochs`]).
    pub fn count_epoch(&mut self, epoch: u32, batch: usize, train_loss: f32) {
        self.epoch = epoch;
        self.steps += 1;
        self.examples += batch;
        self.epoch_loss = (0.0, 0);
        self.epoch_end_loss = train_loss;
    }

    /// Goes on from the epoch after `from_epoch` (the run moved to another device).
    pub fn restart_after(&mut self, from_epoch: u32) {
        self.epoch = from_epoch + 1;
        self.epoch_loss = (0.0, 0);
    }

    fn post_progress(&self, loss: f32) {
        let seconds = self.seconds();
        post(&FromEngine::TrainProgress {
            epoch: self.epoch.max(1),
            step: self.steps,
            loss,
            examples_per_second: self.examples as f64 / seconds.max(1e-6),
            seconds,
        });
    }
}
