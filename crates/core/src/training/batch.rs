//! Training data as tensors: the prepared examples and their splits ([`TrainSet`]), the
//! batches a step trains on, and the random variation of training images.

use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;

use crate::data::ImageSet;
use crate::data::augment;
use crate::data::images::ImageShape;
use crate::data::prep::split_rows;
use crate::data::summary::{Augment, Split};

/// Prepared examples: row-major inputs, one target per row (a class index, or the raw
/// number for regression), and the rows of each split.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSet {
    pub x: Vec<f32>,
    pub width: usize,
    pub y: Vec<f32>,
    pub train: Vec<u32>,
    pub validation: Vec<u32>,
    pub test: Vec<u32>,
    /// Regression targets are learned as `(y - mean) / std`.
    pub target_mean: f64,
    pub target_std: f64,
    /// For images: how training batches are varied (never the validation or test rows).
    pub augment: Option<ImageAugment>,
}

/// Random variation of training images: each row is an image of `shape`, its inputs the
/// pixels divided by 255.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageAugment {
    pub shape: ImageShape,
    pub augment: Augment,
}

impl TrainSet {
    /// The examples of a prepared table, split as it was prepared.
    pub fn from_prepared(prepared: &crate::data::prep::Prepared) -> Self {
        let (target_mean, target_std) = match &prepared.schema.target {
            crate::data::prep::TargetSchema::Regression { mean, std, .. } => (*mean, *std),
            crate::data::prep::TargetSchema::Classes { .. } => (0.0, 1.0),
        };
        let [train, validation, test] = prepared.split.clone();
        TrainSet {
            x: prepared.x.clone(),
            width: prepared.width,
            y: prepared.y.clone(),
            train,
            validation,
            test,
            target_mean,
            target_std,
            augment: None,
        }
    }

    /// An image set as examples (pixels / 255, channel-last), split stratified by class
    /// as `split` says, with `augment` applied to training batches.
    pub fn from_images(images: &ImageSet, split: &Split, augment: Augment) -> Self {
        let y: Vec<f32> = images.labels.iter().map(|&label| label as f32).collect();
        let [train, validation, test] = split_rows(&y, true, split);
        TrainSet {
            x: images
                .pixels
                .iter()
                .map(|&p| f32::from(p) / 255.0)
                .collect(),
            width: images.image_size(),
            y,
            train,
            validation,
            test,
            target_mean: 0.0,
            target_std: 1.0,
            augment: (!augment.is_none()).then_some(ImageAugment {
                shape: ImageShape {
                    width: images.width,
                    height: images.height,
                    channels: images.channels,
                },
                augment,
            }),
        }
    }

    /// The prepared inputs of `rows`, row-major.
    pub fn examples(&self, rows: &[u32]) -> Vec<f32> {
        let width = self.width;
        let mut x = Vec::with_capacity(rows.len() * width);
        for &row in rows {
            let start = row as usize * width;
            x.extend_from_slice(&self.x[start..start + width]);
        }
        x
    }

    /// The inputs of `rows` as a batch; with `augment_rng` (training batches), images are
    /// varied as [`TrainSet::augment`] says.
    ///
    /// # Shapes
    /// - output: `[rows.len(), width]`
    pub fn batch(
        &self,
        rows: &[u32],
        device: &Device,
        mut augment_rng: Option<&mut ChaCha8Rng>,
    ) -> Tensor<2> {
        let width = self.width;
        let mut values = Vec::with_capacity(rows.len() * width);
        for &row in rows {
            let start = row as usize * width;
            let example = &self.x[start..start + width];
            match (self.augment, augment_rng.as_deref_mut()) {
                (Some(ImageAugment { shape, augment }), Some(rng)) => {
                    let pixels: Vec<u8> = example
                        .iter()
                        .map(|&value| (value * 255.0).round().clamp(0.0, 255.0) as u8)
                        .collect();
                    let varied = augment::augment(&pixels, shape, &augment, rng);
                    values.extend(varied.iter().map(|&p| f32::from(p) / 255.0));
                }
                _ => values.extend_from_slice(example),
            }
        }
        Tensor::<2>::from_data(TensorData::new(values, [rows.len(), width]), device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn only_training_images_are_augmented() {
        let images = crate::data::ImageSet {
            name: "stripes".into(),
            width: 8,
            height: 8,
            channels: 1,
            classes: vec!["a".into(), "b".into()],
            labels: (0..20).map(|i| i % 2).collect(),
            pixels: (0..20 * 64)
                .map(|i| if (i % 8) < 3 { 255 } else { 0 })
                .collect(),
            sound: None,
        };
        let split = Split {
            train: 0.5,
            validation: 0.5,
            seed: 1,
        };
        let augment = Augment {
            max_shift: 2,
            max_rotation_degrees: 0.0,
            flip_horizontal: true,
        };
        let set = TrainSet::from_images(&images, &split, augment);
        assert!(set.augment.is_some());
        let (train_rows, validation_rows) = (set.train.clone(), set.validation.clone());
        let stored = |set: &TrainSet, rows: &[u32]| -> Vec<f32> {
            rows.iter()
                .flat_map(|&row| set.x[row as usize * 64..(row as usize + 1) * 64].to_vec())
                .collect()
        };
        let (train_stored, validation_stored) =
            (stored(&set, &train_rows), stored(&set, &validation_rows));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let device = Device::flex();
        let read = |tensor: Tensor<2>| tensor.into_data().try_to_vec::<f32>().unwrap();
        let varied = read(set.batch(&train_rows, &device, Some(&mut rng)));
        assert_ne!(varied, train_stored, "training images were not varied");
        assert_eq!(varied.len(), train_stored.len());
        assert!(
            varied.iter().all(|&v| v == 0.0 || v == 1.0),
            "whole-pixel moves"
        );
        let plain = read(set.batch(&validation_rows, &device, None));
        assert_eq!(plain, validation_stored);
    }
}
