//! Models kept by the user: downloaded, opened from a file, saved in and opened from this
//! browser's list, with their cards.

use hearth_core::model::summary::{ModelSource, ModelSummary};
use hearth_core::model::{torchrun, web};
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::keeper::{FileAction, Keeper};
use super::snapshot::SavedInfo;
use super::storage::{self, MODELS, SESSION};
use super::web_bundle::Bundle;
use crate::browser;
use crate::engine::link;

impl Keeper {
    /// Does `action` with a model file the engine sent.
    pub(super) fn handle_file(
        self,
        action: FileAction,
        file_name: String,
        bytes: js_sys::Uint8Array,
    ) {
        match action {
            FileAction::Download => {
                let result = browser::download::download(&bytes, &file_name);
                self.saved.update(|saved| match result {
                    Ok(()) => {
                        saved.notice = Some(format!("Downloaded {file_name}."));
                        saved.problem = None;
                    }
                    Err(problem) => saved.problem = Some(problem),
                });
            }
            FileAction::Onnx => {
                let onnx_name = format!("{}.onnx", file_name.trim_end_matches(".safetensors"));
                wasm_bindgen_futures::spawn_local(async move {
                    let written = crate::app::chunks::onnx_file(file_name, bytes.to_vec()).await;
                    let result = match written {
                        Ok(Ok(onnx)) => browser::download::download(
                            &js_sys::Uint8Array::from(onnx.as_slice()),
                            &onnx_name,
                        ),
                        Ok(Err(problem)) => Err(format!("The ONNX file could not be written: {problem}")),
                        Err(_) => Err("The ONNX writer could not be fetched: the network seems to be gone. Reconnect and try again.".to_string()),
                    };
                    self.saved.update(|saved| match result {
                        Ok(()) => {
                            saved.notice = Some(format!("Downloaded {onnx_name}."));
                            saved.problem = None;
                        }
                        Err(problem) => saved.problem = Some(problem),
                    });
                });
            }
            FileAction::WebPage => {
                let Some(summary) = self.model.get_untracked() else {
                    return;
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let result = web_page(summary, file_name, bytes.to_vec()).await;
                    self.saved.update(|saved| match result {
                        Ok(zip_name) => {
                            saved.notice = Some(format!("Downloaded {zip_name}: unpack it and serve the folder (its README.txt says how)."));
                            saved.problem = None;
                        }
                        Err(problem) => saved.problem = Some(problem),
                    });
                });
            }
            FileAction::KeepInSession => {
                self.last_file
                    .set_value(Some((file_name.clone(), bytes.clone())));
                wasm_bindgen_futures::spawn_local(async move {
                    let record = storage::record(&[
                        ("name", &JsValue::from_str(&file_name)),
                        ("bytes", &bytes.into()),
                    ]);
                    if let Err(reason) = storage::put(SESSION, "model", &record).await {
                        self.refused("the trained model", &reason);
                    }
                });
            }
            FileAction::SaveToList => {
                let Some(model) = self.model.get_untracked() else {
                    return;
                };
                let info = SavedInfo::of(&model, browser::clock::now(), u64::from(bytes.length()));
                wasm_bindgen_futures::spawn_local(async move {
                    let json = crate::browser::json::to_string(&info).unwrap_or_default();
                    let record = storage::record(&[
                        ("info", &JsValue::from_str(&json)),
                        ("bytes", &bytes.into()),
                    ]);
                    match storage::put(MODELS, &info.id, &record).await {
                        Ok(()) => self.saved.update(|saved| {
                            saved.notice = Some(format!("Saved {} in this browser.", info.name));
                            saved.problem = None;
                        }),
                        Err(reason) => self.refused(&info.name, &reason),
                    }
                    self.refresh().await;
                });
            }
        }
    }

    /// Asks the engine for a file (`ask` makes the message from the request's id) and
    /// remembers what to do with the answer.
    pub(super) fn ask_for_file(self, action: FileAction, ask: impl FnOnce(u32) -> ToEngine) {
        let id = self.next_request.get_value() + 1;
        self.next_request.set_value(id);
        self.requests
            .update_value(|requests| requests.push((id, action)));
        self.send(ask(id));
    }

    /// What to do with the answer to request `id`, once (`None` for an unknown id).
    pub(super) fn take_request(self, id: u32) -> Option<FileAction> {
        self.requests
            .try_update_value(|requests| {
                let index = requests.iter().position(|(request, _)| *request == id)?;
                Some(requests.remove(index).1)
            })
            .flatten()
    }

    /// Asks the engine for the model file, to do `action` with it.
    pub(super) fn request(self, action: FileAction) {
        self.ask_for_file(action, |id| ToEngine::SaveModel { id });
    }

    /// Downloads the model in use as a `.safetensors` file.
    pub fn download(self) {
        self.request(FileAction::Download);
    }

    /// Downloads the model in use as a standard ONNX model (preprocessing included).
    pub fn download_onnx(self) {
        self.request(FileAction::Onnx);
    }

    /// Downloads the model with the web runtime and an example page, as a ZIP.
    pub fn download_web_page(self) {
        self.request(FileAction::WebPage);
    }

    /// Downloads the script that trains the model in use further under `torchrun` (beside
    /// the PyTorch module and the model file).
    pub fn download_torchrun(self) {
        let Some(summary) = self.model.get_untracked() else {
            return;
        };
        let result = if matches!(
            summary.input,
            hearth_core::model::summary::ModelInput::Image { sound: Some(_), .. }
        ) {
            Err("The torchrun script reads tables and image folders, and this is a sound model: train it further in Hearth.".to_string())
        } else {
            let file_name = hearth_core::text::model_file_name(&summary.card.name);
            let module = torchrun::module_name(&file_name);
            let script = torchrun::torchrun_script(&module, &file_name, summary.spec.input);
            let name = format!("train_{module}.py");
            browser::download::download(&js_sys::Uint8Array::from(script.as_bytes()), &name)
                .map(|()| name)
        };
        self.saved.update(|saved| match result {
            Ok(name) => {
                saved.notice = Some(format!("Downloaded {name}: run it with torchrun beside the PyTorch module and the model file."));
                saved.problem = None;
            }
            Err(problem) => saved.problem = Some(problem),
        });
    }

    /// The lines that use the model in use in a web page, or why it cannot go into one
    /// (tracked).
    pub fn web_snippet(self) -> Option<Result<String, &'static str>> {
        self.model.with(|model| {
            model
                .as_ref()
                .map(|summary| match web::unsupported(summary) {
                    Some(why) => Err(why),
                    None => Ok(web::snippet(
                        summary,
                        &hearth_core::text::model_file_name(&summary.card.name),
                    )),
                })
        })
    }

    /// Downloads a Python file that continues with the model in PyTorch.
    pub fn download_pytorch(self) {
        self.ask_for_file(FileAction::Download, |id| ToEngine::ExportPytorch { id });
    }

    /// The model in use's card as last edited here.
    pub fn card(self) -> Option<hearth_core::model::summary::ModelCard> {
        self.model
            .with_untracked(|model| model.as_ref().map(|model| model.card.clone()))
    }

    /// Downloads the model card as Markdown.
    pub fn download_card(self) {
        self.ask_for_file(FileAction::Download, |id| ToEngine::ExportCard { id });
    }

    /// Sets the card's fields that people write; they travel in the model file.
    pub fn set_card(self, intended_use: String, limitations: String) {
        self.model.update(|model| {
            if let Some(model) = model {
                model.card.intended_use = intended_use.clone();
                model.card.limitations = limitations.clone();
            }
        });
        self.send(ToEngine::SetCard {
            intended_use,
            limitations,
        });
        // The session's copy of the model file gets the new card too.
        if self.model.with_untracked(|model| {
            model
                .as_ref()
                .is_some_and(|model| model.source != ModelSource::Pretrained)
        }) {
            self.request(FileAction::KeepInSession);
        }
    }

    /// Saves the model in use in the Saved models list.
    pub fn save_to_list(self) {
        self.request(FileAction::SaveToList);
    }

    /// Opens a model file the user chose or dropped.
    pub fn open_file(self, name: String, file: &web_sys::Blob) {
        self.saved.update(|saved| {
            saved.problem = None;
            saved.notice = Some(format!("Opening {name}…"));
        });
        link::send_files(
            self.link,
            Some(ToEngine::OpenModel {
                name,
                source: ModelSource::File,
            }),
            Some(file),
            &[],
        );
    }

    /// Opens a model of the Saved models list.
    pub fn open_saved(self, id: String) {
        wasm_bindgen_futures::spawn_local(async move {
            match saved_file(&id).await {
                Some((info, blob)) => {
                    self.saved.update(|saved| {
                        saved.problem = None;
                        saved.notice = Some(format!("Opened {} from this browser.", info.name));
                    });
                    link::send_files(
                        self.link,
                        Some(ToEngine::OpenModel {
                            name: info.name,
                            source: ModelSource::Saved,
                        }),
                        Some(&blob),
                        &[],
                    );
                }
                None => self.saved.update(|saved| {
                    saved.problem = Some(
                        "That saved model could not be read back; delete it and save again."
                            .to_string(),
                    )
                }),
            }
        });
    }

    /// Deletes a model of the Saved models list.
    pub fn delete_saved(self, id: String) {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(reason) = storage::delete(MODELS, &id).await {
                self.saved
                    .update(|saved| saved.problem = Some(format!("Could not delete it: {reason}")));
            }
            self.refresh().await;
        });
    }

    /// Reads the Saved models list and the storage figures again.
    pub async fn refresh(self) {
        let list = storage::all(MODELS).await.unwrap_or_default();
        let mut infos: Vec<SavedInfo> = list
            .iter()
            .filter_map(|record| storage::field(record, "info")?.as_string())
            .filter_map(|json| crate::browser::json::from_str(&json).ok())
            .collect();
        SavedInfo::sort(&mut infos);
        self.saved.update(|saved| saved.list = infos);
        self.refresh_usage().await;
    }

    /// Reads the storage figures again.
    pub(super) async fn refresh_usage(self) {
        let usage = storage::estimate().await;
        self.saved.update(|saved| saved.usage = usage);
    }
}

