//! The project file ("Download project", "Open project"): one ZIP file that holds
//! everything a session is (the captured and drawn examples, the data set's own files, its
//! settings, the model spec, the training settings and the trained model), so that the work
//! goes on on another machine. Plain Rust with the `zip` crate, tested natively; the page
//! gathers and applies it (`projects.rs`).
//!
//! The ZIP holds `hearth-project.json` ([`Manifest`]) and the files it names. Entries are
//! stored, not compressed (the samples are JPEG, PNG and compressed sounds already): the
//! `zip` crate is built without its decompressors, so a file that claims a compressed entry
//! is refused, and no entry can expand beyond what the file holds.
//!
//! Reading checks everything before anything is used (see [`read`]): a broken, foreign or
//! hostile file is refused with a message that names what is wrong, and the page keeps
//! what it had.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};

use super::snapshot::SessionState;
use crate::capture::state::{CaptureSet, Source};

/// The manifest's name in the ZIP.
pub const MANIFEST: &str = "hearth-project.json";
/// What a project's manifest says it is.
pub const FORMAT: &str = "hearth-project";
/// The version this page writes and reads.
pub const VERSION: u32 = 1;
/// The largest project file read: 1 GB.
pub const MAX_BYTES: usize = 1 << 30;
/// The most entries a project may hold.
pub const MAX_ENTRIES: usize = 100_000;
/// The most classes one source may have.
pub const MAX_CLASSES: usize = 1000;

/// Everything but the files' bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The project's name (the data set's or the model's).
    pub name: String,
    /// The data set chosen and its settings, the spec, the training settings.
    pub session: SessionState,
    /// The captured classes of each source.
    #[serde(default)]
    pub captures: Vec<CapturedSet>,
    /// Whether camera frames are mirrored.
    #[serde(default)]
    pub mirrored: bool,
    /// The data set's own files (a CSV file, or the images or sounds in the order the data
    /// choice lists them); empty for a built-in set.
    #[serde(default)]
    pub data_files: Vec<String>,
    /// The trained model: its file name and entry.
    #[serde(default)]
    pub model: Option<ModelEntry>,
}

/// The classes of one capture source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedSet {
    /// "camera", "drawing" or "sound".
    pub source: String,
    pub classes: Vec<CapturedClass>,
}

/// One captured class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedClass {
    pub name: String,
    pub samples: Vec<CapturedSample>,
}

/// One captured example: its entry, and the name of the file it came from (empty when it
/// was recorded or drawn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedSample {
    pub file: String,
    #[serde(default)]
    pub name: String,
}

/// The model file in a project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Its name, as downloaded (`flowers.safetensors`).
    pub name: String,
    /// Its entry in the ZIP.
    pub file: String,
}

/// A project read and checked: the manifest, and every file it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub manifest: Manifest,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Project {
    /// The bytes of the entry `file` (every entry the manifest names is there: [`read`]
    /// checked).
    pub fn file(&self, file: &str) -> &[u8] {
        self.files.get(file).map_or(&[], Vec::as_slice)
    }
}

/// The project file of `manifest` and its `files` (entry name, bytes).
pub fn write(manifest: &Manifest, files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let json = crate::browser::json::to_string_pretty(manifest)
        .ok_or_else(|| "the project's description could not be written".to_string())?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(
            files
                .iter()
                .any(|(_, bytes)| bytes.len() >= u32::MAX as usize),
        );
    let failed =
        |error: zip::result::ZipError| format!("the project file could not be written ({error})");
    zip.start_file(MANIFEST, options).map_err(failed)?;
    zip.write_all(json.as_bytes())
        .map_err(|error| format!("the project file could not be written ({error})"))?;
    for (name, bytes) in files {
        zip.start_file(name.as_str(), options).map_err(failed)?;
        zip.write_all(bytes)
            .map_err(|error| format!("the project file could not be written ({error})"))?;
    }
    Ok(zip.finish().map_err(failed)?.into_inner())
}

