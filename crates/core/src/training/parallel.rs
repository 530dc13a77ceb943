//! Data-parallel training steps: a batch split into shards, each shard's forward and
//! backward pass on a thread of its own, and the shards' gradients summed into the
//! gradient of the whole batch (each shard's loss is scaled by its share of the batch's
//! weight, so the sum is the batch's weighted mean loss and its gradient).
//!
//! burn's CPU backend runs a matrix product on several threads only from 192³
//! multiply-adds, and the MLP's largest is a third of that: splitting the batch is what
//! puts its steps on every core. Threads come from rayon's global pool: natively rayon's
//! own, in the browser's threaded engine a pool of Web Workers sharing the engine's
//! memory. Without the `threads` feature, or with one thread, every step is one shard.
//!
//! A step is split only where each shard keeps enough work to pay for the hand-off
//! ([`MIN_SHARD_FLOPS`]), and never for a network with batch normalisation, whose
//! batch statistics would become each shard's.

use std::sync::atomic::{AtomicUsize, Ordering};

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::Tensor;

use crate::model::network::Network;
use crate::model::spec::{Layer, ModelSpec};

/// The least forward-pass work (FLOPs) a shard must have for a step to be split: below
/// it, handing work to another thread costs more than it saves. Measured natively on
/// 2 cores (`hearth bench --threads 1|2`): the CNN at batch 64 (about 30 MFLOP a shard)
/// went from 12 to 21 steps/s on 2 shards; the MLP at batch 64 (7 MFLOP a shard) stayed
/// where it was (760 against 660 to 820 steps/s: a shard of 32 rows took 0.6 ms against
/// 0.85 for all 64, since the weight gradients' size does not shrink with the batch, and
/// the optimizer's step, a third of the step, stays on one thread).
pub const MIN_SHARD_FLOPS: u64 = 2_000_000;

/// The threads training uses (see [`set_threads`]); 1 until a pool is started.
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// The threads training may use: the calling thread and rayon's pool (see [`run`]).
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed).max(1)
}

/// Says that training may use `threads` threads: the calling thread and a rayon pool of
/// `threads - 1`, which the caller has started (the browser's threaded engine starts its
/// pool of workers itself; natively see [`start_pool`]).
pub fn set_threads(threads: usize) {
    THREADS.store(threads.max(1), Ordering::Relaxed);
}

/// Starts rayon's global pool natively for `cores` cores (the calling thread is one of
/// them) and returns the threads training uses: `cores`, or 1 when the pool could not be
/// started (it can be started once per process).
#[cfg(all(feature = "threads", not(target_arch = "wasm32")))]
pub fn start_pool(cores: usize) -> usize {
    let threads = if cores > 1
        && rayon::ThreadPoolBuilder::new()
            .num_threads(cores - 1)
            .build_global()
            .is_ok()
    {
        cores
    } else {
        1
    };
    set_threads(threads);
    threads
}

/// What decides how a network's training steps split, read from its spec once (a
/// trainer's, at its start) rather than by shape inference on every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Splitting {
    /// FLOPs of one example's forward pass.
    per_example: u64,
    /// Whether the network has batch normalisation (then a step is never split).
    batch_norm: bool,
}

impl Splitting {
    pub fn of(spec: &ModelSpec) -> Self {
        Splitting {
            per_example: spec.flops().max(1),
            batch_norm: spec
                .layers
                .iter()
                .any(|layer| matches!(layer, Layer::BatchNorm { .. })),
        }
    }

    /// How many shards a training step of `rows` examples is split into, with `threads`
    /// threads: 1 when the network has batch normalisation or the work is too small (see
    /// [`MIN_SHARD_FLOPS`]).
    pub fn shards(self, rows: usize, threads: usize) -> usize {
        if threads <= 1 || self.batch_norm {
            return 1;
        }
        let affordable = (self.per_example.saturating_mul(rows as u64) / MIN_SHARD_FLOPS) as usize;
        threads.min(affordable).min(rows).max(1)
    }
}

