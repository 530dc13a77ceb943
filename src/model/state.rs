//! The spec being edited on the Model step, and the shape the loaded data asks of it, as
//! plain structs tested natively.

use hearth_core::data::summary::{DataSummary, Task};
use hearth_core::model::base::BaseSummary;
use hearth_core::model::preset::Preset;
use hearth_core::model::{
    Activation, DEFAULT_KEPT_RATE, InputShape, Layer, LayerInfo, ModelSpec, Padding,
};
use hearth_core::protocol::FromEngine;

use crate::browser::json;
use crate::data::state::DataState;

/// What the loaded data asks of a model: its input, task and number of classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataShape {
    /// The shape of one example.
    pub input: InputShape,
    /// What the model predicts.
    pub task: Task,
    /// How many classes (1 for regression).
    pub classes: usize,
    /// Sounds' spectrograms: the sound preset is the default.
    pub sound: bool,
}

impl DataShape {
    /// The shape of the data set, once it is loaded and (for tables) has a target.
    pub fn of(data: &DataState) -> Option<DataShape> {
        match data.summary.as_ref()? {
            DataSummary::Images(images) => Some(DataShape {
                input: InputShape::Image {
                    height: images.height as usize,
                    width: images.width as usize,
                    channels: images.channels as usize,
                },
                task: if images.classes.len() == 2 {
                    Task::Binary
                } else {
                    Task::MultiClass
                },
                classes: images.classes.len(),
                sound: images.sound.is_some(),
            }),
            DataSummary::Table(_) => {
                let report = data.report.as_ref()?;
                if report.problem.is_some() {
                    return None;
                }
                let target = report.target.as_ref()?;
                Some(DataShape {
                    input: InputShape::Features {
                        features: report.inputs.len(),
                    },
                    task: target.task,
                    classes: target.classes.len(),
                    sound: false,
                })
            }
        }
    }
}

#[cfg(test)]
impl DataShape {
    /// MNIST's shape: 28x28 grey digits in ten classes.
    pub(crate) fn mnist() -> DataShape {
        DataShape {
            input: InputShape::MNIST,
            task: Task::MultiClass,
            classes: 10,
            sound: false,
        }
    }
}

/// The spec being edited on the Model step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecState {
    /// The spec, once there is data to fit it to.
    pub spec: Option<ModelSpec>,
    /// Why the pasted JSON or chosen preset was refused.
    pub problem: Option<String>,
    /// "Start from a model": the model chosen to build on, and how.
    pub start: StartFrom,
}

/// "Start from a model" on the Model step: the model chosen to build on (its layers, as
/// the engine sent them), how many of its layers to keep, and frozen or fine-tuned.
#[derive(Debug, Clone, PartialEq)]
pub struct StartFrom {
    /// The model chosen to build on, once the engine has read it.
    pub base: Option<BaseSummary>,
    /// Waiting for the engine to read the chosen model (its name).
    pub choosing: Option<String>,
    /// Why the chosen model cannot be built on.
    pub problem: Option<String>,
    /// Its first `kept` layers are kept.
    pub kept: usize,
    /// Kept layers frozen (else fine-tuned at `kept_rate` times the learning rate).
    pub frozen: bool,
    pub kept_rate: f64,
}

impl Default for StartFrom {
    fn default() -> Self {
        StartFrom {
            base: None,
            choosing: None,
            problem: None,
            kept: 0,
            frozen: true,
            kept_rate: DEFAULT_KEPT_RATE,
        }
    }
}

impl SpecState {
    /// The engine's answers to "Start from a model".
    pub fn on_message(&mut self, message: &FromEngine) {
        match message {
            FromEngine::BaseChosen { base } => {
                // The same model again (a new engine given it back) keeps the choice.
                let same = self
                    .start
                    .base
                    .as_ref()
                    .is_some_and(|old| old.sha256 == base.sha256);
                if !same {
                    self.start.kept = base.layers.len();
                }
                self.start.base = Some(base.clone());
                self.start.choosing = None;
                self.start.problem = None;
            }
            FromEngine::BaseRefused { message } => {
                self.start.choosing = None;
                self.start.problem = Some(message.clone());
            }
            _ => {}
        }
    }

