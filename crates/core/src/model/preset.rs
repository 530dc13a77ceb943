//! The built-in architectures the Model step and `hearth train --preset` offer. Plain data,
//! without tensors: the page builds its specs from these too.

use super::spec::{InputShape, ModelSpec};
use crate::data::summary::Task;

/// A built-in architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Logistic (or linear) regression: the output layer alone.
    Logistic,
    /// Two hidden layers of 128 and 64 ReLU units (784-128-64-10 on MNIST).
    Mlp,
    /// The small MNIST CNN: conv32-pool-conv64-pool-conv64-dense64 (images only).
    Cnn,
    /// A CNN for one-second sound spectrograms (32×32): conv16-pool-conv32-pool-dense64
    /// with dropout (images only; the default for sounds).
    Sound,
}

/// Why a preset cannot be built for the data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    /// The CNN was chosen for a table.
    #[error("The CNNs read images (or sounds); this data set is a table.")]
    CnnNeedsImages,
}

impl Preset {
    /// Every preset, in the order they are offered.
    pub const ALL: [Preset; 4] = [Preset::Logistic, Preset::Mlp, Preset::Cnn, Preset::Sound];

    /// The name people see.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Logistic => "Logistic regression",
            Preset::Mlp => "MLP (128-64)",
            Preset::Cnn => "Small CNN (images)",
            Preset::Sound => "Sound CNN (spectrograms)",
        }
    }

    /// The short name used in URLs and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Preset::Logistic => "logistic",
            Preset::Mlp => "mlp",
            Preset::Cnn => "cnn",
            Preset::Sound => "sound",
        }
    }

    /// The preset whose [`Preset::id`] is `id`.
    pub fn from_id(id: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|preset| preset.id() == id)
    }

    /// The spec for data of `input` shape, `task` and `classes`; the CNN needs images.
    pub fn spec(
        self,
        input: InputShape,
        task: Task,
        classes: usize,
    ) -> Result<ModelSpec, PresetError> {
        Ok(match self {
            Preset::Logistic => ModelSpec::logistic(input, task, classes),
            Preset::Mlp => ModelSpec::mlp(input, task, classes),
            Preset::Cnn | Preset::Sound => {
                if let InputShape::Features { .. } = input {
                    return Err(PresetError::CnnNeedsImages);
                }
                if self == Preset::Sound {
                    ModelSpec::sound_cnn(input, task, classes)
                } else {
                    ModelSpec::cnn(input, task, classes)
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_round_trip_their_ids_and_the_cnn_needs_images() {
        for preset in Preset::ALL {
            assert_eq!(Preset::from_id(preset.id()), Some(preset));
        }
        assert_eq!(Preset::from_id("transformer"), None);
        let table = InputShape::Features { features: 4 };
        let error = Preset::Cnn.spec(table, Task::MultiClass, 3).unwrap_err();
        assert_eq!(
            error.to_string(),
            "The CNNs read images (or sounds); this data set is a table."
        );
        assert!(Preset::Sound.spec(table, Task::MultiClass, 3).is_err());
        assert!(
            Preset::Cnn
                .spec(InputShape::MNIST, Task::MultiClass, 10)
                .is_ok()
        );
        assert_eq!(
            Preset::Mlp.spec(table, Task::MultiClass, 3),
            Ok(ModelSpec::mlp(table, Task::MultiClass, 3))
        );
    }
}
