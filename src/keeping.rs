//! Keeping work: the session is written to the browser's storage after every change and
//! every epoch, and a reload restores it; models are downloaded, opened and saved in a
//! list. The decisions are in [`crate::session`]; this wires them to the signals, the
//! engine and [`crate::storage`].

use hearth_core::data::summary::DataConfig;
use hearth_core::model::summary::{ModelSource, ModelSummary};
use hearth_core::protocol::{FilePurpose, FromEngine, ToEngine};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::data_state::DataState;
use crate::platform::{self, Link};
use crate::session::{DataChoice, SavedInfo, SessionState, storage_refused};
use crate::storage::{self, MODELS, SESSION};
use crate::studio_state::{SpecState, TrainState};

/// Files the user uploaded, kept in memory so that they can be stored when allowed.
#[derive(Clone)]
pub enum Upload {
    Csv(web_sys::File),
    Images(Vec<web_sys::File>),
}

/// What to do with a model file the engine sends back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileAction {
    Download,
    SaveToList,
    KeepInSession,
}

/// The Saved models list and what storage says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SavedState {
    pub list: Vec<SavedInfo>,
    /// Bytes used and available to this site.
    pub usage: Option<(f64, f64)>,
    /// The last thing that went wrong (a refused write, a bad model file).
    pub problem: Option<String>,
    /// The last thing that went right ("Saved …", "Opened …").
    pub notice: Option<String>,
}

/// The page's keeper of work. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Keeper {
    link: Link,
    data: RwSignal<DataState>,
    specs: RwSignal<SpecState>,
    train: RwSignal<TrainState>,
    pub session: RwSignal<SessionState>,
    pub saved: RwSignal<SavedState>,
    /// The model in use, as the engine last described it.
    model: RwSignal<Option<ModelSummary>>,
    pending_choice: StoredValue<Option<(DataChoice, Option<Upload>)>, LocalStorage>,
    upload: StoredValue<Option<Upload>, LocalStorage>,
    restore_config: StoredValue<Option<DataConfig>>,
    requests: StoredValue<Vec<(u32, FileAction)>>,
    next_request: StoredValue<u32>,
    /// 0: not started, 1: restoring, 2: done (writes are allowed only then).
    restore_stage: StoredValue<u8>,
    /// A model being restored from the session (not stored again when it opens).
    restoring_model: StoredValue<bool>,
    last_written: StoredValue<String>,
    /// A shared link's spec was opened: it wins over the restored session's.
    spec_from_link: StoredValue<bool>,
    /// The last model file kept in the session (also in memory, so that a restarted
    /// engine gets it back even when storage refused it).
    last_file: StoredValue<Option<(String, js_sys::Uint8Array)>, LocalStorage>,
    /// A new engine is starting after the last one crashed.
    restarting: StoredValue<bool>,
}

impl Keeper {
    pub fn new(
        link: Link,
        data: RwSignal<DataState>,
        specs: RwSignal<SpecState>,
        train: RwSignal<TrainState>,
    ) -> Keeper {
        let keeper = Keeper {
            link,
            data,
            specs,
            train,
            session: RwSignal::new(SessionState::default()),
            saved: RwSignal::new(SavedState::default()),
            model: RwSignal::new(None),
            pending_choice: StoredValue::new_local(None),
            upload: StoredValue::new_local(None),
            restore_config: StoredValue::new(None),
            requests: StoredValue::new(Vec::new()),
            next_request: StoredValue::new(0),
            restore_stage: StoredValue::new(0),
            restoring_model: StoredValue::new(false),
            last_written: StoredValue::new(String::new()),
            spec_from_link: StoredValue::new(false),
            last_file: StoredValue::new_local(None),
            restarting: StoredValue::new(false),
        };
        keeper.watch();
        keeper
    }

