//! "Download for a web page": one ZIP with a folder that works when served as it is: the
//! example page, a README, and in `hearth/` the web runtime and the model file.

use std::io::{Cursor, Write};

use hearth_core::model::summary::ModelSummary;
use hearth_core::model::web;

/// What goes into the ZIP.
pub struct Bundle {
    pub summary: ModelSummary,
    /// The model file's name and bytes.
    pub file_name: String,
    pub model: Vec<u8>,
    /// The runtime's files ([`web::RUNTIME_FILES`]), as the app serves them.
    pub runtime: Vec<(String, Vec<u8>)>,
}

impl Bundle {
    /// The ZIP's name: the model file's, `-web.zip` for `.safetensors`.
    pub fn zip_name(&self) -> String {
        format!("{}.zip", self.folder())
    }

    /// The folder the ZIP unpacks to.
    fn folder(&self) -> String {
        format!("{}-web", self.file_name.trim_end_matches(".safetensors"))
    }

    /// The ZIP's bytes (entries stored: the model and the wasm hardly compress).
    pub fn zip(&self) -> Result<Vec<u8>, String> {
        let folder = self.folder();
        let mut entries = vec![
            (
                format!("{folder}/index.html"),
                web::example_page(&self.summary, &self.file_name).into_bytes(),
            ),
            (
                format!("{folder}/README.txt"),
                web::readme(&self.summary, &self.file_name).into_bytes(),
            ),
        ];
        for (name, bytes) in &self.runtime {
            entries.push((format!("{folder}/{}/{name}", web::FOLDER), bytes.clone()));
        }
        entries.push((
            format!("{folder}/{}/{}", web::FOLDER, self.file_name),
            self.model.clone(),
        ));
        let failed = |error: String| format!("the web page's ZIP could not be written ({error})");
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in entries {
            zip.start_file(name, options)
                .map_err(|error| failed(error.to_string()))?;
            zip.write_all(&bytes)
                .map_err(|error| failed(error.to_string()))?;
        }
        Ok(zip
            .finish()
            .map_err(|error| failed(error.to_string()))?
            .into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::data::summary::Task;
    use hearth_core::model::summary::{ModelCard, ModelInput, ModelSource};
    use hearth_core::model::{InputShape, ModelSpec};
    use std::io::Read;

    #[test]
    fn the_zip_holds_a_page_that_works_as_it_is() {
        let bundle = Bundle {
            summary: ModelSummary {
                name: "Digits".into(),
                source: ModelSource::Pretrained,
                task: Task::MultiClass,
                labels: (0..10).map(|d| d.to_string()).collect(),
                input: ModelInput::Image {
                    width: 28,
                    height: 28,
                    channels: 1,
                    digits: true,
                    sound: None,
                },
                parameters: 1,
                test_score: None,
                test_rows: 0,
                spec: ModelSpec::cnn(InputShape::MNIST, Task::MultiClass, 10),
                config: None,
                history: Vec::new(),
                card: ModelCard::default(),
            },
            file_name: "digits.safetensors".into(),
            model: vec![1, 2, 3],
            runtime: web::RUNTIME_FILES
                .iter()
                .map(|name| (name.to_string(), name.as_bytes().to_vec()))
                .collect(),
        };
        assert_eq!(bundle.zip_name(), "digits-web.zip");
        let bytes = bundle.zip().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().to_string())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "digits-web/README.txt",
                "digits-web/hearth/digits.safetensors",
                "digits-web/hearth/hearth.js",
                "digits-web/hearth/hearth_runtime.js",
                "digits-web/hearth/hearth_runtime_bg.wasm",
                "digits-web/index.html",
            ]
        );
        let mut page = String::new();
        archive
            .by_name("digits-web/index.html")
            .unwrap()
            .read_to_string(&mut page)
            .unwrap();
        assert!(page.contains("load(\"./hearth/digits.safetensors\")"));
        assert!(
            page.contains("<canvas id=\"pad\""),
            "a digit model gets the pad"
        );
        let mut model = Vec::new();
        archive
            .by_name("digits-web/hearth/digits.safetensors")
            .unwrap()
            .read_to_end(&mut model)
            .unwrap();
        assert_eq!(model, [1, 2, 3]);
    }
}
