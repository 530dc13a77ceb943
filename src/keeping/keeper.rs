//! The page's keeper of work: it writes the session to the browser's storage after every
//! change and every epoch, and hands what concerns keeping work to [`super::reload`] and
//! [`super::kept_models`]. The decisions are in [`super::snapshot`].

use hearth_core::data::summary::{Augment, DataConfig};
use hearth_core::model::summary::{ModelSource, ModelSummary};
use hearth_core::protocol::{BaseSource, FilePurpose, FromEngine, ToEngine};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::snapshot::{DataChoice, SavedInfo, SessionState, storage_refused};
use super::storage::{self, SESSION};
use crate::browser;
use crate::data::state::DataState;
use crate::engine::link::{self, Link};
use crate::model::state::SpecState;
use crate::train::state::TrainState;

/// Files the user uploaded, kept in memory so that they can be stored when allowed.
#[derive(Clone)]
pub enum Upload {
    Csv(web_sys::File),
    Images(Vec<web_sys::File>),
}

/// What to do with a model file the engine sends back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FileAction {
    Download,
    SaveToList,
    KeepInSession,
    /// Written as ONNX (in the page, by the `onnx_file` chunk) and downloaded.
    Onnx,
    /// Bundled with the web runtime and an example page, and downloaded as a ZIP.
    WebPage,
}

/// The Saved models list and what storage says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SavedState {
    /// The saved models, newest first.
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
    pub(super) link: Link,
    pub(super) data: RwSignal<DataState>,
    pub(super) specs: RwSignal<SpecState>,
    pub(super) train: RwSignal<TrainState>,
    /// The session as last restored or changed.
    pub session: RwSignal<SessionState>,
    /// The Saved models list.
    pub saved: RwSignal<SavedState>,
    /// The model in use, as the engine last described it.
    pub(super) model: RwSignal<Option<ModelSummary>>,
    pub(super) pending_choice: StoredValue<Option<(DataChoice, Option<Upload>)>, LocalStorage>,
    pub(super) upload: StoredValue<Option<Upload>, LocalStorage>,
    pub(super) restore_config: StoredValue<Option<DataConfig>>,
    pub(super) requests: StoredValue<Vec<(u32, FileAction)>>,
    pub(super) next_request: StoredValue<u32>,
    /// 0: not started, 1: restoring, 2: done (writes are allowed only then).
    pub(super) restore_stage: StoredValue<u8>,
    /// A model being restored from the session (not stored again when it opens).
    pub(super) restoring_model: StoredValue<bool>,
    pub(super) last_written: StoredValue<String>,
    /// A shared link's spec was opened: it wins over the restored session's.
    pub(super) spec_from_link: StoredValue<bool>,
    /// The last model file kept in the session (also in memory, so that a restarted
    /// engine gets it back even when storage refused it).
    pub(super) last_file: StoredValue<Option<(String, js_sys::Uint8Array)>, LocalStorage>,
    /// A new engine is starting after the last one crashed (or the WebGPU engine takes over).
    pub(super) restarting: StoredValue<bool>,
    /// The model in use is being handed to a new engine: when it opens, the page's spec and
    /// settings stay as the user left them (they may have changed since it was kept).
    pub(super) handing_over: StoredValue<bool>,
    /// A new engine is loading the data set again: the augmentation to give back once it
    /// has. Until then the engine is not ready for the user's work (a run started before
    /// the data is back would be stopped by it).
    pub(super) resuming: StoredValue<Option<Augment>>,
    /// What the project buttons say ("Download project", "Open project").
    pub project: RwSignal<super::projects::ProjectStatus>,
    /// The model last chosen to build on, and its file: a new engine gets it again.
    pub(super) base_choice: StoredValue<Option<(BaseSource, Option<web_sys::Blob>)>, LocalStorage>,
}

