//! The compute kernels checked against plain arithmetic, on random shapes: matrix
//! products and convolutions against a reference computed one product at a time in
//! `f64`, and a training step split over threads against the same step in one pass.
//!
//! The engine runs it on request ([`crate::protocol::ToEngine::KernelCheck`]): each build of
//! the engine, the plain SIMD one and the threaded one whose matrix kernels use relaxed
//! SIMD's fused multiply-add, checks its own kernels in the browser, and the end-to-end
//! tests compare the two builds' results on the same seed (tests/e2e/kernels.test.mjs).

use serde::{Deserialize, Serialize};

#[cfg(feature = "burn")]
pub use compute::check;

/// What a case computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelKind {
    /// `a · b` (burn's matrix product: gemm's microkernels).
    Matmul,
    /// A 2-D convolution with bias, stride, padding and groups.
    Conv2d,
    /// A training step of a network (forward, backward, SGD) split into shards on the
    /// training threads, against the whole batch in one pass.
    Step,
}

/// One case of the check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelCase {
    pub kind: KernelKind,
    /// The shapes, in words: `64×784 · 784×128`.
    pub shape: String,
    /// The largest error found. For a product or a convolution: an output's distance
    /// from the reference over the sum of its terms' magnitudes (the scale of rounding
    /// error). For a step: a weight's movement's distance from the one-pass step's, over
    /// the largest movement of its tensor.
    pub error: f64,
    /// The error allowed: for a sum of `n` products in `f32`, `n` times the machine
    /// epsilon (the classic bound is `n` half-epsilons); for a step, 1e-4.
    pub tolerance: f64,
    /// FNV-1a of the output's bits (a step's: of the sharded step's movements), so that two
    /// builds can be compared bit for bit.
    pub digest: String,
    /// The shards the step was split into (1 for the other kinds).
    pub shards: usize,
}

impl KernelCase {
    pub fn passed(&self) -> bool {
        self.error.is_finite() && self.error <= self.tolerance
    }
}

/// The check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelReport {
    pub seed: u32,
    /// The training threads of this engine (see [`parallel::threads`]).
    pub threads: usize,
    pub cases: Vec<KernelCase>,
}

impl KernelReport {
    pub fn passed(&self) -> bool {
        self.cases.iter().all(KernelCase::passed)
    }
}

/// The check itself (with burn).
#[cfg(feature = "burn")]
mod compute {
    use burn::tensor::ops::ConvOptions;
    use burn::tensor::{Device, Tensor, TensorData};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::{KernelCase, KernelKind, KernelReport};
    use crate::Error;
    use crate::data::summary::Task;
    use crate::error::read_back;
    use crate::model::config::{Optimizer, TrainConfig};
    use crate::model::spec::{InputShape, ModelSpec};
    use crate::training::{TrainSet, Trainer, parallel};

    /// Random matrix products and convolutions (shapes and values from `seed`), plus fixed
    /// ones of the preset networks' sizes, and a step of the MLP and of the CNN split over
    /// `max(2, threads)` shards.
    pub async fn check(seed: u32, device: &Device) -> Result<KernelReport, Error> {
        let mut rng = ChaCha8Rng::seed_from_u64(u64::from(seed));
        let mut cases = Vec::new();
        let mut products = vec![(64, 784, 128), (64, 128, 64)];
        for _ in 0..6 {
            products.push((
                rng.random_range(1..=130),
                rng.random_range(1..=300),
                rng.random_range(1..=130),
            ));
        }
        for (m, k, n) in products {
            cases.push(matmul(&mut rng, [m, k, n], device).await?);
        }
        let mut convolutions = vec![Conv {
            batch: 4,
            channels: 32,
            filters: 64,
            size: [13, 13],
            kernel: [3, 3],
            stride: 1,
            padding: 0,
            groups: 1,
        }];
        for _ in 0..5 {
            let groups = if rng.random_bool(0.25) { 2 } else { 1 };
            let kernel = [rng.random_range(1..=5), rng.random_range(1..=5)];
            let padding = rng.random_range(0..=2);
            let size = [
                rng.random_range(kernel[0]..=20),
                rng.random_range(kernel[1]..=20),
            ];
            convolutions.push(Conv {
                batch: rng.random_range(1..=4),
                channels: groups * rng.random_range(1..=8),
                filters: groups * rng.random_range(1..=12),
                size,
                kernel,
                stride: rng.random_range(1..=2),
                padding,
                groups,
            });
        }
        for conv in convolutions {
            cases.push(convolution(&mut rng, conv, device).await?);
        }
        let shards = parallel::threads().max(2);
        for (spec, rows) in [
            (ModelSpec::mlp(InputShape::MNIST, Task::MultiClass, 10), 64),
            (ModelSpec::cnn(InputShape::MNIST, Task::MultiClass, 10), 32),
        ] {
            cases.push(step(&mut rng, spec, rows, shards, device).await?);
        }
        Ok(KernelReport {
            seed,
            threads: parallel::threads(),
            cases,
        })
    }

