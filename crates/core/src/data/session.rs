//! The data set the engine holds for the page: loading (CSV, images, built-in sets),
//! the user's configuration, and the replies to send. A load that fails leaves the data
//! set loaded before in place.

use super::builtin;
use super::csv::{CsvOptions, read_csv};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::augment::augment as augment_image;
use super::images::{ImageFile, ImageShape, load_images, to_rgba};
use super::infer::{default_config, summarize_table};
use super::prep::{self, Prepared};
use super::summary::{
    Augment, DataConfig, DataSummary, ImageSummary, Role, TableSummary, Task, Thumbnail,
};
use super::{DataError, Dataset, ImageSet, Table};
use crate::protocol::FromEngine;

/// Thumbnails sent per class.
pub const THUMBNAILS_PER_CLASS: usize = 6;

/// A loaded table with what is known and chosen about it.
#[derive(Debug, Clone)]
pub struct LoadedTable {
    pub table: Table,
    pub summary: TableSummary,
    pub config: DataConfig,
}

/// What is loaded.
#[derive(Debug, Clone, Default)]
pub enum Loaded {
    #[default]
    Nothing,
    Table(Box<LoadedTable>),
    Images(ImageSet),
}

/// The engine's data set.
#[derive(Debug, Clone, Default)]
pub struct DataSession {
    pub loaded: Loaded,
    /// How training images are varied (images only).
    pub augment: Augment,
}

/// Images shown in an augmentation preview.
pub const PREVIEW_IMAGES: usize = 4;
pub use super::summary::AUGMENT_PREVIEW_VARIANTS as PREVIEW_VARIANTS;

impl DataSession {
    /// Reads a CSV file and, when it reads, makes it the data set.
    pub fn load_csv(
        &mut self,
        file: &str,
        bytes: &[u8],
        skip_ragged: bool,
        progress: &mut dyn FnMut(usize),
    ) -> FromEngine {
        let options = CsvOptions {
            skip_ragged,
            ..CsvOptions::default()
        };
        match read_csv(file, bytes, &options, progress) {
            Ok((table, info)) => self.set_table(table, info.notices(), None, &[], None),
            Err(error) => failure(&error),
        }
    }

    /// Loads a built-in set (`mnist`, `iris`, ... or `builtin:NAME`).
    pub fn load_builtin(&mut self, name: &str) -> FromEngine {
        self.set_builtin(builtin::load(name))
    }

    /// Loads a built-in set from the bytes of its separate file (see
    /// [`builtin::BuiltinInfo::file`]).
    pub fn load_builtin_file(&mut self, name: &str, bytes: &[u8]) -> FromEngine {
        self.set_builtin(builtin::load_from_file(name, bytes))
    }

    fn set_builtin(&mut self, loaded: Result<builtin::Builtin, DataError>) -> FromEngine {
        match loaded {
            Ok(builtin) => {
                let notice = vec![builtin.source.to_string()];
                match builtin.dataset {
                    Dataset::Table(table) => {
                        let task = builtin.task_hint;
                        self.set_table(
                            table,
                            notice,
                            builtin.target.as_deref(),
                            &builtin.sensitive,
                            task,
                        )
                    }
                    Dataset::Images(images) => self.set_images(images, notice),
                }
            }
            Err(error) => failure(&error),
        }
    }

    /// Decodes image files into an image set of `shape` and makes it the data set.
    pub fn load_images(
        &mut self,
        name: &str,
        files: Vec<ImageFile>,
        shape: ImageShape,
    ) -> FromEngine {
        match load_images(name, files, shape) {
            Ok((images, skipped)) => {
                let notices = skipped
                    .iter()
                    .map(|skipped| format!("Left out: {}", skipped.reason))
                    .collect();
                self.set_images(images, notices)
            }
            Err(error) => failure(&error),
        }
    }

    /// Decodes sound files into one-second spectrograms and makes them the data set.
    #[cfg(feature = "sound-decode")]
    pub fn load_sounds(&mut self, name: &str, files: Vec<crate::sound::SoundFile>) -> FromEngine {
        self.set_sounds(crate::sound::load_sounds(name, files))
    }

    /// [`Self::load_sounds`] for sound files decoded already (the browser's engine has them
    /// decoded by its sound decoder).
    #[cfg(feature = "sound")]
    pub fn load_decoded_sounds(
        &mut self,
        name: &str,
        files: Vec<crate::sound::DecodedSound>,
    ) -> FromEngine {
        self.set_sounds(crate::sound::load_decoded(name, files))
    }

    #[cfg(feature = "sound")]
    fn set_sounds(
        &mut self,
        loaded: Result<(ImageSet, Vec<crate::data::images::Skipped>), DataError>,
    ) -> FromEngine {
        match loaded {
            Ok((images, skipped)) => {
                let notices = skipped
                    .iter()
                    .map(|skipped| format!("Left out: {}", skipped.reason))
                    .collect();
                self.set_images(images, notices)
            }
            Err(error) => failure(&error),
        }
    }