/// A model of the Saved models list, read back: what the list shows of it, and its file.
pub async fn saved_file(id: &str) -> Option<(SavedInfo, web_sys::Blob)> {
    let record = storage::get(MODELS, id).await.ok().flatten()?;
    let info = storage::field(&record, "info")?.as_string()?;
    let info = crate::browser::json::from_str::<SavedInfo>(&info).ok()?;
    let bytes = storage::bytes_field(&record, "bytes")?;
    Some((info, browser::download::blob_of(&bytes)?))
}

/// Downloads the ZIP of "Download for a web page"; its name, or what went wrong.
async fn web_page(
    summary: ModelSummary,
    file_name: String,
    model: Vec<u8>,
) -> Result<String, String> {
    if let Some(why) = web::unsupported(&summary) {
        return Err(format!("This model cannot go into a web page: {why}."));
    }
    let mut runtime = Vec::new();
    for name in web::RUNTIME_FILES {
        let bytes = browser::download::own_file(&format!("runtime/{name}"))
            .await
            .map_err(|error| {
                format!("The web runtime could not be fetched ({error}). Reconnect and try again.")
            })?;
        runtime.push((name.to_string(), bytes));
    }
    let bundle = Bundle {
        summary,
        file_name,
        model,
        runtime,
    };
    let zip_name = bundle.zip_name();
    let zip = crate::app::chunks::web_bundle(bundle)
        .await
        .map_err(|_| {
            "The web page's writer could not be fetched: the network seems to be gone. Reconnect and try again.".to_string()
        })?
        .map_err(|problem| format!("The web page could not be made: {problem}"))?;
    browser::download::download(&js_sys::Uint8Array::from(zip.as_slice()), &zip_name)?;
    Ok(zip_name)
}
