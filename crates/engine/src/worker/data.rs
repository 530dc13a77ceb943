//! Data: loading a CSV, image files or a built-in set into the [`DataSession`], and
//! changing its configuration; each of them ends the run under way, whose data changed.
//!
//! [`DataSession`]: hearth_core::data::session::DataSession

use futures::StreamExt;
use hearth_core::data::builtin;
use hearth_core::data::images::{ImageFile, ImageShape};
use hearth_core::data::summary::{Augment, DataConfig};
use hearth_core::protocol::FromEngine;
use hearth_core::sound::DecodedSound;

use super::transport::{fetch_with_progress, post, read_blob};
use super::{EngineState, decode, sound};

/// How many image files are read and decoded at once: enough to keep the browser's
/// decoders busy with many small files, few enough that large photos (48 MB of pixels for
/// 12 megapixels) do not pile up in memory.
const IMAGES_AT_ONCE: usize = 8;

impl EngineState {
    /// Loads the CSV file `file` (named `name`), posting progress while it is read and
    /// parsed.
    pub(super) async fn load_csv(
        &mut self,
        name: String,
        skip_ragged: bool,
        file: Option<web_sys::Blob>,
    ) {
        self.drop_run();
        self.pending_files.clear();
        let Some(file) = file else {
            post(&failed(format!(
                "{name} did not reach the engine; choose the file again."
            )));
            return;
        };
        let total = file.size();
        post(&FromEngine::DataProgress {
            stage: format!("Reading {name}"),
            done: 0.0,
            total,
        });
        let bytes = match read_blob(&file).await {
            Ok(bytes) => bytes,
            Err(reason) => {
                post(&failed(format!(
                    "{name} could not be read ({reason}). Choose it again."
                )));
                return;
            }
        };
        let stage = format!("Parsing {name}");
        let reply = self.data.load_csv(&name, &bytes, skip_ragged, &mut |done| {
            post(&FromEngine::DataProgress {
                stage: stage.clone(),
                done: done as f64,
                total,
            })
        });
        post(&reply);
    }

    /// Keeps image files handed over ahead of their `LoadImages` (a large folder comes in
    /// several messages).
    pub(super) fn attach_files(&mut self, total: u32, files: Vec<web_sys::Blob>) {
        self.pending_files.extend(files);
        post(&FromEngine::DataProgress {
            stage: "Receiving images".to_string(),
            done: self.pending_files.len() as f64,
            total: f64::from(total),
        });
    }

    /// Loads the image files handed over so far and `files`, the file at `paths[i]` of
    /// class `classes[i]` (else its folder's), decoded to `shape`.
    pub(super) async fn load_images(
        &mut self,
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
        shape: ImageShape,
        files: Vec<web_sys::Blob>,
    ) {
        self.drop_run();
        let mut blobs = std::mem::take(&mut self.pending_files);
        blobs.extend(files);
        let total = blobs.len() as f64;
        let mut files = Vec::with_capacity(blobs.len());
        // Several files at a time (one at a time took 14 s for 5,000 small files), each
        // decoded by the browser and brought to the shape at once (only the small result is
        // kept), their results in order. A file that cannot be read or decoded is left out
        // with a message naming it.
        let mut decodes = futures::stream::iter(
            paths
                .iter()
                .zip(&blobs)
                .map(|(path, blob)| decode::fitted(path, blob, shape)),
        )
        .buffered(IMAGES_AT_ONCE)
        .enumerate();
        while let Some((index, content)) = decodes.next().await {
            if index % 25 == 0 {
                post(&FromEngine::DataProgress {
                    stage: "Decoding images".to_string(),
                    done: index as f64,
                    total,
                });
            }
            files.push(ImageFile {
                path: paths[index].clone(),
                class: classes.get(index).cloned().flatten(),
                content,
            });
        }
        drop(decodes);
        post(&self.data.load_images(&name, files, shape));
    }

    /// Loads the sound files handed over so far and `files`, the file at `paths[i]` of
    /// class `classes[i]` (else its folder's), as one-second spectrograms.
    pub(super) async fn load_sounds(
        &mut self,
        name: String,
        paths: Vec<String>,
        classes: Vec<Option<String>>,
        files: Vec<web_sys::Blob>,
    ) {
        self.drop_run();
        let mut blobs = std::mem::take(&mut self.pending_files);
        blobs.extend(files);
        let total = blobs.len() as f64;
        let mut sounds = Vec::with_capacity(blobs.len());
        for (index, (path, blob)) in paths.iter().zip(&blobs).enumerate() {
            if index % 10 == 0 {
                post(&FromEngine::DataProgress {
                    stage: "Decoding sounds".to_string(),
                    done: index as f64,
                    total,
                });
            }
            sounds.push(DecodedSound {
                path: path.clone(),
                class: classes.get(index).cloned().flatten(),
                sound: sound::decode_file(path, blob).await,
            });
        }
        post(&FromEngine::DataProgress {
            stage: "Computing spectrograms".to_string(),
            done: total,
            total,
        });
        post(&self.data.load_decoded_sounds(&name, sounds));
    }

    /// Loads the built-in data set `name`; a large one is first fetched from its own file
    /// (with progress), which the service worker then keeps for offline use.
    pub(super) async fn load_builtin(&mut self, name: &str) {
        self.drop_run();
        self.pending_files.clear();
        let info = builtin::info(name);
        let Some((title, file)) = info.and_then(|info| Some((info.title, info.file?))) else {
            post(&FromEngine::DataProgress {
                stage: format!("Loading {name}"),
                done: 0.0,
                total: 1.0,
            });
            post(&self.data.load_builtin(name));
            return;
        };
        let stage = format!("Downloading {title} ({file})");
        let mut last = 0;
        let fetched = fetch_with_progress(file, |done, total| {
            // A message every 64 KB is enough for a smooth bar.
            if done == 0 || done - last >= 1 << 16 || Some(done) == total {
                last = done;
                post(&FromEngine::DataProgress {
                    stage: stage.clone(),
                    done: done as f64,
                    total: total.map_or(0.0, |total| total as f64),
                });
            }
        })
        .await;
        match fetched {
            Ok(bytes) => {
                post(&FromEngine::DataProgress {
                    stage: format!("Reading {title}"),
                    done: 0.0,
                    total: 1.0,
                });
                post(&self.data.load_builtin_file(name, &bytes));
            }
            Err(reason) => post(&failed(format!(
                "{title} could not be downloaded ({reason}). It is fetched the first time it is \
                 chosen and kept for offline use after that: check the connection and choose \
                 it again."
            ))),
        }
    }

    /// Applies the user's choices (roles, target, task, missing values, scaling, split)
    /// to the loaded table.
    pub(super) fn configure_data(&mut self, config: DataConfig) {
        self.drop_run();
        post(&self.data.configure(config));
    }

    /// Changes how training images are augmented.
    pub(super) fn set_augmentation(&mut self, augment: Augment) {
        self.drop_run();
        post(&self.data.set_augmentation(augment));
    }
}

/// The message for a data set that could not be loaded.
fn failed(message: String) -> FromEngine {
    FromEngine::DataFailed {
        message,
        skippable_rows: None,
    }
}