    /// `len` values from -1 to 1.
    fn values(rng: &mut ChaCha8Rng, len: usize) -> Vec<f32> {
        (0..len).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// FNV-1a over the values' bits.
    pub(super) fn digest(values: &[f32]) -> String {
        let hash = values
            .iter()
            .fold(0xcbf2_9ce4_8422_2325_u64, |hash, value| {
                value
                    .to_bits()
                    .to_le_bytes()
                    .iter()
                    .fold(hash, |hash, &byte| {
                        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
                    })
            });
        format!("{hash:016x}")
    }

    /// The largest of `|got - want| / scale` over the outputs, each with its reference
    /// (`want`) and the sum of its terms' magnitudes (`scale`); a missing output or a
    /// non-finite one is an infinite error.
    pub(super) fn worst(got: &[f32], reference: &[(f64, f64)]) -> f64 {
        if got.len() != reference.len() {
            return f64::INFINITY;
        }
        got.iter()
            .zip(reference)
            .map(|(&got, &(want, scale))| {
                let got = f64::from(got);
                if got.is_finite() {
                    (got - want).abs() / scale.max(f64::MIN_POSITIVE)
                } else {
                    f64::INFINITY
                }
            })
            .fold(0.0, f64::max)
    }

    /// The rounding allowance of a sum of `terms` products in `f32`.
    pub(super) fn allowance(terms: usize) -> f64 {
        terms.max(1) as f64 * f64::from(f32::EPSILON)
    }

    async fn matmul(
        rng: &mut ChaCha8Rng,
        [m, k, n]: [usize; 3],
        device: &Device,
    ) -> Result<KernelCase, Error> {
        let a = values(rng, m * k);
        let b = values(rng, k * n);
        let product = Tensor::<2>::from_data(TensorData::new(a.clone(), [m, k]), device).matmul(
            Tensor::<2>::from_data(TensorData::new(b.clone(), [k, n]), device),
        );
        let got = read_back(product).await?;
        let mut reference = Vec::with_capacity(m * n);
        for i in 0..m {
            for j in 0..n {
                let (mut sum, mut scale) = (0.0f64, 0.0f64);
                for l in 0..k {
                    let term = f64::from(a[i * k + l]) * f64::from(b[l * n + j]);
                    sum += term;
                    scale += term.abs();
                }
                reference.push((sum, scale));
            }
        }
        Ok(KernelCase {
            kind: KernelKind::Matmul,
            shape: format!("{m}×{k} · {k}×{n}"),
            error: worst(&got, &reference),
            tolerance: allowance(k),
            digest: digest(&got),
            shards: 1,
        })
    }

    /// A convolution's shapes: input `[batch, channels, height, width]`, weights
    /// `[filters, channels / groups, kernel…]`.
    #[derive(Debug, Clone, Copy)]
    struct Conv {
        batch: usize,
        channels: usize,
        filters: usize,
        size: [usize; 2],
        kernel: [usize; 2],
        stride: usize,
        padding: usize,
        groups: usize,
    }

    async fn convolution(
        rng: &mut ChaCha8Rng,
        conv: Conv,
        device: &Device,
    ) -> Result<KernelCase, Error> {
        let Conv {
            batch,
            channels,
            filters,
            size: [height, width],
            kernel: [kh, kw],
            stride,
            padding,
            groups,
        } = conv;
        let per_group = channels / groups;
        let filters_per_group = filters / groups;
        let x = values(rng, batch * channels * height * width);
        let w = values(rng, filters * per_group * kh * kw);
        let bias = values(rng, filters);
        let output = burn::tensor::module::conv2d(
            Tensor::<4>::from_data(
                TensorData::new(x.clone(), [batch, channels, height, width]),
                device,
            ),
            Tensor::<4>::from_data(
                TensorData::new(w.clone(), [filters, per_group, kh, kw]),
                device,
            ),
            Some(Tensor::<1>::from_data(
                TensorData::new(bias.clone(), [filters]),
                device,
            )),
            ConvOptions::new([stride; 2], [padding; 2], [1, 1], groups),
        );
        let got = read_back(output).await?;
        let out_h = (height + 2 * padding - kh) / stride + 1;
        let out_w = (width + 2 * padding - kw) / stride + 1;
        let mut reference = Vec::with_capacity(batch * filters * out_h * out_w);
        for b in 0..batch {
            for f in 0..filters {
                let group = f / filters_per_group;
                for oy in 0..out_h {
                    for ox in 0..out_w {
                        let mut sum = f64::from(bias[f]);
                        let mut scale = sum.abs();
                        for c in 0..per_group {
                            let channel = group * per_group + c;
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let (y, x_) = (oy * stride + ky, ox * stride + kx);
                                    if y < padding || x_ < padding {
                                        continue;
                                    }
                                    let (y, x_) = (y - padding, x_ - padding);
                                    if y >= height || x_ >= width {
                                        continue;
                                    }
                                    let input =
                                        x[((b * channels + channel) * height + y) * width + x_];
                                    let weight = w[((f * per_group + c) * kh + ky) * kw + kx];
                                    let term = f64::from(input) * f64::from(weight);
                                    sum += term;
                                    scale += term.abs();
                                }
                            }
                        }
                        reference.push((sum, scale));
                    }
                }
            }
        }
        Ok(KernelCase {
            kind: KernelKind::Conv2d,
            shape: format!(
                "{batch}×{channels}×{height}×{width} ∗ {filters}×{per_group}×{kh}×{kw}, stride {stride}, padding {padding}, groups {groups}"
            ),
            error: worst(&got, &reference),
            tolerance: allowance(per_group * kh * kw + 1),
            digest: digest(&got),
            shards: 1,
        })
    }

    /// A step of `spec` on `rows` random examples (inputs 0 to 1, random classes), in one
    /// pass and in `shards`, from the same starting weights.
    async fn step(
        rng: &mut ChaCha8Rng,
        spec: ModelSpec,
        rows: usize,
        shards: usize,
        device: &Device,
    ) -> Result<KernelCase, Error> {
        let width = 784;
        let set = TrainSet {
            x: (0..rows * width)
                .map(|_| rng.random_range(0.0f32..1.0))
                .collect(),
            width,
            y: (0..rows).map(|_| rng.random_range(0..10) as f32).collect(),
            train: (0..rows as u32).collect(),
            validation: Vec::new(),
            test: Vec::new(),
            target_mean: 0.0,
            target_std: 1.0,
            augment: None,
        };
        let config = TrainConfig {
            optimizer: Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false,
            },
            seed: rng.random(),
            ..TrainConfig::default()
        };
        let batch = set.train.clone();
        let mut trainer = Trainer::new(spec.clone(), config, set, device)?;
        let whole = trainer.moved_by_one_step(&batch, 1).await?;
        let split = trainer.moved_by_one_step(&batch, shards).await?;
        let mut error = if whole.len() == split.len() {
            0.0f64
        } else {
            f64::INFINITY
        };
        for (a, b) in whole.iter().zip(&split) {
            let largest = a.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            if a.len() != b.len() || largest == 0.0 {
                // A tensor that did not move, or moved differently in shape, fails the case.
                error = f64::INFINITY;
                continue;
            }
            for (x, y) in a.iter().zip(b) {
                let distance = f64::from((x - y).abs()) / f64::from(largest);
                error = error.max(if distance.is_finite() {
                    distance
                } else {
                    f64::INFINITY
                });
            }
        }
        let flat: Vec<f32> = split.concat();
        let layers = spec.layers.len();
        Ok(KernelCase {
            kind: KernelKind::Step,
            shape: format!("{rows} MNIST-sized examples, {layers} layers"),
            error,
            tolerance: 1e-4,
            digest: digest(&flat),
            shards,
        })
    }
}

