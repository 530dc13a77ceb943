//! Hearth's web runtime: a model trained in Hearth, used in any web page. This crate is
//! the WebAssembly half (the model file read and checked, the forward pass in plain Rust);
//! `js/hearth.js` is the half people call (`load`, `predict`), which turns rows, images,
//! canvases and videos into what this half reads.

use hearth_core::data::images::Decoded;
use hearth_core::data::prep::FeatureSchema;
use hearth_core::data::summary::Task;
use hearth_core::model::plain::{PlainError, PlainModel};
use serde::Serialize;

/// What a page may want to know about the model: [`Runtime::describe`] as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    pub name: String,
    /// "multi_class", "binary" or "regression".
    pub task: &'static str,
    /// The class labels, in the order of the probabilities (empty for regression).
    pub classes: Vec<String>,
    /// A table model's columns, in order (empty for an image model).
    pub columns: Vec<Column>,
    /// An image model's input size.
    pub image: Option<ImageSize>,
    /// Whether the model reads drawn digits (`predictDrawing`).
    pub digits: bool,
    /// What the model reads, in words.
    pub reads: String,
    pub description: String,
    pub intended_use: String,
    pub limitations: String,
}

/// One column of a table model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    /// "number", "yes_no" or "category".
    pub kind: &'static str,
    /// A category column's values; a yes/no column's "yes" value.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImageSize {
    pub width: u32,
    pub height: u32,
    pub channels: u8,
}

/// A model opened from its file.
pub struct Runtime {
    model: PlainModel,
}

impl Runtime {
    /// Opens the Hearth model file `bytes`, named `file` in messages.
    pub fn open(file: &str, bytes: &[u8]) -> Result<Runtime, String> {
        PlainModel::open(file, bytes)
            .map(|model| Runtime { model })
            .map_err(|error| error.to_string())
    }

    pub fn describe(&self) -> Description {
        let document = &self.model.document;
        let columns = self
            .model
            .schema()
            .map(|schema| schema.features.iter().map(column).collect())
            .unwrap_or_default();
        let card = &document.card;
        Description {
            name: card.name.clone(),
            task: match document.spec.task {
                Task::MultiClass => "multi_class",
                Task::Binary => "binary",
                Task::Regression => "regression",
            },
            classes: if document.spec.task == Task::Regression {
                Vec::new()
            } else {
                document.class_labels.clone()
            },
            columns,
            image: self.model.image_shape().map(|shape| ImageSize {
                width: shape.width,
                height: shape.height,
                channels: shape.channels,
            }),
            digits: self.model.reads_digits(),
            reads: self.model.reads(),
            description: card.description.clone(),
            intended_use: card.intended_use.clone(),
            limitations: card.limitations.clone(),
        }
    }

    /// The outputs for a row given as field names and their cells ("" where missing).
    pub fn predict_row(&self, names: &[String], cells: &[String]) -> Result<Vec<f32>, String> {
        let cell = |column: &str| {
            names
                .iter()
                .position(|name| name == column)
                .and_then(|index| cells.get(index))
                .map(String::as_str)
        };
        self.model.predict_row(cell, names).map_err(message)
    }

    /// The outputs for an image's RGBA pixels (not premultiplied), `width × height`.
    pub fn predict_image(
        &self,
        width: u32,
        height: u32,
        rgba: Vec<u8>,
    ) -> Result<Vec<f32>, String> {
        if rgba.len() as u64 != u64::from(width) * u64::from(height) * 4 {
            return Err(format!(
                "the image's pixels ({} bytes) do not match its size ({width}×{height})",
                rgba.len()
            ));
        }
        self.model
            .predict_image(Decoded {
                width,
                height,
                rgba,
            })
            .map_err(message)
    }

    /// The outputs for a drawing: ink from 0 to 1, `width × height`.
    pub fn predict_drawing(
        &self,
        width: u32,
        height: u32,
        ink: &[f32],
    ) -> Result<Vec<f32>, String> {
        self.model
            .predict_drawing(ink, width as usize, height as usize)
            .map_err(message)
    }

