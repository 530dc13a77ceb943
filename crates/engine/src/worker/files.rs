//! Model files: opening one (the user's or the pretrained digit model that ships with the
//! page), saving the model in use, and writing its card and its PyTorch module.

use hearth_core::inference::ActiveModel;
use hearth_core::model::summary::ModelSource;
use hearth_core::protocol::{BaseSource, FilePurpose, FromEngine};
use hearth_core::training::transfer::Base;

use super::EngineState;
use super::transport::{fetch_bytes, post, post_with_bytes, read_blob};

/// The digit model that ships with the page (trained by `scripts/make-digits-model.sh`).
const PRETRAINED: &str = "digits.safetensors";

impl EngineState {
    /// Makes the model file `file` (named `name`) the model in use, if it fits the data.
    pub(super) async fn open_model(
        &mut self,
        name: String,
        source: ModelSource,
        file: Option<web_sys::Blob>,
    ) {
        let opened = match &file {
            None => Err(format!("{name} did not reach the engine; choose it again.")),
            Some(file) => match read_blob(file).await {
                Err(reason) => Err(format!("{name} could not be read ({reason}).")),
                Ok(bytes) => ActiveModel::open(&name, &bytes, &self.backends.cpu_device(), source)
                    .map_err(|error| error.to_string())
                    .and_then(|model| {
                        model
                            .fits(&name, &self.data)
                            .map(|()| model)
                            .map_err(|error| error.to_string())
                    }),
            },
        };
        match opened {
            Ok(mut model) => {
                // Scored on the loaded data where it is set up as the model was trained
                // (a model handed to a new engine, or the user's own on its data); left
                // unscored otherwise (no data, or data set up otherwise).
                let _ = model.evaluate_on(&self.data).await;
                post(&FromEngine::ModelReady {
                    model: model.summary.clone(),
                });
                post(&FromEngine::Evaluated {
                    evaluation: model.evaluation.clone(),
                });
                self.model = Some(model);
            }
            Err(message) => post(&FromEngine::ModelFileFailed { id: None, message }),
        }
    }

    /// Chooses the model new models are built on: the model in use, or the model file
    /// `file` (named in `source`). A model that cannot be read is refused, and the one
    /// chosen before stays.
    pub(super) async fn choose_base(&mut self, source: BaseSource, file: Option<web_sys::Blob>) {
        let chosen = match source {
            BaseSource::InUse => match &self.model {
                None => Err(
                    "There is no model in use to start from: train one, or open a model file."
                        .to_string(),
                ),
                Some(model) => Base::new(model).await.map_err(|error| error.to_string()),
            },
            BaseSource::File { name } => match &file {
                None => Err(format!("{name} did not reach the engine; choose it again.")),
                Some(file) => match read_blob(file).await {
                    Err(reason) => Err(format!("{name} could not be read ({reason}).")),
                    Ok(bytes) => match ActiveModel::open(
                        &name,
                        &bytes,
                        &self.backends.cpu_device(),
                        ModelSource::File,
                    ) {
                        Err(error) => Err(error.to_string()),
                        Ok(model) => Base::new(&model).await.map_err(|error| error.to_string()),
                    },
                },
            },
        };
        match chosen {
            Ok(base) => {
                post(&FromEngine::BaseChosen {
                    base: base.summary.clone(),
                });
                self.base = Some(base);
            }
            Err(message) => post(&FromEngine::BaseRefused { message }),
        }
    }

    /// Loads the digit model that ships with the page, once.
    pub(super) async fn load_pretrained(&mut self) {
        if self.pretrained_requested {
            return;
        }
        self.pretrained_requested = true;
        let bytes = match fetch_bytes(PRETRAINED).await {
            Ok(bytes) => bytes,
            Err(reason) => {
                post(&FromEngine::Error {
                    message: format!("The pretrained digit model did not load ({reason})."),
                    fatal: false,
                });
                return;
            }
        };
        match ActiveModel::open(
            PRETRAINED,
            &bytes,
            &self.backends.cpu_device(),
            ModelSource::Pretrained,
        ) {
            Ok(model) => {
                // A model trained or opened meanwhile wins.
                if self.model.is_none() {
                    post(&FromEngine::ModelReady {
                        model: model.summary.clone(),
                    });
                    self.model = Some(model);
                }
            }
            Err(error) => post(&FromEngine::Error {
                message: format!("The pretrained digit model is damaged: {error}"),
                fatal: false,
            }),
        }
    }

    /// Sends the model in use as a model file; the reply carries `id`.
    pub(super) async fn save_model(&self, id: u32) {
        let Some(model) = &self.model else {
            post(&FromEngine::ModelFileFailed {
                id: Some(id),
                message: "There is no model to save yet: train one in step 3.".to_string(),
            });
            return;
        };
        match model.file_bytes().await {
            Ok(bytes) => post_with_bytes(
                &FromEngine::ModelFile {
                    purpose: FilePurpose::Requested { id },
                    file_name: model.file_name(),
                },
                &bytes,
            ),
            Err(message) => post(&FromEngine::ModelFileFailed {
                id: Some(id),
                message: format!("The model could not be written: {message}"),
            }),
        }
    }

    /// Sets the fields of the model card that people write.
    pub(super) fn set_card(&mut self, intended_use: &str, limitations: &str) {
        if let Some(model) = self.model.as_mut() {
            model.set_card(intended_use, limitations);
        }
    }

    /// Sends the model card as a Markdown file; the reply carries `id`.
    pub(super) fn export_card(&self, id: u32) {
        let Some(model) = &self.model else {
            post(&FromEngine::ModelFileFailed {
                id: Some(id),
                message: "There is no model yet.".to_string(),
            });
            return;
        };
        post(&FromEngine::TextFile {
            id,
            file_name: model.file_name().replace(".safetensors", "-card.md"),
            text: model.card_markdown(),
        });
    }

    /// Sends a Python file with a PyTorch module for the model in use; the reply carries
    /// `id`.
    pub(super) fn export_pytorch(&self, id: u32) {
        let Some(model) = &self.model else {
            post(&FromEngine::ModelFileFailed {
                id: Some(id),
                message: "There is no model to export yet: train one in step 3.".to_string(),
            });
            return;
        };
        let file_name = model.file_name();
        match hearth_core::model::export::pytorch(&model.document(), &file_name) {
            Ok(text) => post(&FromEngine::TextFile {
                id,
                file_name: format!("{}.py", hearth_core::model::export::module_name(&file_name)),
                text,
            }),
            Err(message) => post(&FromEngine::ModelFileFailed {
                id: Some(id),
                message: format!("The PyTorch file could not be written: {message}"),
            }),
        }
    }
}