    /// Applies the user's configuration to the loaded table.
    pub fn configure(&mut self, config: DataConfig) -> FromEngine {
        match &mut self.loaded {
            Loaded::Table(loaded) => {
                let report = prep::report(&loaded.table, &loaded.summary, &config);
                loaded.config = config;
                FromEngine::DataReport { report }
            }
            _ => FromEngine::DataFailed {
                message:
                    "There is no table to configure: load a CSV file or a built-in table first."
                        .to_string(),
                skippable_rows: None,
            },
        }
    }

    /// Sets the augmentation and shows it: for the first image of the first classes, the
    /// original and random variants (seeded, so the same choice shows the same examples).
    pub fn set_augmentation(&mut self, augment: Augment) -> FromEngine {
        self.augment = augment;
        let Loaded::Images(images) = &self.loaded else {
            return FromEngine::DataFailed {
                message: "Augmentation applies to images: load an image set first.".to_string(),
                skippable_rows: None,
            };
        };
        if images.sound.is_some() {
            self.augment = Augment::default();
            return FromEngine::DataFailed {
                message: "Sounds are not augmented (a flipped or shifted spectrogram is another \
                          sound): record more examples instead."
                    .to_string(),
                skippable_rows: None,
            };
        }
        let shape = ImageShape {
            width: images.width,
            height: images.height,
            channels: images.channels,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut thumbnails = Vec::new();
        let mut seen = Vec::new();
        for (index, &label) in images.labels.iter().enumerate() {
            if seen.contains(&label) {
                continue;
            }
            seen.push(label);
            let original = images.image(index);
            for variant in 0..PREVIEW_VARIANTS {
                let pixels = if variant == 0 {
                    original.to_vec()
                } else {
                    augment_image(original, shape, &augment, &mut rng)
                };
                let single = ImageSet {
                    width: images.width,
                    height: images.height,
                    channels: images.channels,
                    classes: vec![String::new()],
                    labels: vec![0],
                    pixels,
                    ..ImageSet::default()
                };
                thumbnails.push(Thumbnail {
                    class: label,
                    rgba: to_rgba(&single, 0),
                });
            }
            if seen.len() == PREVIEW_IMAGES {
                break;
            }
        }
        FromEngine::AugmentationPreview { thumbnails }
    }

    /// The loaded table prepared as configured (for training).
    pub fn prepared(&self) -> Option<Result<Prepared, DataError>> {
        match &self.loaded {
            Loaded::Table(loaded) => Some(prep::prepare(
                &loaded.table,
                &loaded.summary,
                &loaded.config,
            )),
            _ => None,
        }
    }

    fn set_table(
        &mut self,
        table: Table,
        notices: Vec<String>,
        target: Option<&str>,
        sensitive: &[(String, Role)],
        task: Option<Task>,
    ) -> FromEngine {
        let summary = summarize_table(&table, notices);
        let mut config = default_config(&summary, target, sensitive);
        config.task = task;
        let report = prep::report(&table, &summary, &config);
        self.loaded = Loaded::Table(Box::new(LoadedTable {
            table,
            summary: summary.clone(),
            config: config.clone(),
        }));
        FromEngine::DataLoaded {
            summary: DataSummary::Table(summary),
            config: Some(config),
            report: Some(report),
        }
    }

    fn set_images(&mut self, images: ImageSet, notices: Vec<String>) -> FromEngine {
        let summary = image_summary(&images, notices);
        self.loaded = Loaded::Images(images);
        self.augment = Augment::default();
        FromEngine::DataLoaded {
            summary: DataSummary::Images(summary),
            config: None,
            report: None,
        }
    }
}

fn failure(error: &DataError) -> FromEngine {
    FromEngine::DataFailed {
        message: error.to_string(),
        skippable_rows: match error {
            DataError::Ragged { count, .. } => Some(*count),
            _ => None,
        },
    }
}

/// Counts per class and the first few images of each class as RGBA thumbnails.
pub fn image_summary(images: &ImageSet, notices: Vec<String>) -> ImageSummary {
    let counts = images.counts();
    let mut thumbnails = Vec::new();
    let mut taken = vec![0usize; images.classes.len()];
    for (index, &label) in images.labels.iter().enumerate() {
        if let Some(count) = taken.get_mut(label as usize)
            && *count < THUMBNAILS_PER_CLASS
        {
            *count += 1;
            thumbnails.push(Thumbnail {
                class: label,
                rgba: to_rgba(images, index),
            });
        }
    }
    ImageSummary {
        name: images.name.clone(),
        width: images.width,
        height: images.height,
        channels: images.channels,
        classes: images.classes.iter().cloned().zip(counts).collect(),
        thumbnails,
        notices,
        sound: images.sound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_loads_with_a_proposed_config_and_report() {
        let mut session = DataSession::default();
        let csv = b"x,colour,label\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n5,red,a\n6,blue,b\n";
        let reply = session.load_csv("t.csv", csv, false, &mut |_| {});
        let FromEngine::DataLoaded {
            summary: DataSummary::Table(summary),
            config: Some(config),
            report: Some(report),
        } = reply
        else {
            panic!("expected a loaded table, got {reply:?}");
        };
        assert_eq!(summary.rows, 6);
        assert_eq!(config.target(), Some("label"));
        assert_eq!(report.problem, None);
        assert_eq!(report.inputs, ["x", "colour=blue", "colour=red"]);
    }

    #[test]
    fn a_failed_load_keeps_the_data_set_loaded_before() {
        let mut session = DataSession::default();
        session.load_csv("good.csv", b"a,b\n1,x\n2,y\n3,x\n4,y\n", false, &mut |_| {});
        let reply = session.load_csv("bad.csv", b"a,b\n1,2\n3\n", false, &mut |_| {});
        assert_eq!(
            reply,
            FromEngine::DataFailed {
                message: "bad.csv: 1 row(s) do not have 2 fields like the header (the first is line 3, with 1). Fix the file, or skip those rows.".into(),
                skippable_rows: Some(1)
            }
        );
        let Loaded::Table(loaded) = &session.loaded else {
            panic!("the good table is gone");
        };
        assert_eq!(loaded.table.name, "good.csv");
        let reply = session.load_builtin("no-such-set");
        assert!(matches!(reply, FromEngine::DataFailed { .. }));
        assert!(matches!(session.loaded, Loaded::Table(_)));
    }

    #[test]
    fn configuring_reports_problems_without_losing_the_table() {
        let mut session = DataSession::default();
        session.load_csv("t.csv", b"a,b\n1,x\n2,x\n3,x\n4,x\n", false, &mut |_| {});
        let Loaded::Table(loaded) = &session.loaded else {
            panic!("no table");
        };
        let mut config = loaded.config.clone();
        config.set_target("b");
        let FromEngine::DataReport { report } = session.configure(config) else {
            panic!("expected a report");
        };
        assert!(report.problem.unwrap().contains("only one value"));
        assert!(matches!(session.loaded, Loaded::Table(_)));
    }

    #[test]
    fn built_in_tables_come_with_their_target_and_sensitive_column() {
        let mut session = DataSession::default();
        let FromEngine::DataLoaded {
            config: Some(config),
            report: Some(report),
            ..
        } = session.load_builtin("loans")
        else {
            panic!("loans did not load");
        };
        assert_eq!(config.target(), Some("approved"));
        let role = |name: &str| {
            config
                .columns
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.role)
        };
        assert_eq!(role("gender"), Some(Role::SensitiveInput));
        assert_eq!(role("email"), Some(Role::Excluded));
        assert_eq!(report.problem, None, "{report:?}");
        // gender is read by the model (so that it can learn the labels' bias); the
        // e-mail address is not.
        assert!(report.inputs.iter().any(|input| input.contains("gender")));
        assert!(!report.inputs.iter().any(|input| input.contains("email")));
    }

    #[test]
    fn augmentation_is_shown_on_the_loaded_images() {
        let mut session = DataSession::default();
        let augment = Augment {
            max_shift: 3,
            max_rotation_degrees: 15.0,
            flip_horizontal: false,
        };
        assert!(matches!(
            session.set_augmentation(augment),
            FromEngine::DataFailed { .. }
        ));
        session.load_builtin("mnist");
        let FromEngine::AugmentationPreview { thumbnails } = session.set_augmentation(augment)
        else {
            panic!("no preview");
        };
        assert_eq!(thumbnails.len(), PREVIEW_IMAGES * PREVIEW_VARIANTS);
        assert_eq!(session.augment, augment);
        // The first of each group is the original; the variants differ from it.
        let original = &thumbnails[0].rgba;
        assert!(
            thumbnails[1..PREVIEW_VARIANTS]
                .iter()
                .any(|t| &t.rgba != original)
        );
        assert!(
            thumbnails[..PREVIEW_VARIANTS]
                .iter()
                .all(|t| t.class == thumbnails[0].class)
        );
        let FromEngine::AugmentationPreview { thumbnails } =
            session.set_augmentation(Augment::default())
        else {
            panic!("no preview");
        };
        assert!(
            thumbnails[1..PREVIEW_VARIANTS]
                .iter()
                .all(|t| &t.rgba == original),
            "no augmentation, no change"
        );
    }

    #[test]
    fn mnist_loads_as_images_with_thumbnails() {
        let mut session = DataSession::default();
        let FromEngine::DataLoaded {
            summary: DataSummary::Images(summary),
            ..
        } = session.load_builtin("builtin:mnist")
        else {
            panic!("mnist did not load");
        };
        assert_eq!(summary.classes.len(), 10);
        assert_eq!(
            summary.classes.iter().map(|(_, n)| n).sum::<usize>(),
            10_000
        );
        assert_eq!(summary.thumbnails.len(), 10 * THUMBNAILS_PER_CLASS);
        assert_eq!(summary.thumbnails[0].rgba.len(), 28 * 28 * 4);
    }
}
