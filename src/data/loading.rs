//! Loading the user's own data: a CSV file, or images with their classes, sent to the
//! engine along with the choice the keeper remembers for a reload.

use hearth_core::protocol::ToEngine;
use leptos::prelude::*;

use super::state::DataState;
use crate::browser;
use crate::browser::files::{File, NamedFile};
use crate::context;
use crate::engine::link::{Link, send_files};
use crate::keeping::keeper::{Keeper, Upload};
use crate::keeping::snapshot::DataChoice;

/// Image sizes offered for uploaded images.
pub const IMAGE_SHAPES: [(&str, u32, u32, u8); 3] = [
    ("28 × 28 grayscale", 28, 28, 1),
    ("32 × 32 colour", 32, 32, 3),
    ("64 × 64 colour", 64, 64, 3),
];

/// The Data step's loader of the user's files. Cheap to copy: every field is a handle.
#[derive(Clone, Copy)]
pub struct Loader {
    data: RwSignal<DataState>,
    link: Link,
    keeper: Keeper,
    /// The last CSV file, so that "skip these rows" can read it again.
    last_csv: StoredValue<Option<File>, LocalStorage>,
    /// The chosen entry of [`IMAGE_SHAPES`].
    pub image_shape: RwSignal<usize>,
}

impl Loader {
    /// A loader for the page's shared data set, link and keeper.
    pub fn from_context() -> Loader {
        Loader {
            data: context::data(),
            link: context::link(),
            keeper: context::keeper(),
            last_csv: StoredValue::new_local(None),
            image_shape: RwSignal::new(0),
        }
    }

    /// Loads a CSV `file` (too large a one is refused at once); `skip_ragged` leaves out
    /// rows of the wrong length.
    pub fn csv(self, file: File, skip_ragged: bool) {
        let (name, size) = browser::files::name_and_size(&file);
        let accepted = self
            .data
            .try_update(|data| {
                let ok = data.check_csv_file(&name, size);
                if ok {
                    data.start(&format!("Reading {name}"));
                }
                ok
            })
            .unwrap_or(false);
        if !accepted {
            return;
        }
        self.keeper.choose_data(
            DataChoice::Csv { name: name.clone() },
            Some(Upload::Csv(file.clone())),
        );
        send_files(
            self.link,
            Some(ToEngine::LoadCsv { name, skip_ragged }),
            Some(file.as_ref()),
            &[],
        );
        self.last_csv.set_value(Some(file));
    }
    /// Loads images with their class where the user gave one (else their folder names it).
    pub fn labelled(self, files: Vec<(Option<String>, String, File)>) {
        if files.is_empty() {
            return;
        }
        let (_, width, height, channels) = IMAGE_SHAPES[self.image_shape.get_untracked()];
        let named: Vec<NamedFile> = files
            .iter()
            .map(|(_, path, file)| (path.clone(), file.clone()))
            .collect();
        let name = common_folder(&named).unwrap_or_else(|| format!("{} images", files.len()));
        self.data
            .update(|data| data.start(&format!("Reading {} images", files.len())));
        let paths: Vec<String> = files.iter().map(|(_, path, _)| path.clone()).collect();
        let classes: Vec<Option<String>> = files.iter().map(|(class, ..)| class.clone()).collect();
        let files: Vec<File> = files.into_iter().map(|(_, _, file)| file).collect();
        let choice = DataChoice::Images {
            name,
            paths,
            classes,
            width,
            height,
            channels,
        };
        let message = choice.load_message(false);
        self.keeper
            .choose_data(choice, Some(Upload::Images(files.clone())));
        send_files(self.link, Some(message), None, &files);
    }
    /// Loads sounds (recorded clips and added files) with their classes.
    pub fn sounds(self, files: Vec<(Option<String>, String, File)>) {
        if files.is_empty() {
            return;
        }
        let named: Vec<NamedFile> = files
            .iter()
            .map(|(_, path, file)| (path.clone(), file.clone()))
            .collect();
        let name = common_folder(&named).unwrap_or_else(|| format!("{} sounds", files.len()));
        self.data
            .update(|data| data.start(&format!("Reading {} sounds", files.len())));
        let paths: Vec<String> = files.iter().map(|(_, path, _)| path.clone()).collect();
        let classes: Vec<Option<String>> = files.iter().map(|(class, ..)| class.clone()).collect();
        let files: Vec<File> = files.into_iter().map(|(_, _, file)| file).collect();
        let choice = DataChoice::Sounds {
            name,
            paths,
            classes,
        };
        let message = choice.load_message(false);
        self.keeper
            .choose_data(choice, Some(Upload::Images(files.clone())));
        send_files(self.link, Some(message), None, &files);
    }
    /// Loads images whose folders name their classes.
    pub fn images(self, files: Vec<NamedFile>) {
        self.labelled(
            files
                .into_iter()
                .map(|(path, file)| (None, path, file))
                .collect(),
        );
    }
    /// Loads what was dropped: one table file, or images.
    pub fn dropped(self, files: Vec<NamedFile>) {
        let csv = files.iter().position(|(path, _)| is_table_file(path));
        match csv {
            Some(index) if files.len() == 1 => {
                if let Some((_, file)) = files.into_iter().nth(index) {
                    self.csv(file, false);
                }
            }
            _ => self.images(files),
        }
    }

    /// Reads the last CSV file again, leaving out the rows of the wrong length.
    pub fn skip_ragged_rows(self) {
        if let Some(file) = self.last_csv.get_value() {
            self.csv(file, true);
        }
    }
}

/// Whether a path names a table rather than an image.
fn is_table_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".csv", ".tsv", ".txt"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// The top folder shared by all paths ("pets" for pets/cats/a.png, pets/dogs/b.png).
fn common_folder(files: &[NamedFile]) -> Option<String> {
    let first = files.first()?.0.split('/').next()?.to_string();
    let shared = files
        .iter()
        .all(|(path, _)| path.contains('/') && path.split('/').next() == Some(first.as_str()));
    shared.then_some(first)
}
