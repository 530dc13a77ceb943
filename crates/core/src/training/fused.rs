//! Adam in one pass over each weight tensor, for the CPU.
//!
//! burn's Adam updates a tensor in about a dozen tensor operations (the two moments, their
//! bias corrections, the square root, the division, the step), each a pass over the
//! tensor's memory. For the MLP that was 47% of a training step on the CPU (natively, 0.39
//! of 0.83 ms). This is the same arithmetic, element by element in the same order and
//! precision, in one pass over the weights, their gradient and the two moments, in place
//! (burn's CPU backend hands over the buffers of tensors nobody else holds without copying
//! them). Its state is burn's own [`AdamState`], so nothing else changes. It is used on
//! burn's CPU backend where training runs on one thread (the single-threaded engine, the
//! command line without `--threads`): in the browser that took the MLP from 312 to 382
//! steps/s, and in the threaded engine burn's Adam measured faster (see the trainer's
//! `build_optimizer`). On a GPU the tensors' data would have to cross to the host and back.
//!
//! Written here because no crate does this for burn's tensors: burn's optimizers are
//! written in tensor operations for every backend alike.

use burn::optim::{AdamState, AdaptiveMomentumState, LearningRate, Optimizer};
use burn::tensor::{DType, Device, Tensor, TensorData};

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

impl FusedAdam {
    /// The step on the tensors' data: the weights, the time and the two moments after it
    /// (`moments`: the time and moments before, none at the first step). Not generic over
    /// the tensors' rank, so the engine carries it once (inlined into each rank's `step`
    /// it was 60 KB of the single-threaded engine's code).
    #[inline(never)]
    fn update(
        &self,
        lr: LearningRate,
        mut weights: TensorData,
        gradient: TensorData,
        moments: Option<(usize, TensorData, TensorData)>,
    ) -> (TensorData, usize, TensorData, TensorData) {
        let (time, mut moment_1, mut moment_2) = match moments {
            Some((time, moment_1, moment_2)) => (time + 1, moment_1, moment_2),
            None => (
                1,
                TensorData::zeros::<f32, _>(weights.shape().clone()),
                TensorData::zeros::<f32, _>(weights.shape().clone()),
            ),
        };
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
            factors.apply(weights, gradient, moment_1, moment_2);
        }
        (weights, time, moment_1, moment_2)
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
            return fallback(&self.fallback, lr, tensor, grad, state);
        }
        let device = tensor.device();
        let moments = state.map(|state| {
            (
                state.momentum.time,
                state.momentum.moment_1.into_data(),
                state.momentum.moment_2.into_data(),
            )
        });
        let (weights, time, moment_1, moment_2) =
            self.update(lr, tensor.into_data(), grad.into_data(), moments);
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

/// burn's Adam for a tensor that is not `f32` (never in Hearth's training, which is all
/// `f32`), kept out of line so that each rank's `step` stays small.
#[inline(never)]
fn fallback<const D: usize>(
    adam: &burn::optim::Adam,
    lr: LearningRate,
    tensor: Tensor<D>,
    grad: Tensor<D>,
    state: Option<AdamState<D>>,
) -> (Tensor<D>, Option<AdamState<D>>) {
    adam.step(lr, tensor, grad, state)
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
}