    /// A model was sent to the engine to build on.
    pub fn choosing(&mut self, name: String) {
        self.start.choosing = Some(name);
        self.start.problem = None;
    }

    /// Why the chosen model cannot take data of `shape` (its input differs), with what to
    /// do.
    pub fn base_misfit(&self, shape: Option<DataShape>) -> Option<String> {
        let base = self.start.base.as_ref()?;
        let shape = shape?;
        if base.sound != shape.sound {
            return Some(format!(
                "{} reads {}, and the loaded data is {}: load data of its kind in step 1.",
                base.name,
                if base.sound {
                    "sounds"
                } else {
                    "images or a table"
                },
                if shape.sound { "sounds" } else { "not sounds" }
            ));
        }
        let misfit = base.misfit(shape.input)?;
        let advice = match base.input {
            InputShape::Image {
                height,
                width,
                channels,
            } if !base.sound => format!(
                "load the images at {width} × {height} {} in step 1 (the size choice above the files)",
                if channels == 1 { "grayscale" } else { "colour" }
            ),
            _ => "load data of its shape in step 1".to_string(),
        };
        Some(format!("{misfit}: {advice}."))
    }

    /// Makes the spec a new model on the chosen base for data of `shape`: its first
    /// `start.kept` layers, then a head for the data; frozen or fine-tuned as chosen.
    pub fn build_on_base(&mut self, shape: DataShape) {
        let Some(base) = self.start.base.as_ref() else {
            return;
        };
        if let Some(misfit) = self.base_misfit(Some(shape)) {
            self.problem = Some(misfit);
            return;
        }
        match base.spec(
            self.start.kept,
            Vec::new(),
            self.start.frozen,
            self.start.kept_rate,
            shape.task,
            shape.classes,
        ) {
            Ok(spec) => {
                self.spec = Some(spec);
                self.problem = None;
            }
            Err(error) => self.problem = Some(error.to_string()),
        }
    }

    /// Whether the spec is built on the chosen base.
    pub fn built_on_base(&self) -> bool {
        let origin = self.spec.as_ref().and_then(|spec| spec.origin.as_ref());
        match (origin, &self.start.base) {
            (Some(origin), Some(base)) => origin.sha256 == base.sha256,
            _ => false,
        }
    }

    /// Layers kept from the model the spec is built on (not edited here).
    pub fn kept(&self) -> usize {
        self.spec
            .as_ref()
            .and_then(|spec| spec.origin.as_ref())
            .map_or(0, |origin| origin.kept_layers)
    }

    /// Layer infos, or the error that names the layer that does not fit.
    pub fn infer(&self) -> Option<Result<Vec<LayerInfo>, hearth_core::model::SpecError>> {
        self.spec.as_ref().map(ModelSpec::infer)
    }

    /// Makes sure a spec exists that fits `shape` (the MLP preset when there is none, or
    /// when the data changed shape; the sound preset for sounds).
    pub fn fit_to(&mut self, shape: DataShape) {
        let fits = self.spec.as_ref().is_some_and(|spec| {
            hearth_core::model::ModelSpec::new(shape.input, Vec::new(), shape.task, shape.classes)
                .outputs
                == spec.outputs
                && spec.input == shape.input
                && spec.task == shape.task
        });
        let rebuilt = !fits
            && self
                .spec
                .as_ref()
                .is_some_and(|spec| spec.origin.is_some() && spec.input == shape.input);
        if rebuilt && let Some(spec) = self.spec.as_mut() {
            // A model built on another keeps its layers; only its head follows the classes.
            let head = ModelSpec::new(shape.input, Vec::new(), shape.task, shape.classes);
            spec.task = head.task;
            spec.outputs = head.outputs;
        } else if !fits {
            let preset = if shape.sound {
                Preset::Sound
            } else {
                Preset::Mlp
            };
            self.spec = preset.spec(shape.input, shape.task, shape.classes).ok();
            self.problem = None;
        }
    }

    /// Replaces the spec by `preset` for data of `shape`, or says why it does not fit.
    pub fn choose(&mut self, preset: Preset, shape: DataShape) {
        match preset.spec(shape.input, shape.task, shape.classes) {
            Ok(spec) => {
                self.spec = Some(spec);
                self.problem = None;
            }
            Err(problem) => self.problem = Some(problem.to_string()),
        }
    }

