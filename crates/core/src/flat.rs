//! Reading the spec's and the training settings' tagged enums (`{"type": "dense", "units":
//! 64}`) through a flat struct of optional fields and a field-less kind.
//!
//! serde's derive reads an internally tagged enum by buffering the whole object before it
//! looks at the tag, and that buffer's reader is compiled again for every enum and every
//! format. In the page (WebAssembly, where every byte is downloaded) that came to a tenth
//! of the code that reads the engine's messages. A flat struct is read in one pass. The
//! JSON is the same both ways (writing stays serde's derive), and so are the errors people
//! see: an unknown kind is "unknown variant `x`, expected one of …", a missing field is
//! "missing field `units`". Fields of another kind are ignored, as serde ignores unknown
//! fields.

/// A field that the value's kind needs is missing (serde's own wording).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("missing field `{0}`")]
pub struct MissingField(pub &'static str);

/// `value`, or serde's "missing field" error.
pub(crate) fn field<T>(value: Option<T>, name: &'static str) -> Result<T, MissingField> {
    value.ok_or(MissingField(name))
}

#[cfg(test)]
mod tests {
    use crate::model::spec::{Activation, InputShape, Layer, Padding};
    use crate::model::{ExampleWeights, Optimizer, Schedule};
    use serde::{Serialize, de::DeserializeOwned};
    use std::fmt::Debug;

    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(values: &[T]) {
        for value in values {
            let json = serde_json::to_string(value).unwrap();
            assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), value, "{json}");
        }
    }

    /// `json` read as a `T`, or serde's message.
    fn read<T: DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn every_variant_reads_back_what_serde_wrote() {
        round_trip(&[
            Layer::Dense {
                units: 64,
                activation: Activation::Tanh,
            },
            Layer::Conv2d {
                filters: 8,
                kernel: 5,
                stride: 2,
                padding: Padding::Same,
                activation: Activation::Relu,
            },
            Layer::MaxPool2d {
                size: 2,
                stride: None,
            },
            Layer::MaxPool2d {
                size: 3,
                stride: Some(2),
            },
            Layer::AvgPool2d {
                size: 2,
                stride: Some(1),
            },
            Layer::Flatten,
            Layer::Dropout { rate: 0.25 },
            Layer::BatchNorm {
                activation: Activation::Relu,
            },
        ]);
        round_trip(&[
            InputShape::Features { features: 4 },
            InputShape::Image {
                height: 28,
                width: 27,
                channels: 3,
            },
        ]);
        round_trip(&[
            Optimizer::Sgd {
                momentum: 0.9,
                nesterov: true,
            },
            Optimizer::Adam,
            Optimizer::AdamW { weight_decay: 0.05 },
            Optimizer::RmsProp { momentum: 0.5 },
        ]);
        round_trip(&[
            Schedule::Constant,
            Schedule::Step {
                every_epochs: 3,
                factor: 0.5,
            },
            Schedule::Cosine { min_fraction: 0.1 },
        ]);
        round_trip(&[
            ExampleWeights::None,
            ExampleWeights::PerClass {
                weights: vec![1.0, 2.5],
            },
            ExampleWeights::Balanced,
            ExampleWeights::PerSample { weights: vec![0.5] },
            ExampleWeights::ReweighGroups {
                column: "gender".into(),
            },
        ]);
    }

    #[test]
    fn left_out_fields_take_their_defaults() {
        let conv: Layer = read(r#"{"type":"conv2d","filters":4,"kernel":3}"#).unwrap();
        assert_eq!(
            conv,
            Layer::Conv2d {
                filters: 4,
                kernel: 3,
                stride: 1,
                padding: Padding::Valid,
                activation: Activation::default(),
            }
        );
        let norm: Layer = read(r#"{"type":"batch_norm"}"#).unwrap();
        assert_eq!(
            norm,
            Layer::BatchNorm {
                activation: Activation::Linear
            }
        );
        let dense: Layer = read(r#"{"type":"dense","units":3}"#).unwrap();
        assert_eq!(
            dense,
            Layer::Dense {
                units: 3,
                activation: Activation::default()
            }
        );
        let adamw: Optimizer = read(r#"{"kind":"adam_w"}"#).unwrap();
        assert_eq!(adamw, Optimizer::AdamW { weight_decay: 0.01 });
        let sgd: Optimizer = read(r#"{"kind":"sgd"}"#).unwrap();
        assert_eq!(
            sgd,
            Optimizer::Sgd {
                momentum: 0.0,
                nesterov: false
            }
        );
        let cosine: Schedule = read(r#"{"kind":"cosine"}"#).unwrap();
        assert_eq!(cosine, Schedule::Cosine { min_fraction: 0.0 });
    }

    #[test]
    fn bad_documents_say_what_is_wrong_as_serde_does() {
        let unknown = read::<Layer>(r#"{"type":"lstm","units":3}"#)
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains("unknown variant `lstm`") && unknown.contains("`dense`"),
            "{unknown}"
        );
        let missing = read::<Layer>(r#"{"type":"dense"}"#)
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing field `units`"), "{missing}");
        let untagged = read::<Layer>(r#"{"units":3}"#).unwrap_err().to_string();
        assert!(untagged.contains("missing field `type`"), "{untagged}");
        let wrong_type = read::<Layer>(r#"{"type":"dense","units":"many"}"#)
            .unwrap_err()
            .to_string();
        assert!(wrong_type.contains("invalid type"), "{wrong_type}");
        let step = read::<Schedule>(r#"{"kind":"step","factor":0.5}"#)
            .unwrap_err()
            .to_string();
        assert!(step.contains("missing field `every_epochs`"), "{step}");
        let image = read::<InputShape>(r#"{"kind":"image","height":2,"width":2}"#)
            .unwrap_err()
            .to_string();
        assert!(image.contains("missing field `channels`"), "{image}");
        let weights = read::<ExampleWeights>(r#"{"kind":"reweigh_groups"}"#)
            .unwrap_err()
            .to_string();
        assert!(weights.contains("missing field `column`"), "{weights}");
    }
}
