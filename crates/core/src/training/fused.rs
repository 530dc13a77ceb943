//! Adam in one pass over each weight tensor, for the CPU.
//!
//! burn's Adam updates a tensor in about a dozen tensor operations (the two moments, their
//! bias corrections, the square root, the division, the step), each a pass over the
//! tensor's memory. For the MLP that was 47% of a training step on the CPU (natively, 0.39
//! of 0.83 ms), and it runs on one thread however many the step's shards use. This is the
//! same arithmetic, element by element in the same order and precision, in one pass over the
//! weights, their gradient and the two moments, in place (burn's CPU backend hands over
//! the buffers of tensors nobody else holds without copying them), split over the
//! training threads for large tensors. Its state is burn's own [`AdamState`], so nothing
//! else changes. It is used only on burn's CPU backend: on a GPU the tensors' data would
//! have to cross to the host and back.
//!
//! Written here because no crate does this for burn's tensors: burn's optimizers are
//! written in tensor operations for every backend alike.

use burn::optim::{AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{DType, Device, Tensor, TensorData};

/// The least elements for which the update is split over threads.
#[cfg(feature = "threads")]
const PARALLEL_FROM: usize = 16_384;

/// Adam with burn's defaults (β₁ 0.9, β₂ 0.999, ε 1e-5) and optional L2 weight decay
/// (`penalty`, added to the gradient as burn's `WeightDecay` does).
#[derive(Clone)]
pub struct FusedAdam {
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    penalty: Option<f32>,
    /// burn's own Adam, for a tensor that is not `f32`.
    fallback: burn::optim::Adam,
}

impl FusedAdam {
    pub fn new(penalty: Option<f32>) -> Self {
        let config = burn::optim::AdamConfig::new()
            .with_weight_decay(penalty.map(burn::optim::decay::WeightDecayConfig::new));
        FusedAdam {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-5,
            penalty,
            fallback: config.build(),
        }
    }
}

/// The per-step constants of the update.
#[derive(Debug, Clone, Copy)]
struct Factors {
    beta_1: f32,
    beta_2: f32,
    /// 1 − β₁ and 1 − β₂.
    rest_1: f32,
    rest_2: f32,
    /// √(1 − β₂ᵗ) / (1 − β₁ᵗ), and ε √(1 − β₂ᵗ).
    combined: f32,
    epsilon: f32,
    rate: f32,
    penalty: Option<f32>,
}

impl Factors {
    /// Updates one run of weights in place, exactly as burn's Adam's tensor operations do
    /// element by element.
    fn apply(
        &self,
        weights: &mut [f32],
        gradient: &[f32],
        moment_1: &mut [f32],
        moment_2: &mut [f32],
    ) {
        let elements = weights
            .iter_mut()
            .zip(gradient)
            .zip(moment_1.iter_mut())
            .zip(moment_2.iter_mut());
        for (((weight, &gradient), moment_1), moment_2) in elements {
            let gradient = match self.penalty {
                Some(penalty) => *weight * penalty + gradient,
                None => gradient,
            };
            *moment_1 = *moment_1 * self.beta_1 + gradient * self.rest_1;
            *moment_2 = *moment_2 * self.beta_2 + gradient * gradient * self.rest_2;
            let step = *moment_1 * self.combined / (moment_2.sqrt() + self.epsilon);
            *weight -= step * self.rate;
        }
    }
}

impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let moments_f32 = state.as_ref().is_none_or(|state| {
            state.momentum.moment_1.dtype() == DType::F32
                && state.momentum.moment_2.dtype() == DType::F32
                && state.momentum.max_moment_2.is_none()
        });
        if tensor.dtype() != DType::F32 || grad.dtype() != DType::F32 || !moments_f32 {
            return self.fallback.step(lr, tensor, grad, state);
        }
        let device = tensor.device();
        let shape = tensor.shape();
        let (time, moment_1, moment_2) = match state {
            Some(state) => (
                state.momentum.time + 1,
                state.momentum.moment_1.into_data(),
                state.momentum.moment_2.into_data(),
            ),
            None => (
                1,
                TensorData::zeros::<f32, _>(shape.clone()),
                TensorData::zeros::<f32, _>(shape.clone()),
            ),
        };
        let (mut weights, gradient, mut moment_1, mut moment_2) =
            (tensor.into_data(), grad.into_data(), moment_1, moment_2);
        let power = i32::try_from(time).unwrap_or(i32::MAX);
        let correction_2 = (1.0 - self.beta_2.powi(power)).sqrt();
        let factors = Factors {
            beta_1: self.beta_1,
            beta_2: self.beta_2,
            rest_1: 1.0 - self.beta_1,
            rest_2: 1.0 - self.beta_2,
            combined: correction_2 / (1.0 - self.beta_1.powi(power)),
            epsilon: self.epsilon * correction_2,
            rate: lr as f32,
            penalty: self.penalty,
        };
        if let (Ok(weights), Ok(gradient), Ok(moment_1), Ok(moment_2)) = (
            weights.as_mut_slice::<f32>(),
            gradient.as_slice::<f32>(),
            moment_1.as_mut_slice::<f32>(),
            moment_2.as_mut_slice::<f32>(),
        ) {
            update(
                &factors,
                super::parallel::threads(),
                weights,
                gradient,
                moment_1,
                moment_2,
            );
        }
        let tensor = |data: TensorData| Tensor::<D>::from_data(data, &device);
        let state = AdamState::new(AdaptiveMomentumState::new(
            time,
            tensor(moment_1),
            tensor(moment_2),
        ));
        (tensor(weights), Some(state))
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}