    /// Writes the session's settings whenever they change (once restoring is over).
    fn watch(self) {
        Effect::new(move |_| {
            let state = SessionState {
                data: self.session.with(|session| session.data.clone()),
                keep_uploads: self.session.with(|session| session.keep_uploads),
                data_config: self.data.with(|data| data.config.clone()),
                spec: self.specs.with(|specs| specs.spec.clone()),
                train_config: Some(self.train.with(|train| train.config.clone())),
                ..SessionState::default()
            };
            if self.restore_stage.get_value() < 2 {
                return;
            }
            let json = state.to_json();
            if json == self.last_written.get_value() {
                return;
            }
            self.last_written.set_value(json.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(reason) = storage::put(SESSION, "state", &JsValue::from_str(&json)).await
                {
                    self.refused("your settings", &reason);
                }
            });
        });
    }

    fn refused(self, what: &str, reason: &str) {
        self.saved.update(|saved| {
            saved.problem = Some(storage_refused(what, reason));
            saved.notice = None;
        });
    }

    fn send(self, message: ToEngine) {
        platform::send(self.link, Some(message));
    }

    /// A shared link's spec is in use: restoring the session must not replace it.
    pub fn spec_from_link(self) {
        self.spec_from_link.set_value(true);
    }

    /// Called by the Data step before it asks the engine to load a data set.
    pub fn choose_data(self, choice: DataChoice, upload: Option<Upload>) {
        self.pending_choice.set_value(Some((choice, upload)));
        self.restore_config.set_value(None);
    }

    /// Whether uploaded files may be kept; stores or forgets the current upload.
    pub fn set_keep_uploads(self, keep: bool) {
        self.session.update(|session| session.keep_uploads = keep);
        wasm_bindgen_futures::spawn_local(async move {
            if keep {
                self.store_upload().await;
            } else {
                let _ = storage::delete(SESSION, "data").await;
            }
            self.refresh_usage().await;
        });
    }

    async fn store_upload(self) {
        let Some(upload) = self.upload.get_value() else {
            return;
        };
        let record = match upload {
            Upload::Csv(file) => storage::record(&[("file", &file.into())]),
            Upload::Images(files) => {
                let array: js_sys::Array = files.iter().collect();
                storage::record(&[("files", &array.into())])
            }
        };
        if let Err(reason) = storage::put(SESSION, "data", &record).await {
            self.refused("the uploaded files", &reason);
        }
    }

    /// Handles what the engine says that concerns keeping work.
    pub fn on_message(self, message: &FromEngine, bytes: Option<js_sys::Uint8Array>) {
        match message {
            FromEngine::Ready { .. } if self.restarting.get_value() => {
                self.restarting.set_value(false);
                self.resume_after_restart();
            }
            FromEngine::Ready { .. } if self.restore_stage.get_value() == 0 => {
                self.restore_stage.set_value(1);
                wasm_bindgen_futures::spawn_local(self.restore());
            }
            FromEngine::DataLoaded { .. } => {
                if let Some((choice, upload)) =
                    self.pending_choice.try_update_value(Option::take).flatten()
                {
                    self.session.update(|session| session.data = Some(choice));
                    self.upload.set_value(upload);
                    if self.session.with_untracked(|session| session.keep_uploads) {
                        wasm_bindgen_futures::spawn_local(async move {
                            if self.upload.with_value(Option::is_some) {
                                self.store_upload().await;
                            } else {
                                let _ = storage::delete(SESSION, "data").await;
                            }
                        });
                    }
                }
                if let Some(config) = self.restore_config.try_update_value(Option::take).flatten()
                    && self.data.with_untracked(|data| data.config.is_some())
                {
                    self.data.update(|data| data.config = Some(config.clone()));
                    self.send(ToEngine::ConfigureData { config });
                }
            }
            FromEngine::DataFailed { .. } => {
                self.pending_choice.set_value(None);
                self.restore_config.set_value(None);
            }
            FromEngine::ModelReady { model } => {
                self.model.set(Some(model.clone()));
                if matches!(model.source, ModelSource::File | ModelSource::Saved) {
                    self.specs.update(|specs| {
                        specs.spec = Some(model.spec.clone());
                        specs.problem = None;
                    });
                    self.train.update(|train| train.show_model(model));
                    if !self
                        .restoring_model
                        .try_update_value(std::mem::take)
                        .unwrap_or(false)
                    {
                        self.request(FileAction::KeepInSession);
                    }
                }
            }
            FromEngine::ModelFile { purpose, file_name } => {
                let Some(bytes) = bytes else {
                    return;
                };
                let action = match purpose {
                    FilePurpose::Checkpoint { .. } | FilePurpose::Trained => {
                        FileAction::KeepInSession
                    }
                    FilePurpose::Requested { id } => {
                        let Some(action) = self.take_request(*id) else {
                            return;
                        };
                        action
                    }
                };
                self.handle_file(action, file_name.clone(), bytes);
            }
            FromEngine::TextFile {
                id,
                file_name,
                text,
            } => {
                if let Some(action) = self.take_request(*id) {
                    let bytes = js_sys::Uint8Array::from(text.as_bytes());
                    self.handle_file(action, file_name.clone(), bytes);
                }
            }
            FromEngine::ModelFileFailed { message, .. } => {
                self.restoring_model.set_value(false);
                self.saved.update(|saved| {
                    saved.problem = Some(message.clone());
                    saved.notice = None;
                });
            }
            _ => {}
        }
    }

    fn handle_file(self, action: FileAction, file_name: String, bytes: js_sys::Uint8Array) {
        match action {
            FileAction::Download => {
                let result = platform::download(&bytes, &file_name);
                self.saved.update(|saved| match result {
                    Ok(()) => {
                        saved.notice = Some(format!("Downloaded {file_name}."));
                        saved.problem = None;
                    }
                    Err(problem) => saved.problem = Some(problem),
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
                let info = SavedInfo::of(&model, js_sys::Date::now(), u64::from(bytes.length()));
                wasm_bindgen_futures::spawn_local(async move {
                    let json = crate::json::to_string(&info).unwrap_or_default();
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
    fn ask_for_file(self, action: FileAction, ask: impl FnOnce(u32) -> ToEngine) {
        let id = self.next_request.get_value() + 1;
        self.next_request.set_value(id);
        self.requests
            .update_value(|requests| requests.push((id, action)));
        self.send(ask(id));
    }

    /// What to do with the answer to request `id`, once (`None` for an unknown id).
    fn take_request(self, id: u32) -> Option<FileAction> {
        self.requests
            .try_update_value(|requests| {
                let index = requests.iter().position(|(request, _)| *request == id)?;
                Some(requests.remove(index).1)
            })
            .flatten()
    }

    fn request(self, action: FileAction) {
        self.ask_for_file(action, |id| ToEngine::SaveModel { id });
    }

    /// Downloads the model in use as a `.safetensors` file.
    pub fn download(self) {
        self.request(FileAction::Download);
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
        platform::send_files(
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
            let record = storage::get(MODELS, &id).await.ok().flatten();
            let info = record
                .as_ref()
                .and_then(|record| storage::field(record, "info"))
                .and_then(|info| info.as_string())
                .and_then(|json| crate::json::from_str::<SavedInfo>(&json).ok());
            let bytes = record
                .as_ref()
                .and_then(|record| storage::bytes_field(record, "bytes"));
            match (info, bytes.as_ref().and_then(platform::blob_of)) {
                (Some(info), Some(blob)) => {
                    self.saved.update(|saved| {
                        saved.problem = None;
                        saved.notice = Some(format!("Opened {} from this browser.", info.name));
                    });
                    platform::send_files(
                        self.link,
                        Some(ToEngine::OpenModel {
                            name: info.name,
                            source: ModelSource::Saved,
                        }),
                        Some(&blob),
                        &[],
                    );
                }
                _ => self.saved.update(|saved| {
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
            .filter_map(|json| crate::json::from_str(&json).ok())
            .collect();
        SavedInfo::sort(&mut infos);
        self.saved.update(|saved| saved.list = infos);
        self.refresh_usage().await;
    }

    async fn refresh_usage(self) {
        let usage = storage::estimate().await;
        self.saved.update(|saved| saved.usage = usage);
    }

    /// Restores the last session: its data set, settings, spec and model.
    async fn restore(self) {
        let state = storage::get(SESSION, "state")
            .await
            .ok()
            .flatten()
            .and_then(|value| value.as_string())
            .and_then(|json| SessionState::parse(&json));
        if let Some(state) = state {
            self.last_written.set_value(state.to_json());
            self.session
                .update(|session| session.keep_uploads = state.keep_uploads);
            if let Some(spec) = state.spec.clone()
                && !self.spec_from_link.get_value()
            {
                self.specs.update(|specs| specs.spec = Some(spec));
            }
            if let Some(config) = state.train_config.clone() {
                self.train.update(|train| train.config = config);
            }
            if let Some(choice) = state.data.clone() {
                self.restore_data(choice, state.data_config.clone()).await;
            }
        }
        // A model trained or opened meanwhile wins over the session's.
        let replaced = self.model.with_untracked(|model| {
            model
                .as_ref()
                .is_some_and(|model| model.source != ModelSource::Pretrained)
        });
        if !replaced && let Some(record) = storage::get(SESSION, "model").await.ok().flatten() {
            let name = storage::field(&record, "name")
                .and_then(|name| name.as_string())
                .unwrap_or_else(|| "model.safetensors".to_string());
            if let Some(blob) = storage::bytes_field(&record, "bytes")
                .as_ref()
                .and_then(platform::blob_of)
            {
                self.restoring_model.set_value(true);
                platform::send_files(
                    self.link,
                    Some(ToEngine::OpenModel {
                        name,
                        source: ModelSource::Saved,
                    }),
                    Some(&blob),
                    &[],
                );
            }
        }
        self.restore_stage.set_value(2);
        // Writes what was restored (and anything changed meanwhile).
        self.session.update(|_| {});
        self.refresh().await;
    }

    async fn restore_data(self, choice: DataChoice, config: Option<DataConfig>) {
        let kept = storage::get(SESSION, "data").await.ok().flatten();
        // The user chose data while the session was being read: theirs wins.
        let chosen = self.pending_choice.with_value(Option::is_some)
            || self
                .data
                .with_untracked(|data| data.summary.is_some() || data.loading.is_some());
        if chosen {
            return;
        }
        let field = |name| {
            kept.as_ref()
                .and_then(|record| storage::field(record, name))
        };
        let upload = match &choice {
            DataChoice::Builtin { .. } => None,
            DataChoice::Csv { .. } => field("file")
                .and_then(|file| file.dyn_into::<web_sys::File>().ok())
                .map(Upload::Csv),
            DataChoice::Images { .. } => field("files")
                .and_then(|files| files.dyn_into::<js_sys::Array>().ok())
                .map(|array| {
                    Upload::Images(
                        array
                            .iter()
                            .filter_map(|file| file.dyn_into().ok())
                            .collect(),
                    )
                }),
        };
        self.load_again(choice, config, upload, false);
    }

    /// Asks the engine to load `choice` again from `upload` (its files), then to apply
    /// `config` to it once it is loaded. Without the files it needs, says so instead.
    fn load_again(
        self,
        choice: DataChoice,
        config: Option<DataConfig>,
        upload: Option<Upload>,
        skip_ragged: bool,
    ) {
        let (file, files) = match (&choice, &upload) {
            (DataChoice::Builtin { .. }, _) => (None, Vec::new()),
            (DataChoice::Csv { .. }, Some(Upload::Csv(file))) => (Some(file.clone()), Vec::new()),
            (DataChoice::Images { paths, .. }, Some(Upload::Images(files)))
                if !files.is_empty() && files.len() == paths.len() =>
            {
                (None, files.clone())
            }
            _ => {
                self.not_kept(choice.name());
                return;
            }
        };
        let message = choice.load_message(skip_ragged);
        self.data
            .update(|data| data.start(&format!("Restoring {}", choice.name())));
        self.pending_choice.set_value(Some((choice, upload)));
        self.restore_config.set_value(config);
        platform::send_files(
            self.link,
            Some(message),
            file.as_ref().map(AsRef::as_ref),
            &files,
        );
    }

    /// The engine crashed and a new one is starting: once it is ready, it gets the data,
    /// its settings and the last model back.
    pub fn engine_restarting(self) {
        if self.restore_stage.get_value() < 2 {
            // It crashed while the last session was being restored: restore again.
            self.restore_stage.set_value(0);
        } else {
            self.restarting.set_value(true);
        }
    }

    /// Gives a restarted engine what the page still holds: the data set (the uploaded
    /// files are in memory), its configuration, and the last model file kept.
    fn resume_after_restart(self) {
        let choice = self.session.with_untracked(|session| session.data.clone());
        if let Some(choice) = choice {
            let config = self.data.with_untracked(|data| data.config.clone());
            // It loaded before, so rows of the wrong length (if any) were skipped.
            self.load_again(choice, config, self.upload.get_value(), true);
        }
        // Messages are handled in order: the model opens once its data is loaded.
        if let Some((name, bytes)) = self.last_file.get_value()
            && let Some(blob) = platform::blob_of(&bytes)
        {
            self.restoring_model.set_value(true);
            platform::send_files(
                self.link,
                Some(ToEngine::OpenModel {
                    name,
                    source: ModelSource::Saved,
                }),
                Some(&blob),
                &[],
            );
        }
    }

    fn not_kept(self, name: &str) {
        self.saved.update(|saved| {
            saved.notice = Some(format!(
                "Your last session used {name}, which was not kept in this browser: choose it again in step 1 to go on."
            ))
        });
    }
}