    /// Adds a layer of `kind` (see [`LAYER_KINDS`]) at the end of the hidden layers.
    pub fn add(&mut self, kind: &str) {
        let Some(layer) = new_layer(kind) else {
            return;
        };
        if let Some(spec) = self.spec.as_mut() {
            spec.layers.push(layer);
        }
    }

    /// Removes layer `index` (0-based).
    pub fn remove(&mut self, index: usize) {
        if index < self.kept() {
            return;
        }
        if let Some(spec) = self.spec.as_mut()
            && index < spec.layers.len()
        {
            spec.layers.remove(index);
        }
    }

    /// Moves layer `index` one place up (`-1`) or down (`1`).
    pub fn shift(&mut self, index: usize, by: isize) {
        let kept = self.kept() as isize;
        if (index as isize) < kept || index as isize + by < kept {
            return;
        }
        if let Some(spec) = self.spec.as_mut() {
            let target = index as isize + by;
            if index < spec.layers.len() && target >= 0 && (target as usize) < spec.layers.len() {
                spec.layers.swap(index, target as usize);
            }
        }
    }

    /// Replaces layer `index`.
    pub fn set(&mut self, index: usize, layer: Layer) {
        if index < self.kept() {
            return;
        }
        if let Some(spec) = self.spec.as_mut()
            && let Some(slot) = spec.layers.get_mut(index)
        {
            *slot = layer;
        }
    }

    /// The spec as JSON, for copying out.
    pub fn json(&self) -> String {
        self.spec
            .as_ref()
            .and_then(json::to_string_pretty)
            .unwrap_or_default()
    }

    /// The spec as a compact JSON text for a link's fragment (`#spec=…`, encoded by the
    /// caller); none when there is no spec.
    pub fn link_text(&self) -> Option<String> {
        self.spec.as_ref().and_then(json::to_string)
    }

    /// Reads the spec of a shared link (the fragment's text after `spec=`, decoded):
    /// `true` when it was a spec and is now the current one.
    pub fn open_link(&mut self, fragment: &str) -> bool {
        let Some(text) = fragment.trim_start_matches('#').strip_prefix("spec=") else {
            return false;
        };
        self.paste(text, None);
        if self.problem.is_some() {
            self.problem = Some(format!(
                "The link's model spec could not be read: {}",
                self.problem.take().unwrap_or_default()
            ));
            return false;
        }
        true
    }

    /// Reads a pasted spec; a bad one is explained and the current spec kept.
    pub fn paste(&mut self, text: &str, shape: Option<DataShape>) {
        match json::from_str::<ModelSpec>(text) {
            Ok(spec) => {
                if let Some(shape) = shape
                    && spec.input != shape.input
                {
                    self.problem = Some(format!(
                        "That spec reads {} inputs, but the data gives {}.",
                        hearth_core::model::Shape::from(spec.input).label(),
                        hearth_core::model::Shape::from(shape.input).label()
                    ));
                    return;
                }
                self.spec = Some(spec);
                self.problem = None;
            }
            Err(error) => self.problem = Some(format!("That is not a model spec: {error}")),
        }
    }
}

/// The layer kinds the "Add layer" menu offers: (id, label).
pub const LAYER_KINDS: [(&str, &str); 7] = [
    ("dense", "Dense"),
    ("conv2d", "Conv2d"),
    ("max_pool2d", "MaxPool2d"),
    ("avg_pool2d", "AvgPool2d"),
    ("flatten", "Flatten"),
    ("dropout", "Dropout"),
    ("batch_norm", "BatchNorm"),
];

/// A layer of `kind` with sensible settings.
pub fn new_layer(kind: &str) -> Option<Layer> {
    Some(match kind {
        "dense" => Layer::Dense {
            units: 32,
            activation: Activation::Relu,
        },
        "conv2d" => Layer::Conv2d {
            filters: 16,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            activation: Activation::Relu,
        },
        "max_pool2d" => Layer::MaxPool2d {
            size: 2,
            stride: None,
        },
        "avg_pool2d" => Layer::AvgPool2d {
            size: 2,
            stride: None,
        },
        "flatten" => Layer::Flatten,
        "dropout" => Layer::Dropout { rate: 0.25 },
        "batch_norm" => Layer::BatchNorm {
            activation: Activation::Linear,
        },
        _ => return None,
    })
}