/// Why a project file cannot be opened. Every message names the file and says what to do;
/// nothing on the page has changed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectError {
    #[error(
        "{file} is not a Hearth project ({reason}). Choose a file that Hearth's \"Download project\" wrote (it ends in .hearth)."
    )]
    NotAProject { file: String, reason: String },
    #[error(
        "{file} was written by a newer Hearth (project version {found}; this one reads {VERSION}). Open it in a newer Hearth."
    )]
    Newer { file: String, found: u32 },
    #[error(
        "{file} is damaged: {reason}. Nothing was changed; download the project again from where it was made."
    )]
    Damaged { file: String, reason: String },
    #[error("{file} is too large to open here ({size} MB; at most {} MB).", MAX_BYTES >> 20)]
    TooLarge { file: String, size: usize },
}

/// Reads and checks the project file `file` (`bytes`): a ZIP of stored entries, at most
/// [`MAX_ENTRIES`], with safe names; a manifest of this format and version; every file it
/// names present; captured classes named, distinct and of a known source.
pub fn read(file: &str, bytes: &[u8]) -> Result<Project, ProjectError> {
    let not_a_project = |reason: String| ProjectError::NotAProject {
        file: file.to_string(),
        reason,
    };
    let damaged = |reason: String| ProjectError::Damaged {
        file: file.to_string(),
        reason,
    };
    if bytes.len() > MAX_BYTES {
        return Err(ProjectError::TooLarge {
            file: file.to_string(),
            size: bytes.len() >> 20,
        });
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| not_a_project(format!("it is not a ZIP file: {error}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(damaged(format!(
            "it holds {} entries, more than a project can",
            archive.len()
        )));
    }
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| damaged(format!("entry {} cannot be read ({error})", index + 1)))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|error| {
                damaged(format!(
                    "entry {} has no readable name ({error})",
                    index + 1
                ))
            })?
            .into_owned();
        // Nothing is written to disk, but a name that climbs out is a hostile file.
        let climbs = name.split(['/', '\\']).any(|part| part == "..");
        if entry.enclosed_name().is_none() || name.starts_with('/') || climbs {
            return Err(damaged(format!(
                "the entry \"{name}\" points outside the project"
            )));
        }
        let size = entry.size();
        // Stored entries only: the size cannot be more than the file holds.
        if size > bytes.len() as u64 {
            return Err(damaged(format!(
                "the entry \"{name}\" claims more bytes than the file has"
            )));
        }
        let mut content = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(size + 1)
            .read_to_end(&mut content)
            .map_err(|error| damaged(format!("the entry \"{name}\" cannot be read ({error})")))?;
        files.insert(name, content);
    }
    let manifest = files
        .get(MANIFEST)
        .ok_or_else(|| not_a_project(format!("it has no {MANIFEST}")))?;
    let text =
        std::str::from_utf8(manifest).map_err(|_| damaged(format!("{MANIFEST} is not text")))?;
    // The format and version first, so that a newer project says so rather than failing
    // on a field this page does not know.
    #[derive(Deserialize)]
    struct Header {
        format: String,
        version: u32,
    }
    let header: Header = crate::browser::json::from_str(text).map_err(|error| {
        not_a_project(format!("{MANIFEST} does not describe a project: {error}"))
    })?;
    if header.format != FORMAT {
        return Err(not_a_project(format!(
            "its format is \"{}\"",
            header.format
        )));
    }
    if header.version > VERSION {
        return Err(ProjectError::Newer {
            file: file.to_string(),
            found: header.version,
        });
    }
    let manifest: Manifest = crate::browser::json::from_str(text)
        .map_err(|error| damaged(format!("{MANIFEST} does not fit: {error}")))?;
    check(&manifest, &files).map_err(damaged)?;
    Ok(Project { manifest, files })
}

/// What the page asks of the project chunk (the ZIP code is fetched only when a project is
/// first written or opened, see `app::chunks`).
pub enum Job {
    /// Write a project file of this manifest and these entries.
    Write(Box<Manifest>, Vec<(String, Vec<u8>)>),
    /// Read the project file `file`.
    Read { file: String, bytes: Vec<u8> },
}

/// What the project chunk did.
pub enum Done {
    Written(Result<Vec<u8>, String>),
    Read(Box<Result<Project, ProjectError>>),
}