impl Keeper {
    /// The keeper of the page's signals, writing the session whenever it changes.
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
            handing_over: StoredValue::new(false),
            resuming: StoredValue::new(None),
            project: RwSignal::new(Default::default()),
            base_choice: StoredValue::new_local(None),
        };
        keeper.watch();
        keeper
    }

    /// Writes the session's settings whenever they change (once restoring is over).
    fn watch(self) {
        Effect::new(move |_| {
            let state = self.session_state();
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

    /// The session as it is now (tracked: an effect that reads it runs again when it
    /// changes).
    fn session_state(self) -> SessionState {
        SessionState {
            data: self.session.with(|session| session.data.clone()),
            keep_uploads: self.session.with(|session| session.keep_uploads),
            data_config: self.data.with(|data| data.config.clone()),
            spec: self.specs.with(|specs| specs.spec.clone()),
            train_config: Some(self.train.with(|train| train.config.clone())),
            ..SessionState::default()
        }
    }

    /// The session as it is now, for a project file.
    pub(super) fn session_state_untracked(self) -> SessionState {
        untrack(|| self.session_state())
    }

    /// Says that storage refused to keep `what`, and why.
    pub(super) fn refused(self, what: &str, reason: &str) {
        self.saved.update(|saved| {
            saved.problem = Some(storage_refused(what, reason));
            saved.notice = None;
        });
    }

    /// Sends `message` to the engine.
    pub(super) fn send(self, message: ToEngine) {
        link::send(self.link, Some(message));
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

    /// Stores the current upload, if any, with the session.
    pub(super) async fn store_upload(self) {
        let Some(upload) = self.upload.get_value() else {
            return;
        };
        let record = match upload {
            Upload::Csv(file) => storage::record(&[("file", &file.into())]),
            Upload::Images(files) => storage::record(&[("files", &storage::files_value(&files))]),
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
                if let Some(augment) = self.resuming.try_update_value(Option::take).flatten() {
                    self.data_resumed(Some(augment));
                }
            }
            FromEngine::DataFailed { .. } => {
                self.pending_choice.set_value(None);
                self.restore_config.set_value(None);
                if self
                    .resuming
                    .try_update_value(Option::take)
                    .flatten()
                    .is_some()
                {
                    self.data_resumed(None);
                }
            }
            FromEngine::ModelReady { model } => {
                self.model.set(Some(model.clone()));
                if matches!(model.source, ModelSource::File | ModelSource::Saved) {
                    let handed_over = self
                        .handing_over
                        .try_update_value(std::mem::take)
                        .unwrap_or(false);
                    if !handed_over {
                        self.specs.update(|specs| {
                            specs.spec = Some(model.spec.clone());
                            specs.problem = None;
                        });
                    }
                    self.train.update(|train| {
                        let settings = train.config.clone();
                        train.show_model(model);
                        if handed_over {
                            train.config = settings;
                        }
                    });
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
                    let bytes = browser::download::bytes_of(text);
                    self.handle_file(action, file_name.clone(), bytes);
                }
            }
            FromEngine::ModelFileFailed { message, id } => {
                self.restoring_model.set_value(false);
                if id.is_none() {
                    self.handing_over.set_value(false);
                }
                self.saved.update(|saved| {
                    saved.problem = Some(message.clone());
                    saved.notice = None;
                });
            }
            _ => {}
        }
    }
}

impl Keeper {
    /// Sends the engine the model to build on ("Start from a model"): the model in use,
    /// or the model file `file`. Remembered, so that a new engine (restarted, or the
    /// WebGPU engine taking over) gets it again.
    pub fn choose_base(self, source: BaseSource, file: Option<&web_sys::Blob>) {
        self.base_choice
            .set_value(Some((source.clone(), file.cloned())));
        link::send_files(self.link, Some(ToEngine::ChooseBase { source }), file, &[]);
    }

    /// Gives a new engine the model last chosen to build on, after the model in use (for
    /// a choice of the model in use, the same one is in use again by then).
    pub(super) fn choose_base_again(self) {
        if let Some((source, file)) = self.base_choice.get_value() {
            link::send_files(
                self.link,
                Some(ToEngine::ChooseBase { source }),
                file.as_ref(),
                &[],
            );
        }
    }
}
