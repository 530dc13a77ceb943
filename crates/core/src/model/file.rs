//! The model file: one `.safetensors` file. The weights are standard safetensors tensors
//! (written by burn's store), and `__metadata__["hearth"]` holds a versioned JSON
//! [`ModelDocument`]: spec, preprocessing, class labels, training history, metrics and the
//! model card. Loading checks everything before it builds anything, so a wrong, truncated
//! or hostile file gets a clear message, never a panic.

use super::network::{HostWeights, Network};
use super::spec::ModelSpec;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;

pub use super::document::{
    FORMAT_VERSION, MAX_FILE_BYTES, METADATA_KEY, ModelCard, ModelDocument, ModelFileError,
    TensorInfo, read_document, tensors,
};

/// The file's bytes for `network` described by `document`.
pub fn save(network: &Network, document: &ModelDocument) -> Result<Vec<u8>, ModelFileError> {
    let json = serde_json::to_string(document)
        .map_err(|error| ModelFileError::Write(error.to_string()))?;
    let mut store = SafetensorsStore::from_bytes(None).metadata(METADATA_KEY, json);
    network
        .save_into(&mut store)
        .map_err(|error| ModelFileError::Write(error.to_string()))?;
    store
        .get_bytes()
        .map_err(|error| ModelFileError::Write(error.to_string()))
}

/// The bytes of a model file for `network` (on any device) described by `document`.
pub async fn save_from_device(
    network: &Network,
    spec: &ModelSpec,
    document: &ModelDocument,
) -> Result<Vec<u8>, ModelFileError> {
    let weights = network.to_host().await?;
    save_host(&weights, spec, document)
}

/// The bytes of a model file for weights already on the host.
pub fn save_host(
    weights: &HostWeights,
    spec: &ModelSpec,
    document: &ModelDocument,
) -> Result<Vec<u8>, ModelFileError> {
    let network = Network::from_host(spec, weights, &Device::flex())?;
    save(&network, document)
}

pub use crate::text::model_file_name as file_name;

