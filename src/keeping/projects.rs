//! The page's side of project files ([`super::project`]): "Download project" gathers the
//! session (settings, spec, training settings), the captured examples, the data set's own
//! files and the trained model into one file; "Open project" reads one, checks all of it,
//! and only then puts it in place: the examples, the settings, the data set (loaded again
//! by the engine) and the model (opened once the data is back).

use hearth_core::data::summary::Augment;
use leptos::prelude::*;
use wasm_bindgen_futures::spawn_local;
use web_sys::Blob;

use super::keeper::{FileAction, Keeper, Upload};
use super::project::{self, CapturedSet, Done, Job, Manifest, ModelEntry, Project};
use super::snapshot::DataChoice;
use crate::app::chunks::project_file;
use crate::browser::{download, media};
use crate::capture::classes::CaptureSignal;
use crate::capture::state::{CaptureSet, Source};
use crate::widgets::format::bytes_label;
use hearth_core::text::{counted, listed};

/// What the project buttons say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectStatus {
    /// A project is being written or opened.
    pub busy: bool,
    /// What the last one did.
    pub notice: Option<String>,
    /// Why the last one could not be done (nothing changed).
    pub problem: Option<String>,
}

/// The project code could not be fetched (offline before the first visit kept it).
const NOT_FETCHED: &str = "Hearth's project code is not on this device yet and the network seems to be gone: reconnect, then try again.";

/// The entry a project's model is stored under.
const MODEL_ENTRY: &str = "model.safetensors";

impl Keeper {
    /// Starts the project job `work`, then says what it did (or why not).
    fn project_job(
        self,
        starting: String,
        work: impl Future<Output = Result<String, String>> + 'static,
    ) {
        if self.project.with_untracked(|status| status.busy) {
            return;
        }
        self.project.set(ProjectStatus {
            busy: true,
            notice: Some(starting),
            problem: None,
        });
        spawn_local(async move {
            let result = work.await;
            self.project.set(match result {
                Ok(notice) => ProjectStatus {
                    busy: false,
                    notice: Some(notice),
                    problem: None,
                },
                Err(problem) => ProjectStatus {
                    busy: false,
                    notice: None,
                    problem: Some(problem),
                },
            });
        });
    }

    /// Downloads the project: the examples of `captures`, the data set's files, the
    /// settings, the spec and the trained model.
    pub fn download_project(self, captures: CaptureSignal) {
        self.project_job(
            "Writing the project…".to_string(),
            self.write_project(captures),
        );
    }

    async fn write_project(self, captures: CaptureSignal) -> Result<String, String> {
        let mut session = self.session_state_untracked();
        let mut sets = Vec::new();
        let mut blobs = Vec::new();
        captures.with_untracked(|captures| {
            for source in Source::ALL {
                let set = captures.of(source);
                if set.total() > 0 {
                    let (captured, entries) = project::captured_set(set);
                    sets.push(captured);
                    blobs.extend(entries);
                }
            }
        });
        let examples = blobs.len();
        let mut files = Vec::with_capacity(blobs.len() + 2);
        for (entry, blob) in blobs {
            files.push((entry, read(&blob).await?));
        }
        // The data set's own files, where it has some and this page holds them.
        let mut data_files = Vec::new();
        let mut left_out = None;
        if let Some(choice) = session.data.clone().filter(DataChoice::is_upload) {
            let uploaded: Vec<web_sys::File> = match (self.upload.get_value(), &choice) {
                (Some(Upload::Csv(file)), DataChoice::Csv { .. }) => vec![file],
                (
                    Some(Upload::Images(files)),
                    DataChoice::Images { paths, .. } | DataChoice::Sounds { paths, .. },
                ) if files.len() == paths.len() => files,
                _ => Vec::new(),
            };
            if uploaded.is_empty() {
                left_out = Some(choice.name().to_string());
                session.data = None;
                session.data_config = None;
            }
            for (index, file) in uploaded.iter().enumerate() {
                let entry = format!("data/{index}-{}", project::safe_name(&file.name()));
                files.push((entry.clone(), read(file).await?));
                data_files.push(entry);
            }
        }
        let model = self.kept_model();
        if let Some((_, bytes)) = &model {
            files.push((MODEL_ENTRY.to_string(), bytes.to_vec()));
        }
        let name = session
            .data
            .as_ref()
            .map(|choice| choice.name().to_string())
            .or_else(|| {
                model
                    .as_ref()
                    .map(|(name, _)| name.trim_end_matches(".safetensors").to_string())
            })
            .unwrap_or_else(|| "Hearth project".to_string());
        let data_name = session
            .data
            .as_ref()
            .map(|choice| choice.name().to_string());
        let manifest = Manifest {
            format: project::FORMAT.to_string(),
            version: project::VERSION,
            name: name.clone(),
            session,
            captures: sets,
            mirrored: captures.with_untracked(|captures| captures.mirrored),
            data_files,
            model: model.as_ref().map(|(name, _)| ModelEntry {
                name: name.clone(),
                file: MODEL_ENTRY.to_string(),
            }),
        };
        let bytes = match project_file(Job::Write(Box::new(manifest), files)).await {
            Ok(Done::Written(written)) => written?,
            _ => return Err(NOT_FETCHED.to_string()),
        };
        let file_name = project::file_name(&name);
        download::download(&js_sys::Uint8Array::from(bytes.as_slice()), &file_name)?;
        let mut held = Vec::new();
        if examples > 0 {
            held.push(counted(examples as u64, "recorded example"));
        }
        if let Some(data) = data_name {
            held.push(format!("the data set {data}"));
        }
        held.push("the settings".to_string());
        if let Some((model, _)) = &model {
            held.push(format!("the model {model}"));
        }
        let mut notice = format!(
            "Downloaded {file_name} ({}): {}.",
            bytes_label(bytes.len() as f64),
            listed(&held)
        );
        if let Some(data) = left_out {
            notice.push_str(&format!(
                " The files of {data} are not in this browser, so the project does not hold them: load them again in step 1, then download the project again."
            ));
        }
        Ok(notice)
    }