/// Applies `factors` to the whole tensor: in `threads` chunks on rayon's pool where it is
/// large and there are several threads.
fn update(
    factors: &Factors,
    threads: usize,
    weights: &mut [f32],
    gradient: &[f32],
    moment_1: &mut [f32],
    moment_2: &mut [f32],
) {
    #[cfg(feature = "threads")]
    if threads > 1 && weights.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        let chunk = weights.len().div_ceil(threads);
        weights
            .par_chunks_mut(chunk)
            .zip(gradient.par_chunks(chunk))
            .zip(moment_1.par_chunks_mut(chunk))
            .zip(moment_2.par_chunks_mut(chunk))
            .for_each(|(((weights, gradient), moment_1), moment_2)| {
                factors.apply(weights, gradient, moment_1, moment_2)
            });
        return;
    }
    #[cfg(not(feature = "threads"))]
    let _ = threads;
    factors.apply(weights, gradient, moment_1, moment_2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::{Module, Param};
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::Distribution;

    #[derive(Module, Debug)]
    struct Two {
        a: Param<Tensor<2>>,
        b: Param<Tensor<1>>,
    }

    /// Ten Adam steps of `sum((a·x)²) + sum(b³)` with burn's optimizer and with the fused
    /// one: the weights after each step.
    fn steps(fused: bool, penalty: Option<f32>) -> Vec<Vec<f32>> {
        let device = Device::flex().autodiff();
        device.seed(3);
        let mut model = Two {
            a: Param::from_tensor(Tensor::random(
                [40, 30],
                Distribution::Normal(0.0, 1.0),
                &device,
            )),
            b: Param::from_tensor(Tensor::random(
                [20_000],
                Distribution::Normal(0.0, 1.0),
                &device,
            )),
        };
        let x = Tensor::<2>::random([30, 8], Distribution::Normal(0.0, 1.0), &device);
        let mut optimizer = if fused {
            burn::optim::ModuleOptimizer::from(FusedAdam::new(penalty))
        } else {
            AdamConfig::new()
                .with_weight_decay(penalty.map(burn::optim::decay::WeightDecayConfig::new))
                .init()
        };
        let mut seen = Vec::new();
        for step in 0..10 {
            let loss = model.a.val().matmul(x.clone()).powf_scalar(2.0).sum()
                + model.b.val().powf_scalar(3.0).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(0.01 * (1.0 + step as f64), model, grads);
            let mut values = model.a.val().into_data().try_to_vec::<f32>().unwrap();
            values.extend(model.b.val().into_data().try_to_vec::<f32>().unwrap());
            seen.push(values);
        }
        seen
    }

    #[test]
    fn fused_adam_steps_exactly_as_burns_adam() {
        for penalty in [None, Some(0.01)] {
            let (burns, fused) = (steps(false, penalty), steps(true, penalty));
            for (step, (a, b)) in burns.iter().zip(&fused).enumerate() {
                let differing = a.iter().zip(b).filter(|(x, y)| x != y).count();
                assert_eq!(
                    differing, 0,
                    "step {step}, penalty {penalty:?}: {differing} weights differ"
                );
            }
            // The weights moved.
            assert_ne!(burns[0], burns[9]);
        }
    }

    #[test]
    fn an_update_split_over_threads_is_the_same_update() {
        let factors = Factors {
            beta_1: 0.9,
            beta_2: 0.999,
            rest_1: 0.1,
            rest_2: 0.001,
            combined: 0.3,
            epsilon: 1e-6,
            rate: 0.01,
            penalty: Some(0.001),
        };
        let n = 50_001;
        let wave = |k: f32| (0..n).map(|i| (i as f32 * k).sin()).collect::<Vec<f32>>();
        let gradient = wave(0.37);
        let run = |threads| {
            let (mut weights, mut moment_1, mut moment_2) = (wave(0.11), wave(0.05), wave(0.02));
            moment_2.iter_mut().for_each(|v| *v = v.abs());
            update(
                &factors,
                threads,
                &mut weights,
                &gradient,
                &mut moment_1,
                &mut moment_2,
            );
            (weights, moment_1, moment_2)
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_ne!(one.0, wave(0.11));
    }
}