/// Does `job`.
pub fn run(job: Job) -> Done {
    match job {
        Job::Write(manifest, files) => Done::Written(write(&manifest, &files)),
        Job::Read { file, bytes } => Done::Read(Box::new(read(&file, &bytes))),
    }
}

/// Checks that `manifest` is whole and its files are all in `files`.
fn check(manifest: &Manifest, files: &BTreeMap<String, Vec<u8>>) -> Result<(), String> {
    let present = |entry: &str| {
        if files.contains_key(entry) {
            Ok(())
        } else {
            Err(format!("the file \"{entry}\" it names is missing"))
        }
    };
    let mut seen = Vec::new();
    for set in &manifest.captures {
        if Source::from_key(&set.source).is_none() || seen.contains(&set.source.as_str()) {
            return Err(format!(
                "it holds examples of an unknown source \"{}\"",
                set.source
            ));
        }
        seen.push(set.source.as_str());
        if set.classes.len() > MAX_CLASSES {
            return Err(format!(
                "{} classes of {} examples are more than Hearth takes",
                set.classes.len(),
                set.source
            ));
        }
        for (index, class) in set.classes.iter().enumerate() {
            if class.name.trim().is_empty() {
                return Err(format!(
                    "class {} of the {} examples has no name",
                    index + 1,
                    set.source
                ));
            }
            if set.classes[..index]
                .iter()
                .any(|other| other.name == class.name)
            {
                return Err(format!(
                    "two classes of the {} examples are named \"{}\"",
                    set.source, class.name
                ));
            }
            for sample in &class.samples {
                present(&sample.file)?;
            }
        }
    }
    for file in &manifest.data_files {
        present(file)?;
    }
    if let Some(model) = &manifest.model {
        present(&model.file)?;
    }
    match &manifest.session.data {
        Some(super::snapshot::DataChoice::Csv { .. }) if manifest.data_files.len() != 1 => {
            Err("its table's file is missing".to_string())
        }
        Some(
            super::snapshot::DataChoice::Images { paths, .. }
            | super::snapshot::DataChoice::Sounds { paths, .. },
        ) if paths.len() != manifest.data_files.len() => Err(format!(
            "its data set lists {} files but it holds {}",
            paths.len(),
            manifest.data_files.len()
        )),
        _ => Ok(()),
    }
}

/// The ZIP entries of `set`'s samples and the manifest's record of them: each sample is
/// `samples/SOURCE/CLASS/ID.EXT` (`ID-NAME` for a file the user added, which keeps its
/// name and so its kind), the class by its number (a name may hold any character).
pub fn captured_set<B: Clone>(set: &CaptureSet<B>) -> (CapturedSet, Vec<(String, B)>) {
    let source = set.source.key();
    let mut files = Vec::new();
    let classes = set
        .classes
        .iter()
        .enumerate()
        .map(|(index, class)| CapturedClass {
            name: class.name.clone(),
            samples: class
                .samples
                .iter()
                .map(|sample| {
                    let file = if sample.name.is_empty() {
                        format!(
                            "samples/{source}/{index}/{}.{}",
                            sample.id,
                            set.source.extension()
                        )
                    } else {
                        format!(
                            "samples/{source}/{index}/{}-{}",
                            sample.id,
                            safe_name(&sample.name)
                        )
                    };
                    files.push((file.clone(), sample.blob.clone()));
                    CapturedSample {
                        file,
                        name: sample.name.clone(),
                    }
                })
                .collect(),
        })
        .collect();
    (
        CapturedSet {
            source: source.to_string(),
            classes,
        },
        files,
    )
}

/// The classes of `captured` again, each sample made by `make` from its entry's name and
/// bytes (a `Blob` and its URL in the page). A project's set of an unknown source is `None`
/// ([`read`] refuses those).
pub fn capture_set<B: Clone>(
    project: &Project,
    captured: &CapturedSet,
    mut make: impl FnMut(&str, &[u8]) -> (B, String),
) -> Option<CaptureSet<B>> {
    let mut set = CaptureSet::new(Source::from_key(&captured.source)?);
    set.classes.clear();
    for (index, class) in captured.classes.iter().enumerate() {
        set.add_class();
        set.rename(index, &class.name);
        for sample in &class.samples {
            let (blob, url) = make(&sample.file, project.file(&sample.file));
            set.add_named_sample(index, blob, url, sample.name.clone());
        }
    }
    Some(set)
}