/// The `shards` row ranges of a batch of `rows`, as even as can be, the larger first.
pub fn split(rows: usize, shards: usize) -> Vec<std::ops::Range<usize>> {
    let shards = shards.clamp(1, rows.max(1));
    let (each, extra) = (rows / shards, rows % shards);
    let mut start = 0;
    (0..shards)
        .map(|shard| {
            let end = start + each + usize::from(shard < extra);
            let range = start..end;
            start = end;
            range
        })
        .collect()
}

/// A copy of `model` whose trainable weights are new leaves of the autodiff graph (same
/// values, same parameter ids), so that each shard's backward pass is its own graph and
/// the shards do not wait on each other's. Frozen weights stay frozen.
pub fn replica(model: &Network) -> Network {
    struct Leaves;
    impl ModuleMapper for Leaves {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|tensor| {
                if tensor.is_require_grad() {
                    tensor.detach().require_grad()
                } else {
                    tensor
                }
            })
        }
    }
    model.clone().map(&mut Leaves)
}

/// Runs `work` on each of `shards`, returning the results in shard order: the first on
/// the calling thread, the others on rayon's pool (with the `threads` feature; in turn
/// without). The caller works too, so a pool of one thread fewer than the cores keeps
/// every core busy and none oversubscribed: a pool as large as the cores had its idle
/// threads spinning against the caller's own work (the optimizer's step), which made the
/// MLP slower on 2 cores than one thread alone.
pub fn run<T, W>(shards: Vec<std::ops::Range<usize>>, work: W) -> Vec<T>
where
    T: Send,
    W: Fn(usize, std::ops::Range<usize>) -> T + Sync + Send,
{
    #[cfg(feature = "threads")]
    {
        let mut results: Vec<Option<T>> = shards.iter().map(|_| None).collect();
        let mut shards = shards.into_iter().enumerate();
        let first = shards.next();
        if let Some((own, others)) = results.split_first_mut() {
            let work = &work;
            rayon::in_place_scope(|scope| {
                for ((index, range), slot) in shards.zip(others.iter_mut()) {
                    scope.spawn(move |_| *slot = Some(work(index, range)));
                }
                if let Some((index, range)) = first {
                    *own = Some(work(index, range));
                }
            });
        }
        results.into_iter().flatten().collect()
    }
    #[cfg(not(feature = "threads"))]
    {
        shards
            .into_iter()
            .enumerate()
            .map(|(index, range)| work(index, range))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::summary::Task;
    use crate::model::spec::InputShape;

    #[test]
    fn a_batch_splits_evenly_with_the_larger_shards_first() {
        assert_eq!(split(64, 2), vec![0..32, 32..64]);
        assert_eq!(split(10, 4), vec![0..3, 3..6, 6..8, 8..10]);
        assert_eq!(split(3, 8), vec![0..1, 1..2, 2..3]);
        assert_eq!(split(5, 1), vec![0..5]);
    }

    #[test]
    fn small_work_and_batch_norm_stay_on_one_shard() {
        let mnist = ModelSpec::mlp(InputShape::MNIST, Task::MultiClass, 10);
        // 218 kFLOP an example: batch 64 is 14 MFLOP, batch 8 is 1.7; the same layers on
        // iris's 4 columns, 18 kFLOP, at batch 32, 0.6.
        let shards = |spec: &ModelSpec, rows, threads| Splitting::of(spec).shards(rows, threads);
        assert_eq!(shards(&mnist, 64, 2), 2);
        assert_eq!(shards(&mnist, 64, 16), 6);
        assert_eq!(shards(&mnist, 8, 2), 1);
        assert_eq!(shards(&mnist, 64, 1), 1);
        let iris = ModelSpec::mlp(InputShape::Features { features: 4 }, Task::MultiClass, 3);
        assert_eq!(shards(&iris, 32, 8), 1);
        let mut normalised = mnist.clone();
        normalised.layers.insert(
            1,
            Layer::BatchNorm {
                activation: crate::model::spec::Activation::Relu,
            },
        );
        assert_eq!(shards(&normalised, 64, 2), 1);
    }
}