    /// The model file to put in a project: the one kept in the session, when the model in
    /// use is the user's (trained or opened; the built-in digit model ships with Hearth).
    fn kept_model(self) -> Option<(String, js_sys::Uint8Array)> {
        let own = self.model.with_untracked(|model| {
            model.as_ref().is_some_and(|model| {
                model.source != hearth_core::model::summary::ModelSource::Pretrained
            })
        });
        own.then(|| self.last_file.get_value()).flatten()
    }

    /// Opens the project file `name`: read and checked first; only a whole project
    /// replaces what the page holds.
    pub fn open_project(self, captures: CaptureSignal, name: String, file: web_sys::File) {
        self.project_job(format!("Opening {name}…"), async move {
            let bytes = read(&file).await?;
            let project = match project_file(Job::Read { file: name, bytes }).await {
                Ok(Done::Read(read)) => (*read).map_err(|error| error.to_string())?,
                _ => return Err(NOT_FETCHED.to_string()),
            };
            Ok(self.apply_project(captures, &project))
        });
    }

    /// Puts `project` in place and says what it brought.
    fn apply_project(self, captures: CaptureSignal, project: &Project) -> String {
        let manifest = &project.manifest;
        let mut sets: Vec<CaptureSet<Blob>> = manifest
            .captures
            .iter()
            .filter_map(|captured: &CapturedSet| {
                project::capture_set(project, captured, |file, bytes| {
                    let blob = download::typed_blob(bytes, project::media_type(file));
                    let url = media::object_url(&blob);
                    (blob, url)
                })
            })
            .collect();
        let examples: usize = sets.iter().map(CaptureSet::total).sum();
        captures.update(|captures| {
            for source in Source::ALL {
                let new = match sets.iter().position(|set| set.source == source) {
                    Some(index) => sets.swap_remove(index),
                    None => CaptureSet::new(source),
                };
                let old = std::mem::replace(captures.of_mut(source), new);
                for class in old.classes {
                    for sample in class.samples {
                        media::forget(&sample.url);
                    }
                }
            }
            captures.mirrored = manifest.mirrored;
        });
        if let Some(spec) = manifest.session.spec.clone() {
            self.specs.update(|specs| {
                specs.spec = Some(spec);
                specs.problem = None;
            });
        }
        if let Some(config) = manifest.session.train_config.clone() {
            self.train.update(|train| train.config = config);
        }
        // The model is kept in the session at once, and opened once the data is back (so
        // that it is evaluated on the data as the project set it up).
        let model = manifest.model.as_ref().map(|entry| {
            let bytes = js_sys::Uint8Array::from(project.file(&entry.file));
            self.handle_file(FileAction::KeepInSession, entry.name.clone(), bytes);
            entry.name.clone()
        });
        let mut loading = false;
        if let Some(choice) = manifest.session.data.clone() {
            let upload = data_upload(project, &choice);
            loading = self.load_again(choice, manifest.session.data_config.clone(), upload, false);
            if loading && model.is_some() {
                self.resuming.set_value(Some(Augment::default()));
            }
        }
        if model.is_some() && !loading {
            self.hand_over_model();
        }
        let mut brought = Vec::new();
        if examples > 0 {
            brought.push(counted(examples as u64, "recorded example"));
        }
        if let Some(choice) = &manifest.session.data {
            brought.push(format!("the data set {}", choice.name()));
        }
        brought.push("the settings".to_string());
        if let Some(model) = &model {
            brought.push(format!("the model {model}"));
        }
        format!("Opened {}: {}.", manifest.name, listed(&brought))
    }
}

/// The files of the project's data set, as the engine is given an upload.
fn data_upload(project: &Project, choice: &DataChoice) -> Option<Upload> {
    let files = &project.manifest.data_files;
    let file = |entry: &String, name: &str| {
        let blob = download::typed_blob(project.file(entry), project::media_type(name));
        media::as_file(&blob, name)
    };
    match choice {
        DataChoice::Builtin { .. } => None,
        DataChoice::Csv { name } => files
            .first()
            .and_then(|entry| file(entry, name))
            .map(Upload::Csv),
        DataChoice::Images { paths, .. } | DataChoice::Sounds { paths, .. } => files
            .iter()
            .zip(paths)
            .map(|(entry, path)| file(entry, path.rsplit('/').next().unwrap_or(path)))
            .collect::<Option<Vec<_>>>()
            .map(Upload::Images),
    }
}

/// The bytes of `blob`.
async fn read(blob: &Blob) -> Result<Vec<u8>, String> {
    download::read_blob(blob)
        .await
        .map_err(|reason| format!("A file could not be read ({reason}); nothing was changed."))
}