    /// The outputs for inputs already at the model's shape.
    pub fn predict_values(&self, values: &[f32]) -> Result<Vec<f32>, String> {
        self.model.predict_pixels(values).map_err(message)
    }
}

fn message(error: PlainError) -> String {
    error.to_string()
}

fn column(feature: &FeatureSchema) -> Column {
    let (kind, values) = match feature {
        FeatureSchema::Numeric { .. } => ("number", Vec::new()),
        FeatureSchema::Boolean { true_value, .. } => ("yes_no", vec![true_value.clone()]),
        FeatureSchema::Categorical { levels, .. } => ("category", levels.clone()),
    };
    Column {
        name: feature.column().to_string(),
        kind,
        values,
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::Runtime;
    use wasm_bindgen::prelude::*;

    /// A model opened from its file (the JavaScript class `js/hearth.js` wraps).
    #[wasm_bindgen]
    pub struct Model(Runtime);

    #[wasm_bindgen]
    impl Model {
        #[wasm_bindgen(constructor)]
        pub fn new(file: &str, bytes: &[u8]) -> Result<Model, JsError> {
            Runtime::open(file, bytes)
                .map(Model)
                .map_err(|m| JsError::new(&m))
        }

        /// [`super::Description`] as JSON.
        pub fn describe(&self) -> String {
            serde_json::to_string(&self.0.describe()).unwrap_or_default()
        }

        #[wasm_bindgen(js_name = predictRow)]
        pub fn predict_row(
            &self,
            names: Vec<String>,
            cells: Vec<String>,
        ) -> Result<Vec<f32>, JsError> {
            self.0
                .predict_row(&names, &cells)
                .map_err(|m| JsError::new(&m))
        }

        #[wasm_bindgen(js_name = predictImage)]
        pub fn predict_image(
            &self,
            width: u32,
            height: u32,
            rgba: Vec<u8>,
        ) -> Result<Vec<f32>, JsError> {
            self.0
                .predict_image(width, height, rgba)
                .map_err(|m| JsError::new(&m))
        }

        #[wasm_bindgen(js_name = predictDrawing)]
        pub fn predict_drawing(
            &self,
            width: u32,
            height: u32,
            ink: &[f32],
        ) -> Result<Vec<f32>, JsError> {
            self.0
                .predict_drawing(width, height, ink)
                .map_err(|m| JsError::new(&m))
        }

        #[wasm_bindgen(js_name = predictValues)]
        pub fn predict_values(&self, values: &[f32]) -> Result<Vec<f32>, JsError> {
            self.0.predict_values(values).map_err(|m| JsError::new(&m))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits() -> Runtime {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/digits.safetensors"
        ))
        .unwrap();
        Runtime::open("digits.safetensors", &bytes).unwrap()
    }

    #[test]
    fn a_page_learns_what_the_model_reads() {
        let description = digits().describe();
        assert_eq!(description.task, "multi_class");
        assert_eq!(description.classes.len(), 10);
        assert!(description.digits);
        assert!(description.columns.is_empty());
        assert_eq!(
            description.image,
            Some(ImageSize {
                width: 28,
                height: 28,
                channels: 1
            })
        );
        assert_eq!(description.reads, "28×28 grey images");
    }

    #[test]
    fn pixels_that_do_not_match_their_size_and_foreign_files_are_refused() {
        let model = digits();
        assert_eq!(
            model.predict_image(2, 2, vec![0; 15]),
            Err("the image's pixels (15 bytes) do not match its size (2×2)".to_string())
        );
        // A white image: the fitted digit is blank, and still a prediction.
        let outputs = model.predict_image(40, 30, vec![255; 40 * 30 * 4]).unwrap();
        assert!((outputs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let error = Runtime::open("notes.txt", b"hello").err().unwrap();
        assert!(
            error.starts_with("notes.txt is not a Hearth model file"),
            "{error}"
        );
    }
}