/// `name` as a part of an entry's name: letters, digits, `.`, `-` and `_`, the rest `_`.
pub fn safe_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let safe = safe.trim_start_matches('.');
    if safe.is_empty() {
        "file".to_string()
    } else {
        safe.to_string()
    }
}

/// The media type of a file by its name's extension (a `Blob` made from a project's bytes
/// gets it, so that the browser shows or plays it).
pub fn media_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    match extension.as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("bmp") => "image/bmp",
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("ogg" | "oga") => "audio/ogg",
        Some("flac") => "audio/flac",
        Some("csv") => "text/csv",
        Some("tsv") => "text/tab-separated-values",
        _ => "application/octet-stream",
    }
}

/// A name for the project's file: the name's letters and digits, then `.hearth`.
pub fn file_name(name: &str) -> String {
    let slug = hearth_core::text::slug(name);
    format!("{}.hearth", if slug.is_empty() { "project" } else { &slug })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keeping::snapshot::DataChoice;

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT.to_string(),
            version: VERSION,
            name: "Sound samples".to_string(),
            session: SessionState {
                data: Some(DataChoice::Sounds {
                    name: "Sound samples".into(),
                    paths: vec!["Sound samples/Hum/0.wav".into()],
                    classes: vec![Some("Hum".into())],
                }),
                ..SessionState::default()
            },
            captures: vec![CapturedSet {
                source: "sound".into(),
                classes: vec![CapturedClass {
                    name: "Hum".into(),
                    samples: vec![CapturedSample {
                        file: "samples/sound/0/0.wav".into(),
                        name: String::new(),
                    }],
                }],
            }],
            mirrored: true,
            data_files: vec!["data/0.wav".into()],
            model: Some(ModelEntry {
                name: "hum.safetensors".into(),
                file: "model.safetensors".into(),
            }),
        }
    }

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("samples/sound/0/0.wav".into(), b"RIFF....WAVE".to_vec()),
            ("data/0.wav".into(), b"RIFF....WAVE".to_vec()),
            ("model.safetensors".into(), vec![7; 100]),
        ]
    }

    #[test]
    fn a_project_round_trips() {
        let bytes = write(&manifest(), &files()).unwrap();
        let project = read("p.hearth", &bytes).unwrap();
        assert_eq!(project.manifest, manifest());
        assert_eq!(project.file("model.safetensors"), &[7; 100][..]);
        assert_eq!(project.files.len(), 4, "the manifest and three files");
        assert_eq!(file_name("Sound samples!"), "sound-samples.hearth");
        assert_eq!(file_name("  "), "project.hearth");
    }

    #[test]
    fn foreign_broken_and_newer_files_are_refused_with_their_name() {
        let error = read("notes.txt", b"just some text").unwrap_err();
        assert!(matches!(error, ProjectError::NotAProject { .. }));
        assert!(
            error
                .to_string()
                .starts_with("notes.txt is not a Hearth project (it is not a ZIP file")
        );
        let bytes = write(&manifest(), &files()).unwrap();
        for cut in [10, bytes.len() / 2, bytes.len() - 10] {
            assert!(read("cut.hearth", &bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A ZIP without a manifest, another format, a newer version.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(
            "photo.jpg",
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        zip.write_all(b"jpeg").unwrap();
        let plain = zip.finish().unwrap().into_inner();
        assert!(
            read("photos.zip", &plain)
                .unwrap_err()
                .to_string()
                .contains("it has no hearth-project.json")
        );
        let other = Manifest {
            format: "something-else".into(),
            ..manifest()
        };
        let error = read("o.hearth", &write(&other, &files()).unwrap()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("its format is \"something-else\""),
            "{error}"
        );
        let newer = Manifest {
            version: VERSION + 1,
            ..manifest()
        };
        let error = read("n.hearth", &write(&newer, &files()).unwrap()).unwrap_err();
        assert!(
            matches!(error, ProjectError::Newer { found: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn a_manifest_that_does_not_fit_its_files_is_damaged() {
        let missing = &files()[1..];
        let error = read("m.hearth", &write(&manifest(), missing).unwrap()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"samples/sound/0/0.wav\" it names is missing"),
            "{error}"
        );
        let mut unnamed = manifest();
        unnamed.captures[0].classes[0].name = " ".into();
        let error = read("u.hearth", &write(&unnamed, &files()).unwrap()).unwrap_err();
        assert!(error.to_string().contains("has no name"), "{error}");
        let mut twice = manifest();
        let class = twice.captures[0].classes[0].clone();
        twice.captures[0].classes.push(class);
        assert!(read("t.hearth", &write(&twice, &files()).unwrap()).is_err());
        let mut unknown = manifest();
        unknown.captures[0].source = "smell".into();
        assert!(read("s.hearth", &write(&unknown, &files()).unwrap()).is_err());
        let mut short = manifest();
        short.data_files.clear();
        let error = read("d.hearth", &write(&short, &files()).unwrap()).unwrap_err();
        assert!(
            error.to_string().contains("lists 1 files but it holds 0"),
            "{error}"
        );
    }

    #[test]
    fn captured_classes_travel_with_their_names_and_files() {
        let mut set = CaptureSet::new(Source::Sound);
        assert!(set.add_sample(0, 1_u8, "blob:a".into()));
        assert!(set.add_named_sample(1, 2, "blob:b".into(), "dog bark?.MP3".into()));
        set.rename(1, "Bark / woof");
        let (captured, files) = captured_set(&set);
        assert_eq!(captured.source, "sound");
        assert_eq!(
            files,
            vec![
                ("samples/sound/0/0.wav".to_string(), 1),
                ("samples/sound/1/1-dog_bark_.MP3".to_string(), 2)
            ]
        );
        let manifest = Manifest {
            captures: vec![captured],
            session: SessionState::default(),
            data_files: Vec::new(),
            model: None,
            ..manifest()
        };
        let entries: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(name, byte)| (name.clone(), vec![*byte; 3]))
            .collect();
        let project = read("s.hearth", &write(&manifest, &entries).unwrap()).unwrap();
        let back = capture_set(&project, &project.manifest.captures[0], |file, bytes| {
            (bytes.to_vec(), format!("blob:{file}"))
        })
        .unwrap();
        assert_eq!(back.source, Source::Sound);
        assert_eq!(back.classes.len(), 2);
        assert_eq!(back.classes[1].name, "Bark / woof");
        assert_eq!(back.classes[1].samples[0].name, "dog bark?.MP3");
        assert_eq!(back.classes[1].samples[0].blob, vec![2; 3]);
        assert_eq!(back.classes[0].samples[0].url, "blob:samples/sound/0/0.wav");
        assert_eq!(media_type(&files[1].0), "audio/mpeg");
        assert_eq!(media_type("x.jpg"), "image/jpeg");
        assert_eq!(media_type("noextension"), "application/octet-stream");
        assert_eq!(safe_name("../../x"), "_.._x");
    }

    #[test]
    fn entries_outside_the_project_and_compressed_entries_are_refused() {
        let bytes = write(
            &manifest(),
            &[files(), vec![("../../etc/passwd".into(), b"x".to_vec())]].concat(),
        )
        .unwrap();
        let error = read("evil.hearth", &bytes).unwrap_err();
        assert!(
            error.to_string().contains("points outside the project"),
            "{error}"
        );
        // An entry that claims deflate: this build has no decompressor, so nothing expands.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let json = crate::browser::json::to_string(&manifest()).unwrap();
        zip.start_file(
            MANIFEST,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        zip.write_all(json.as_bytes()).unwrap();
        let mut bytes = zip.finish().unwrap().into_inner();
        // Compression method 8 (deflate) in the local header (at 8) and in the central
        // directory's (10 into it; the directory's offset is 16 into the end record).
        let end = bytes.len() - 22;
        let directory = u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap()) as usize;
        bytes[8] = 8;
        bytes[directory + 10] = 8;
        assert!(read("packed.hearth", &bytes).is_err());
    }
}