#[cfg(all(test, feature = "burn"))]
mod tests {
    use super::compute::{allowance, digest, worst};
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn the_kernels_agree_with_the_reference_on_random_shapes() {
        let report = pollster::block_on(check(7, &Device::flex())).unwrap();
        assert_eq!(report.cases.len(), 8 + 6 + 2);
        for case in &report.cases {
            assert!(case.passed(), "{case:?}");
            assert_eq!(case.digest.len(), 16);
        }
        // Rounding happens, so each error is above zero yet within its allowance.
        assert!(
            report.cases.iter().any(|case| case.error > 0.0),
            "{report:?}"
        );
        assert!(
            report
                .cases
                .iter()
                .any(|case| case.kind == KernelKind::Step && case.shards >= 2)
        );
        // The same seed gives the same shapes and the same bits; another gives others.
        let again = pollster::block_on(check(7, &Device::flex())).unwrap();
        assert_eq!(report, again);
        let other = pollster::block_on(check(8, &Device::flex())).unwrap();
        assert_ne!(report.cases[2].shape, other.cases[2].shape);
    }

    #[test]
    fn a_wrong_output_fails_its_case() {
        let reference = [(1.0, 2.0), (-0.5, 1.0)];
        assert_eq!(worst(&[1.0, -0.5], &reference), 0.0);
        // One unit of the last place of 1.0 over a scale of 2: within a sum of one term's
        // allowance; a tenth off is not.
        let nudged = worst(&[1.0 + f32::EPSILON, -0.5], &reference);
        assert!(nudged > 0.0 && nudged <= allowance(1), "{nudged}");
        assert!(worst(&[1.1, -0.5], &reference) > allowance(1000));
        assert_eq!(worst(&[f32::NAN, -0.5], &reference), f64::INFINITY);
        assert_eq!(worst(&[1.0], &reference), f64::INFINITY);
        assert_ne!(digest(&[1.0, 2.0]), digest(&[2.0, 1.0]));
    }
}
