//! Model files with 16-bit weights. Hearth computes in f32 and saves f32, but the digit
//! model that ships with the page is stored in f16 (`hearth half`): half the download on a
//! first visit, for a model whose predictions do not change (its test accuracy is checked
//! on the f16 file). Loading widens every f16 tensor to f32 before anything else reads it.

use std::borrow::Cow;
use std::collections::HashMap;

use ::half::f16;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

/// `bytes` with every f16 tensor widened to f32 (borrowed when there is none).
pub fn widened(bytes: &[u8]) -> Result<Cow<'_, [u8]>, String> {
    convert(bytes, Dtype::F16, Dtype::F32, |data| {
        data.chunks_exact(2)
            .flat_map(|pair| {
                f16::from_le_bytes([pair[0], pair[1]])
                    .to_f32()
                    .to_le_bytes()
            })
            .collect()
    })
}

/// `bytes` with every f32 tensor stored as f16 (rounded to nearest).
pub fn halved(bytes: &[u8]) -> Result<Vec<u8>, String> {
    convert(bytes, Dtype::F32, Dtype::F16, |data| {
        data.chunks_exact(4)
            .flat_map(|word| {
                f16::from_f32(f32::from_le_bytes([word[0], word[1], word[2], word[3]]))
                    .to_le_bytes()
            })
            .collect()
    })
    .map(Cow::into_owned)
}

/// Rewrites the tensors of dtype `from` as `to` with `map` (their bytes to the new bytes),
/// keeping every other tensor and the metadata.
fn convert(
    bytes: &[u8],
    from: Dtype,
    to: Dtype,
    map: impl Fn(&[u8]) -> Vec<u8>,
) -> Result<Cow<'_, [u8]>, String> {
    let tensors = SafeTensors::deserialize(bytes).map_err(|error| error.to_string())?;
    if tensors
        .tensors()
        .iter()
        .all(|(_, view)| view.dtype() != from)
    {
        return Ok(Cow::Borrowed(bytes));
    }
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(|error| error.to_string())?;
    let converted: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let (dtype, data) = if view.dtype() == from {
                (to, map(view.data()))
            } else {
                (view.dtype(), view.data().to_vec())
            };
            (name, dtype, view.shape().to_vec(), data)
        })
        .collect();
    let views = converted
        .iter()
        .map(|(name, dtype, shape, data)| {
            TensorView::new(*dtype, shape.clone(), data)
                .map(|view| (name.clone(), view))
                .map_err(|error| error.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let info: Option<HashMap<String, String>> = metadata.metadata().clone();
    safetensors::serialize(views, info)
        .map(Cow::Owned)
        .map_err(|error| error.to_string())
}