/// Reads a model file: the document and the network with its weights, on `device`.
pub fn load(
    file: &str,
    bytes: &[u8],
    device: &Device,
) -> Result<(Network, ModelDocument), ModelFileError> {
    let document = read_document(file, bytes)?;
    let mismatch = |reason: String| ModelFileError::Mismatch {
        file: file.to_string(),
        reason,
    };
    let mut network =
        Network::new(&document.spec, 0, device).map_err(|error| mismatch(error.to_string()))?;
    let bytes = super::half::widened(bytes)
        .map_err(|reason| mismatch(format!("its f16 weights could not be read ({reason})")))?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes.into_owned()))
        .validate(true)
        .allow_partial(false);
    let result = network
        .load_from(&mut store)
        .map_err(|error| mismatch(format!("its weights do not fit the architecture ({error})")))?;
    if !result.missing.is_empty() || !result.unused.is_empty() || !result.errors.is_empty() {
        return Err(mismatch(format!(
            "weights missing: {:?}; unexpected: {:?}; wrong: {:?}",
            result.missing, result.unused, result.errors
        )));
    }
    Ok((network, document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrainConfig;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("iris model"), "iris-model.safetensors");
        assert_eq!(file_name("My Data.csv"), "my-data.safetensors");
        assert_eq!(file_name("  ../../etc/passwd "), "etc-passwd.safetensors");
        assert_eq!(file_name("???"), "model.safetensors");
        assert_eq!(file_name(&"a".repeat(200)).len(), 60 + ".safetensors".len());
    }
    use crate::data::summary::Task;
    use crate::model::spec::InputShape;
    use burn::tensor::{Distribution, Tensor};

    fn model() -> (Network, ModelDocument, Device) {
        let device = Device::flex();
        device.seed(3);
        let spec = ModelSpec::cnn(InputShape::MNIST, Task::MultiClass, 10);
        let network = Network::new(&spec, 3, &device).unwrap();
        let document = ModelDocument {
            format_version: FORMAT_VERSION,
            spec,
            preprocessing: None,
            class_labels: (0..10).map(|digit| digit.to_string()).collect(),
            train_config: Some(TrainConfig::default()),
            history: Vec::new(),
            metrics: serde_json::json!({"split": "test", "accuracy": 0.99}),
            card: ModelCard {
                name: "digits".into(),
                ..ModelCard::default()
            },
            sound: None,
        };
        (network, document, device)
    }

    #[test]
    fn a_saved_model_predicts_exactly_as_before() {
        let (network, document, device) = model();
        let bytes = save(&network, &document).unwrap();
        let (loaded, read) = load("digits.safetensors", &bytes, &device).unwrap();
        assert_eq!(read, document);
        let input = Tensor::<2>::random([3, 784], Distribution::Default, &device);
        let before = network.forward(&document.spec, input.clone()).into_data();
        let after = loaded.forward(&document.spec, input).into_data();
        assert_eq!(before, after);
    }

    #[test]
    fn a_model_stored_in_f16_loads_and_predicts_as_the_f32_one_to_three_decimals() {
        let (network, document, device) = model();
        let bytes = save(&network, &document).unwrap();
        let half = super::super::half::halved(&bytes).unwrap();
        assert!(
            half.len() * 10 < bytes.len() * 6,
            "{} of {} bytes",
            half.len(),
            bytes.len()
        );
        assert!(tensors(&half).iter().all(|tensor| tensor.dtype == "F16"));
        let (loaded, read) = load("digits.safetensors", &half, &device).unwrap();
        assert_eq!(read, document, "the document is kept");
        let input = Tensor::<2>::random([3, 784], Distribution::Default, &device);
        let before = network.forward(&document.spec, input.clone()).into_data();
        let after = loaded.forward(&document.spec, input).into_data();
        before.assert_approx_eq::<f32>(&after, burn::tensor::Tolerance::absolute(1e-3));
        // An f32 file is read as it is.
        assert!(matches!(
            super::super::half::widened(&bytes),
            Ok(std::borrow::Cow::Borrowed(_))
        ));
    }

    #[test]
    fn wrong_truncated_and_foreign_files_are_explained() {
        let (network, document, device) = model();
        let bytes = save(&network, &document).unwrap();
        let error = load("cut.safetensors", &bytes[..bytes.len() / 2], &device).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cut.safetensors is not a Hearth model file"),
            "{error}"
        );
        let error = load("notes.txt", b"hello world, not a model", &device).unwrap_err();
        assert!(matches!(error, ModelFileError::NotAModel { .. }), "{error}");
        let error = load("empty", b"", &device).unwrap_err();
        assert!(matches!(error, ModelFileError::NotAModel { .. }), "{error}");
        // A hostile header length.
        let mut hostile = u64::MAX.to_le_bytes().to_vec();
        hostile.extend_from_slice(b"{}");
        assert!(load("hostile", &hostile, &device).is_err());

        // A newer version, and a description that does not match the weights.
        let newer = ModelDocument {
            format_version: FORMAT_VERSION + 1,
            ..document.clone()
        };
        let error = load("new.safetensors", &save(&network, &newer).unwrap(), &device).unwrap_err();
        assert!(
            matches!(error, ModelFileError::Version { found: 2, .. }),
            "{error}"
        );
        let other = ModelDocument {
            spec: ModelSpec::mlp(InputShape::MNIST, Task::MultiClass, 10),
            ..document
        };
        let error = load(
            "swapped.safetensors",
            &save(&network, &other).unwrap(),
            &device,
        )
        .unwrap_err();
        assert!(matches!(error, ModelFileError::Mismatch { .. }), "{error}");

        // A description that claims a network of 80 M parameters (320 MB) over a few
        // hundred kilobytes of weights is refused before anything is allocated for it.
        let features = InputShape::Features { features: 8_000 };
        let layers = vec![crate::model::spec::Layer::Dense {
            units: 10_000,
            activation: crate::model::spec::Activation::Relu,
        }];
        let greedy = ModelDocument {
            spec: ModelSpec::new(features, layers, Task::MultiClass, 10),
            ..other
        };
        let bytes = save(&network, &greedy).unwrap();
        let error = read_document("greedy.safetensors", &bytes).unwrap_err();
        assert!(
            error.to_string().contains(&format!(
                "claims 80110010 parameters but it holds only {} weights",
                93_322
            )),
            "{error}"
        );
    }
}
