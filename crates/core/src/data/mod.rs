//! Data: reading tables (CSV) and image sets, inferring column types, column roles and
//! the privacy scan, preprocessing into model inputs, and the built-in sets.
//!
//! Everything here is plain Rust without tensors, so the engine worker, the command
//! line and the native tests share it. The page uses only the summary types.

#[cfg(feature = "ingest")]
pub mod augment;
#[cfg(feature = "ingest")]
pub mod builtin;
pub mod catalog;
#[cfg(feature = "ingest")]
pub mod csv;
pub mod error;
#[cfg(feature = "ingest")]
pub mod images;
#[cfg(feature = "ingest")]
pub mod infer;
#[cfg(feature = "ingest")]
pub mod prep;
#[cfg(feature = "ingest")]
pub mod privacy;
#[cfg(feature = "ingest")]
pub mod session;
pub mod summary;
pub mod table;
#[cfg(feature = "ingest")]
mod target;

pub use error::DataError;
pub use table::{Table, TextColumn};

/// A data set as loaded, before preprocessing.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    /// Rows and named columns of text, as read from a CSV file or generated.
    Table(Table),
    /// Labelled images, already decoded and resized to one shape.
    Images(ImageSet),
}

impl Dataset {
    /// The name users see (the file name or the built-in set's name).
    pub fn name(&self) -> &str {
        match self {
            Dataset::Table(table) => &table.name,
            Dataset::Images(images) => &images.name,
        }
    }

    /// How many examples (rows or images) the set holds.
    pub fn len(&self) -> usize {
        match self {
            Dataset::Table(table) => table.rows(),
            Dataset::Images(images) => images.len(),
        }
    }

    /// Whether the set holds no examples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Labelled images of one size, pixels stored row-major as bytes (0-255), channel-last.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImageSet {
    pub name: String,
    pub width: u32,
    pub height: u32,
    /// 1 (grayscale) or 3 (RGB).
    pub channels: u8,
    /// The class names, in label order.
    pub classes: Vec<String>,
    /// One label per image, an index into `classes`.
    pub labels: Vec<u32>,
    /// `len() * width * height * channels` bytes.
    pub pixels: Vec<u8>,
    /// Set when the images are sounds' spectrograms ([`crate::sound`]): how they were made.
    pub sound: Option<crate::sound::SoundFeatures>,
}

impl ImageSet {
    /// The number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Bytes per image.
    pub fn image_size(&self) -> usize {
        self.width as usize * self.height as usize * self.channels as usize
    }

    /// The pixels of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        let size = self.image_size();
        &self.pixels[index * size..(index + 1) * size]
    }

    /// How many images each class has, in class order.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes.len()];
        for &label in &self.labels {
            if let Some(count) = counts.get_mut(label as usize) {
                *count += 1;
            }
        }
        counts
    }
}