/// The id of a layer's kind (as in [`LAYER_KINDS`]).
pub fn layer_kind(layer: &Layer) -> &'static str {
    match layer {
        Layer::Dense { .. } => "dense",
        Layer::Conv2d { .. } => "conv2d",
        Layer::MaxPool2d { .. } => "max_pool2d",
        Layer::AvgPool2d { .. } => "avg_pool2d",
        Layer::Flatten => "flatten",
        Layer::Dropout { .. } => "dropout",
        Layer::BatchNorm { .. } => "batch_norm",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_follow_the_data_and_paste_back() {
        let mut specs = SpecState::default();
        specs.fit_to(DataShape::mnist());
        assert_eq!(specs.spec.as_ref().unwrap().params(), 109_386);
        specs.choose(Preset::Cnn, DataShape::mnist());
        let json = specs.json();
        specs.choose(Preset::Logistic, DataShape::mnist());
        specs.paste(&json, Some(DataShape::mnist()));
        assert_eq!(specs.spec.as_ref().unwrap().params(), 93_322);
        specs.paste("{ not json", Some(DataShape::mnist()));
        assert!(specs.problem.as_ref().unwrap().contains("line 1"));
        assert_eq!(specs.spec.as_ref().unwrap().params(), 93_322, "kept");
        let table = DataShape {
            input: InputShape::Features { features: 4 },
            task: Task::MultiClass,
            classes: 3,
            sound: false,
        };
        specs.choose(Preset::Cnn, table);
        assert!(specs.problem.as_ref().unwrap().contains("table"));
        specs.fit_to(table);
        assert_eq!(specs.spec.as_ref().unwrap().input, table.input);
        // Sounds get the sound preset.
        let sounds = DataShape {
            input: InputShape::Image {
                height: 32,
                width: 32,
                channels: 1,
            },
            task: Task::MultiClass,
            classes: 3,
            sound: true,
        };
        specs.fit_to(sounds);
        let expected = Preset::Sound.spec(sounds.input, sounds.task, 3).unwrap();
        assert_eq!(specs.spec.as_ref(), Some(&expected));
    }

    #[test]
    fn layers_are_added_moved_edited_and_removed() {
        let mut specs = SpecState::default();
        specs.choose(Preset::Logistic, DataShape::mnist());
        specs.add("dense");
        specs.add("dropout");
        specs.add("nonsense");
        let layers = |specs: &SpecState| -> Vec<&'static str> {
            specs
                .spec
                .as_ref()
                .unwrap()
                .layers
                .iter()
                .map(layer_kind)
                .collect()
        };
        assert_eq!(layers(&specs), ["flatten", "dense", "dropout"]);
        specs.shift(2, -1);
        assert_eq!(layers(&specs), ["flatten", "dropout", "dense"]);
        specs.shift(0, -1);
        specs.shift(2, 1);
        assert_eq!(
            layers(&specs),
            ["flatten", "dropout", "dense"],
            "ends stay put"
        );
        specs.set(
            2,
            Layer::Dense {
                units: 7,
                activation: Activation::Tanh,
            },
        );
        let infos = specs.infer().unwrap().unwrap();
        assert_eq!(infos[2].output.size(), 7);
        specs.remove(1);
        assert_eq!(layers(&specs), ["flatten", "dense"]);
        // A dense layer before Flatten on images is the error, named on layer 1.
        specs.shift(1, -1);
        let error = specs.infer().unwrap().unwrap_err();
        assert_eq!(error.layer, 1);
    }

    #[test]
    fn a_spec_travels_in_a_link_and_a_bad_link_is_explained() {
        let mut specs = SpecState::default();
        specs.choose(Preset::Cnn, DataShape::mnist());
        let text = specs.link_text().unwrap();
        assert!(!text.contains('\n'));
        let mut other = SpecState::default();
        assert!(!other.open_link("#section-2"));
        assert!(other.spec.is_none() && other.problem.is_none());
        assert!(other.open_link(&format!("#spec={text}")));
        assert_eq!(other.spec, specs.spec);
        assert!(!other.open_link("#spec={\"version\":1"));
        assert_eq!(other.spec, specs.spec, "a bad link keeps the spec");
        assert!(
            other
                .problem
                .as_deref()
                .unwrap()
                .starts_with("The link's model spec could not be read: That is not a model spec")
        );
    }

    /// The digit CNN as the engine describes it for "Start from a model".
    fn digits() -> BaseSummary {
        let mut spec = Preset::Cnn
            .spec(InputShape::MNIST, Task::MultiClass, 10)
            .unwrap();
        spec.layers.truncate(7);
        let mut infos = spec.infer().unwrap();
        infos.pop();
        BaseSummary {
            name: "Digits (pretrained CNN)".into(),
            sha256: "0a".repeat(32),
            input: spec.input,
            layers: spec.layers,
            infos,
            sound: false,
        }
    }

    #[test]
    fn a_model_built_on_another_keeps_its_layers_and_follows_the_classes() {
        let mut specs = SpecState::default();
        let drawn = DataShape {
            classes: 3,
            ..DataShape::mnist()
        };
        specs.fit_to(drawn);
        specs.on_message(&FromEngine::BaseChosen { base: digits() });
        assert_eq!(specs.start.kept, 7, "all its layers, at first");
        assert!(!specs.built_on_base());
        specs.start.kept = 5;
        specs.build_on_base(drawn);
        assert!(specs.built_on_base(), "{:?}", specs.problem);
        let spec = specs.spec.clone().unwrap();
        assert_eq!(
            spec.layers.len(),
            6,
            "five kept, then a Flatten for the head"
        );
        assert_eq!(spec.outputs, 3);
        let origin = spec.origin.as_ref().unwrap();
        assert!(origin.frozen);
        assert_eq!(origin.kept_layers, 5);
        // Kept layers are not edited, moved or removed; the new ones are.
        specs.remove(0);
        specs.shift(5, -1);
        specs.set(1, Layer::Flatten);
        assert_eq!(specs.spec.as_ref().unwrap().layers, spec.layers);
        specs.add("dense");
        specs.remove(6);
        assert_eq!(specs.spec.as_ref().unwrap().layers, spec.layers);
        // A fourth class: the head follows, the kept layers stay.
        specs.fit_to(DataShape {
            classes: 4,
            ..drawn
        });
        let grown = specs.spec.as_ref().unwrap();
        assert_eq!(grown.outputs, 4);
        assert_eq!(grown.origin, spec.origin);
        // Fine-tuned at a fifth of the rate.
        specs.start.frozen = false;
        specs.start.kept_rate = 0.2;
        specs.build_on_base(drawn);
        let origin = specs.spec.as_ref().unwrap().origin.clone().unwrap();
        assert!(!origin.frozen);
        assert_eq!(origin.kept_rate, 0.2);
        // A preset starts afresh.
        specs.choose(Preset::Mlp, drawn);
        assert!(!specs.built_on_base());
        assert_eq!(specs.kept(), 0);
    }

    #[test]
    fn data_of_another_size_is_named_with_what_to_do() {
        let mut specs = SpecState::default();
        specs.on_message(&FromEngine::BaseChosen { base: digits() });
        let colour = DataShape {
            input: InputShape::Image {
                height: 32,
                width: 32,
                channels: 3,
            },
            task: Task::Binary,
            classes: 2,
            sound: false,
        };
        let misfit = specs.base_misfit(Some(colour)).unwrap();
        assert_eq!(
            misfit,
            "Digits (pretrained CNN) reads 28×28 grey images, and the loaded data is 32×32 colour images: load the images at 28 × 28 grayscale in step 1 (the size choice above the files)."
        );
        let before = specs.spec.clone();
        specs.build_on_base(colour);
        assert_eq!(specs.spec, before, "nothing built");
        assert_eq!(specs.problem.as_deref(), Some(misfit.as_str()));
        specs.on_message(&FromEngine::BaseRefused {
            message: "x.safetensors is not a Hearth model file".into(),
        });
        assert!(specs.start.problem.is_some());
        assert!(specs.start.base.is_some(), "the base chosen before stays");
    }
}
