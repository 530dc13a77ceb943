//! What a reload (or a restarted engine) gets back: the session's data set, settings,
//! spec and model.

use hearth_core::data::summary::{Augment, DataConfig};
use hearth_core::model::summary::ModelSource;
use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use super::keeper::{Keeper, Upload};
use super::snapshot::{DataChoice, SessionState};
use super::storage::{self, SESSION};
use crate::browser;
use crate::engine::link;

impl Keeper {
    /// Restores the last session: its data set, settings, spec and model.
    pub(super) async fn restore(self) {
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
                .and_then(browser::download::blob_of)
            {
                self.reopen_model(name, &blob);
            }
        }
        self.restore_stage.set_value(2);
        // Writes what was restored (and anything changed meanwhile).
        self.session.update(|_| {});
        self.refresh().await;
    }

    /// Loads the session's data set again, from the kept upload where it needs one.
    pub(super) async fn restore_data(self, choice: DataChoice, config: Option<DataConfig>) {
        let kept = storage::get(SESSION, "data").await.ok().flatten();
        // The user chose data while the session was being read: theirs wins.
        let chosen = self.pending_choice.with_value(Option::is_some)
            || self
                .data
                .with_untracked(|data| data.summary.is_some() || data.loading.is_some());
        if chosen {
            return;
        }
        let upload = match &choice {
            DataChoice::Builtin { .. } => None,
            DataChoice::Csv { .. } => kept
                .as_ref()
                .and_then(|record| storage::file_field(record, "file"))
                .map(Upload::Csv),
            DataChoice::Images { .. } | DataChoice::Sounds { .. } => kept
                .as_ref()
                .and_then(|record| storage::files_field(record, "files"))
                .map(Upload::Images),
        };
        self.load_again(choice, config, upload, false);
    }

    /// Asks the engine to load `choice` again from `upload` (its files), then to apply
    /// `config` to it once it is loaded. Without the files it needs, says so instead
    /// (and returns false).
    pub(super) fn load_again(
        self,
        choice: DataChoice,
        config: Option<DataConfig>,
        upload: Option<Upload>,
        skip_ragged: bool,
    ) -> bool {
        let (file, files) = match (&choice, &upload) {
            (DataChoice::Builtin { .. }, _) => (None, Vec::new()),
            (DataChoice::Csv { .. }, Some(Upload::Csv(file))) => (Some(file.clone()), Vec::new()),
            (
                DataChoice::Images { paths, .. } | DataChoice::Sounds { paths, .. },
                Some(Upload::Images(files)),
            ) if !files.is_empty() && files.len() == paths.len() => (None, files.clone()),
            _ => {
                self.not_kept(choice.name());
                return false;
            }
        };
        let message = choice.load_message(skip_ragged);
        self.data
            .update(|data| data.start(&format!("Restoring {}", choice.name())));
        self.pending_choice.set_value(Some((choice, upload)));
        self.restore_config.set_value(config);
        link::send_files(
            self.link,
            Some(message),
            file.as_ref().map(AsRef::as_ref),
            &files,
        );
        true
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

    /// Whether a new engine (restarted, or the WebGPU engine taking over) is still being
    /// given the page's work: until it has its data and model back, it is not ready for
    /// more.
    pub fn resuming(self) -> bool {
        self.restarting.get_value()
            || self.resuming.with_value(Option::is_some)
            || self.handing_over.get_value()
    }

    /// Gives a restarted engine what the page still holds: the data set (the uploaded
    /// files are in memory), its configuration, and the last model file kept. The model
    /// follows once the data is back and configured (see [`Keeper::data_resumed`]), so
    /// that it is evaluated on the data as the user set it up.
    pub(super) fn resume_after_restart(self) {
        let choice = self.session.with_untracked(|session| session.data.clone());
        if let Some(choice) = choice {
            let config = self.data.with_untracked(|data| data.config.clone());
            let augment = self.data.with_untracked(|data| data.augment);
            // It loaded before, so rows of the wrong length (if any) were skipped.
            if self.load_again(choice, config, self.upload.get_value(), true) {
                self.resuming.set_value(Some(augment));
                return;
            }
        }
        self.hand_over_model();
    }

    /// The restarted engine has the data set back (configured), or could not load it:
    /// it gets the rest, the augmentation (`augment`, when there is data) and the model.
    pub(super) fn data_resumed(self, augment: Option<Augment>) {
        if let Some(augment) = augment
            && augment != Augment::default()
            && let Some(message) = self
                .data
                .try_update(|data| data.set_augment(|kept| *kept = augment))
                .flatten()
        {
            self.send(message);
        }
        self.hand_over_model();
    }

    /// Opens the last model file kept in the new engine, keeping the page's spec and
    /// settings as they are.
    pub(super) fn hand_over_model(self) {
        if let Some((name, bytes)) = self.last_file.get_value()
            && let Some(blob) = browser::download::blob_of(&bytes)
        {
            self.handing_over.set_value(true);
            self.reopen_model(name, &blob);
        }
        self.choose_base_again();
    }

    /// Opens the kept model file `name` in the engine again, as the saved model.
    fn reopen_model(self, name: String, blob: &web_sys::Blob) {
        self.restoring_model.set_value(true);
        link::send_files(
            self.link,
            Some(ToEngine::OpenModel {
                name,
                source: ModelSource::Saved,
            }),
            Some(blob),
            &[],
        );
    }

    /// Says that the last session's data set `name` was not kept.
    pub(super) fn not_kept(self, name: &str) {
        self.saved.update(|saved| {
            saved.notice = Some(format!(
                "Your last session used {name}, which was not kept in this browser: choose it again in step 1 to go on."
            ))
        });
    }
}
