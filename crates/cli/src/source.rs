//! The DATA argument: a CSV file, a folder of class-named image subfolders, or a built-in
//! set (`builtin:NAME`), read into the same data session the browser's engine uses.

use std::path::{Path, PathBuf};

use hearth_core::data::images::{ImageFile, ImageShape};
use hearth_core::data::session::DataSession;
use hearth_core::data::summary::{DataSummary, MAX_CSV_BYTES};
use hearth_core::protocol::FromEngine;

use crate::Failure;

/// Image file endings Hearth decodes.
const IMAGE_ENDINGS: [&str; 3] = ["png", "jpg", "jpeg"];

/// Reads `source` into a session; images are brought to `shape`. Returns the session and
/// what the engine said about the data (the summary and any notices).
pub fn load(
    source: &str,
    skip_ragged: bool,
    shape: ImageShape,
) -> Result<(DataSession, DataSummary), Failure> {
    let mut session = DataSession::default();
    let reply = if source.to_ascii_lowercase().starts_with("builtin:") {
        session.load_builtin(source)
    } else {
        let path = Path::new(source);
        if path.is_dir() {
            let files = image_files(path)?
                .into_iter()
                .map(|(relative, full)| {
                    std::fs::read(&full)
                        .map(|bytes| ImageFile::new(relative, bytes))
                        .map_err(|error| {
                            Failure::input(format!("cannot read {}: {error}", full.display()))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if files.is_empty() {
                return Err(Failure::input(format!(
                    "{source} holds no PNG or JPEG images. Give a folder with one subfolder of images per class."
                )));
            }
            session.load_images(&file_name(path), files, shape)
        } else {
            let bytes = read(path)?;
            if bytes.len() > MAX_CSV_BYTES {
                eprintln!(
                    "note: {source} is larger than the browser's limit; the command line reads it anyway"
                );
            }
            session.load_csv(&file_name(path), &bytes, skip_ragged, &mut |_| {})
        }
    };
    match reply {
        FromEngine::DataLoaded { summary, .. } => Ok((session, summary)),
        FromEngine::DataFailed {
            message,
            skippable_rows,
        } => Err(Failure::input(match skippable_rows {
            Some(_) => format!("{message} (--skip-ragged skips them)"),
            None => message,
        })),
        other => Err(Failure::internal(format!("unexpected reply {other:?}"))),
    }
}

/// Every PNG or JPEG file under `folder` (recursively, sorted by path), each with its
/// path relative to `folder` (so the last folder names the class) and its full path.
pub fn image_files(folder: &Path) -> Result<Vec<(String, PathBuf)>, Failure> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let entries = std::fs::read_dir(&directory).map_err(|error| {
            Failure::input(format!("cannot read {}: {error}", directory.display()))
        })?;
        for entry in entries {
            let path = entry
                .map_err(|error| {
                    Failure::input(format!("cannot read {}: {error}", directory.display()))
                })?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if is_image(&path) {
                let relative = path
                    .strip_prefix(folder)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((relative, path));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// Whether the file name ends like a PNG or JPEG image.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|ending| ending.to_str())
        .is_some_and(|ending| IMAGE_ENDINGS.contains(&ending.to_ascii_lowercase().as_str()))
}

/// A file's bytes, or a message that names it.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|error| Failure::input(format!("cannot read {}: {error}", path.display())))
}

/// The last part of a path, as users see it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Parses `28x28` (width x height).
pub fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let (width, height) = text
        .split_once(['x', 'X', '×'])
        .ok_or_else(|| format!("\"{text}\" is not a size like 28x28"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<u32>()
            .map_err(|_| format!("\"{text}\" is not a size like 28x28"))
    };
    Ok((number(width)?, number(height)?))
}
