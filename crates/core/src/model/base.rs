//! A model to build on, as the page sees it ("Start from a model" on the Model step): its
//! layers with their outputs and parameters, and the spec of a new model that keeps the
//! first of them. The weights stay in the engine (`training::transfer::Base`).

use serde::{Deserialize, Serialize};

use super::spec::{InputShape, Layer, LayerInfo, ModelSpec, Origin, Shape, SpecError};
use crate::data::summary::Task;

/// What the page shows of a model to build on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseSummary {
    /// Its name (its card's, else its file's).
    pub name: String,
    /// The SHA-256 of its file, lowercase hex.
    pub sha256: String,
    pub input: InputShape,
    /// Its hidden layers, in order (not its head, which a new model replaces).
    pub layers: Vec<Layer>,
    /// Their output shapes and parameters.
    pub infos: Vec<LayerInfo>,
    /// Whether it reads sounds' spectrograms.
    pub sound: bool,
}

impl BaseSummary {
    /// The spec of a new model on this base: its first `kept` layers, then `more` layers
    /// of the new model's own (a Flatten first where the kept layers end in an image),
    /// then a head for `task` and `classes` (the loaded data's); frozen, or fine-tuned at
    /// `kept_rate` times the run's learning rate.
    pub fn spec(
        &self,
        kept: usize,
        more: Vec<Layer>,
        frozen: bool,
        kept_rate: f64,
        task: Task,
        classes: usize,
    ) -> Result<ModelSpec, SpecError> {
        if kept == 0 || kept > self.layers.len() {
            return Err(SpecError {
                layer: 0,
                name: "spec".to_string(),
                message: format!(
                    "it keeps {} of {}, which has {} before its head",
                    crate::text::counted(kept as u64, "layer"),
                    self.name,
                    crate::text::counted(self.layers.len() as u64, "layer")
                ),
            });
        }
        let mut layers: Vec<Layer> = self.layers.iter().take(kept).cloned().collect();
        let ends_in_image = match kept.checked_sub(1).and_then(|last| self.infos.get(last)) {
            Some(info) => matches!(info.output, Shape::Image { .. }),
            None => matches!(self.input, InputShape::Image { .. }),
        };
        let flattens = more.first() == Some(&Layer::Flatten);
        if ends_in_image && !flattens {
            layers.push(Layer::Flatten);
        }
        layers.extend(more);
        let mut spec = ModelSpec::new(self.input, layers, task, classes);
        spec.origin = Some(Origin {
            model: self.name.clone(),
            sha256: self.sha256.clone(),
            kept_layers: kept,
            frozen,
            kept_rate,
        });
        spec.infer()?;
        Ok(spec)
    }

    /// Why data of `input` cannot go through it, if it cannot: the sizes differ.
    pub fn misfit(&self, input: InputShape) -> Option<String> {
        (input != self.input).then(|| {
            format!(
                "{} reads {}, and the loaded data is {}",
                self.name,
                describe(self.input),
                describe(input)
            )
        })
    }
}

/// "28×28 grey images", "4 numbers".
pub fn describe(input: InputShape) -> String {
    match input {
        InputShape::Image {
            height,
            width,
            channels,
        } => format!(
            "{width}×{height} {} images",
            if channels == 1 { "grey" } else { "colour" }
        ),
        InputShape::Features { features } => crate::text::counted(features as u64, "input column"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Activation;

    fn digits() -> BaseSummary {
        let spec = ModelSpec::new(
            InputShape::MNIST,
            vec![
                Layer::Conv2d {
                    filters: 8,
                    kernel: 3,
                    stride: 1,
                    padding: super::super::Padding::Valid,
                    activation: Activation::Relu,
                },
                Layer::Flatten,
                Layer::Dense {
                    units: 16,
                    activation: Activation::Relu,
                },
            ],
            Task::MultiClass,
            10,
        );
        let mut infos = spec.infer().unwrap();
        infos.pop();
        BaseSummary {
            name: "Digits".into(),
            sha256: "ab".repeat(32),
            input: spec.input,
            layers: spec.layers,
            infos,
            sound: false,
        }
    }

    #[test]
    fn a_new_head_goes_on_the_kept_layers_flattened_where_they_end_in_an_image() {
        let base = digits();
        let spec = base
            .spec(3, Vec::new(), true, 0.1, Task::MultiClass, 3)
            .unwrap();
        assert_eq!(spec.layers, base.layers);
        assert_eq!(spec.outputs, 3);
        assert_eq!(spec.origin.as_ref().unwrap().kept_layers, 3);
        let spec = base
            .spec(1, Vec::new(), false, 0.2, Task::Binary, 2)
            .unwrap();
        assert_eq!(spec.layers, vec![base.layers[0], Layer::Flatten]);
        assert_eq!(spec.outputs, 1);
        let origin = spec.origin.unwrap();
        assert!(!origin.frozen);
        assert_eq!(origin.kept_rate, 0.2);
        assert!(
            base.spec(4, Vec::new(), true, 0.1, Task::MultiClass, 3)
                .is_err()
        );
    }

    #[test]
    fn data_of_another_size_is_named() {
        let base = digits();
        assert_eq!(base.misfit(InputShape::MNIST), None);
        let colour = InputShape::Image {
            height: 64,
            width: 64,
            channels: 3,
        };
        assert_eq!(
            base.misfit(colour).unwrap(),
            "Digits reads 28×28 grey images, and the loaded data is 64×64 colour images"
        );
    }
}
