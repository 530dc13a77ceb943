//! Image sets: reading a user's PNG and JPEG files into an [`ImageSet`] of one shape.
//!
//! Decisions, so that the page, the engine worker and the command line agree:
//! - **Classes.** A file's class is the one the user gave it by hand, else the name of the
//!   folder it is in (`"pets/cats/a.png"` is a cat). A file with neither (dropped loose)
//!   cannot be labelled: it is left out, with a message saying so, and the rest load.
//!   Classes are sorted in natural order (`"2"` before `"10"`); labels index into them, and
//!   the images of a class keep their paths' natural order, so a set loads the same way
//!   whatever order the browser lists the files in.
//! - **Size.** Each image is scaled to fit inside the shape, keeping its aspect ratio
//!   (triangle filter, which averages when shrinking and does not ring), centred, and the
//!   rest is filled with its background colour: the per-channel median of the scaled
//!   image's border pixels. Nothing is cropped, so a digit or an object near the edge stays
//!   whole and centred.
//! - **Colour.** Transparent pixels are composited on white before anything else (a drawing
//!   on a transparent canvas becomes dark strokes on white, as it looks on screen). Colours
//!   are never inverted: MNIST is a white digit on black, so a model trained on MNIST needs
//!   drawings in those colours, and Hearth does not guess. One channel is the luma of the
//!   sRGB values (Rec. 709 weights), three channels are RGB. EXIF orientation (photos from
//!   phones) is applied.
//! - **Limits.** An image over [`MAX_PIXELS`] (40 megapixels) is refused from its header,
//!   before its pixels are decoded, so a hostile file cannot exhaust memory.
//!
//! Their random augmentation for training is [`super::augment`].

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
#[cfg(feature = "decode")]
use std::io::{Cursor, ErrorKind};

use image::imageops::{self, FilterType};
#[cfg(feature = "decode")]
use image::metadata::Orientation;
use image::{DynamicImage, ImageBuffer, Luma, Pixel, Rgb};
#[cfg(feature = "decode")]
use image::{ImageDecoder, ImageError, ImageFormat, ImageReader};
use serde::{Deserialize, Serialize};

use super::{DataError, ImageSet};
use crate::model::spec::InputShape;

/// The largest image Hearth decodes, in pixels (width × height): 40 megapixels.
pub const MAX_PIXELS: u64 = 40_000_000;

/// The largest width or height an [`ImageShape`] may have.
pub const MAX_SIDE: u32 = 1024;

/// A file the user gave: its bytes, or (in the browser, which decodes images itself) its
/// pixels already brought to the set's shape.
#[derive(Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// The path as a file picker or a folder drop gives it: `"pets/cats/a.png"` or `"a.png"`.
    pub path: String,
    /// The class the user put the file into by hand; it wins over the folder name.
    pub class: Option<String>,
    /// What the file holds.
    pub content: ImageContent,
}

/// What an [`ImageFile`] holds.
#[derive(Clone, PartialEq, Eq)]
pub enum ImageContent {
    /// The file's bytes, decoded here (PNG or JPEG; the `decode` feature).
    Encoded(Vec<u8>),
    /// Its pixels, decoded elsewhere and brought to the set's shape by [`fit_decoded`].
    Fitted(Vec<u8>),
    /// It could not be read or decoded, for this reason (said for the user).
    Unreadable(String),
}

impl ImageFile {
    /// A file whose class comes from its folder.
    pub fn new(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            path: path.into(),
            class: None,
            content: ImageContent::Encoded(bytes),
        }
    }

    /// A file put into `class` by hand.
    pub fn with_class(path: impl Into<String>, class: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            path: path.into(),
            class: Some(class.into()),
            content: ImageContent::Encoded(bytes),
        }
    }

    /// The class this file belongs to: the explicit one, else its folder's name.
    pub fn resolved_class(&self) -> Option<String> {
        self.class
            .as_deref()
            .map(str::trim)
            .filter(|class| !class.is_empty())
            .map(str::to_owned)
            .or_else(|| class_from_path(&self.path))
    }
}

impl fmt::Debug for ImageFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageFile")
            .field("path", &self.path)
            .field("class", &self.class)
            .field(
                "content",
                &match &self.content {
                    ImageContent::Encoded(bytes) => format!("{} bytes", bytes.len()),
                    ImageContent::Fitted(pixels) => format!("{} pixel values", pixels.len()),
                    ImageContent::Unreadable(reason) => format!("unreadable: {reason}"),
                },
            )
            .finish()
    }
}

/// The size every image of a set is brought to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageShape {
    pub width: u32,
    pub height: u32,
    /// 1 (grayscale) or 3 (RGB).
    pub channels: u8,
}

impl ImageShape {
    /// MNIST's shape: 28×28 grayscale.
    pub const GRAY_28: ImageShape = ImageShape {
        width: 28,
        height: 28,
        channels: 1,
    };
    /// CIFAR's shape: 32×32 RGB.
    pub const RGB_32: ImageShape = ImageShape {
        width: 32,
        height: 32,
        channels: 3,
    };

    /// The shape of the images a model with `input` reads (`None` for a table model).
    pub fn read_by(input: InputShape) -> Option<ImageShape> {
        match input {
            InputShape::Image {
                height,
                width,
                channels,
            } => Some(ImageShape {
                width: width as u32,
                height: height as u32,
                channels: channels as u8,
            }),
            InputShape::Features { .. } => None,
        }
    }

    /// Bytes per image: `width * height * channels`.
    pub fn image_size(&self) -> usize {
        self.width as usize * self.height as usize * self.channels as usize
    }

    /// Why Hearth cannot bring images to this shape, if it cannot.
    fn unsupported(&self) -> Option<String> {
        if !(1..=MAX_SIDE).contains(&self.width) || !(1..=MAX_SIDE).contains(&self.height) {
            Some(format!(
                "the image size {}x{} is not supported: width and height must be 1 to {MAX_SIDE}",
                self.width, self.height
            ))
        } else if self.channels != 1 && self.channels != 3 {
            Some(format!(
                "{} channels are not supported: use 1 (grayscale) or 3 (RGB)",
                self.channels
            ))
        } else {
            None
        }
    }
}

/// A file left out of a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file's path, as given.
    pub file: String,
    /// The whole message for the user: it names the file and says what to do.
    pub reason: String,
}

/// The class a file's path implies: the name of the folder it is in.
///
/// `"pets/cats/a.png"` → `"cats"`; `"a.png"` → `None`. Both `/` and `\` separate folders;
/// empty and `.` parts are ignored.
pub fn class_from_path(path: &str) -> Option<String> {
    let mut parts = path
        .split(['/', '\\'])
        .map(str::trim)
        .filter(|part| !part.is_empty() && *part != ".");
    parts.next_back()?;
    let folder = parts.next_back()?;
    (folder != "..").then(|| folder.to_owned())
}

/// Reads `files` into one image set of `shape`.
///
/// Files that cannot be used (not PNG or JPEG, damaged, too large, without a class) are
/// left out and returned as [`Skipped`], each with a message for the user, as long as at
/// least one image loads. Errors: [`DataError::NoImages`] when no files are given;
/// [`DataError::Image`] for the first file when none of them could be read;
/// [`DataError::OneImageClass`] when the images that loaded have fewer than two classes.
pub fn load_images(
    name: &str,
    files: Vec<ImageFile>,
    shape: ImageShape,
) -> Result<(ImageSet, Vec<Skipped>), DataError> {
    if files.is_empty() {
        return Err(DataError::NoImages);
    }
    if let Some(reason) = shape.unsupported() {
        return Err(DataError::Image {
            file: name.to_owned(),
            reason,
        });
    }
    let total = files.len();
    let mut loaded: Vec<(String, String, Vec<u8>)> = Vec::new();
    let mut skipped = Vec::new();
    let mut first_failure: Option<(String, String)> = None;
    // Each file's bytes are dropped as soon as it is decoded.
    for file in files {
        let Some(class) = file.resolved_class() else {
            skipped.push(Skipped {
                reason: DataError::ImageNoClass {
                    file: file.path.clone(),
                }
                .to_string(),
                file: file.path,
            });
            continue;
        };
        let pixels = match file.content {
            ImageContent::Encoded(bytes) => decode_resize(&file.path, &bytes, shape),
            ImageContent::Fitted(pixels) if pixels.len() == shape.image_size() => Ok(pixels),
            ImageContent::Fitted(_) => {
                Err(unreadable(&file.path, "its pixels do not match the size"))
            }
            ImageContent::Unreadable(reason) => Err(unreadable(&file.path, reason)),
        };
        match pixels {
            Ok(pixels) => loaded.push((class, file.path, pixels)),
            Err(error) => {
                if let DataError::Image { file, reason } = &error {
                    first_failure.get_or_insert_with(|| (file.clone(), reason.clone()));
                }
                skipped.push(Skipped {
                    file: file.path,
                    reason: error.to_string(),
                });
            }
        }
    }
    if loaded.is_empty()
        && let Some((file, reason)) = first_failure
    {
        let reason = if total > 1 {
            format!("{reason}; none of the {total} files could be read")
        } else {
            reason
        };
        return Err(DataError::Image { file, reason });
    }

    let mut classes: Vec<String> = loaded.iter().map(|(class, _, _)| class.clone()).collect();
    classes.sort_by(|a, b| natural_cmp(a, b));
    classes.dedup();
    if classes.len() < 2 {
        return Err(DataError::OneImageClass {
            found: classes.len(),
        });
    }
    let index: BTreeMap<&str, u32> = classes
        .iter()
        .zip(0u32..)
        .map(|(class, label)| (class.as_str(), label))
        .collect();
    let mut labelled: Vec<(u32, String, Vec<u8>)> = loaded
        .into_iter()
        .map(|(class, path, pixels)| {
            (
                index.get(class.as_str()).copied().unwrap_or(0),
                path,
                pixels,
            )
        })
        .collect();
    // Stable: files with equal paths keep the order they were given in.
    labelled.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| natural_cmp(&a.1, &b.1)));

    let mut set = ImageSet {
        name: name.to_owned(),
        width: shape.width,
        height: shape.height,
        channels: shape.channels,
        classes: Vec::new(),
        labels: Vec::with_capacity(labelled.len()),
        pixels: Vec::with_capacity(labelled.len() * shape.image_size()),
        sound: None,
    };
    for (label, _, pixels) in labelled {
        set.labels.push(label);
        set.pixels.extend_from_slice(&pixels);
    }
    set.classes = classes;
    Ok((set, skipped))
}

/// Decodes one PNG or JPEG file and brings it to `shape` (fitted, centred, padded with its
/// background colour; transparency composited on white): `shape.image_size()` bytes,
/// row-major, channel-last.
#[cfg(feature = "decode")]
pub fn decode_resize(file: &str, bytes: &[u8], shape: ImageShape) -> Result<Vec<u8>, DataError> {
    if let Some(reason) = shape.unsupported() {
        return Err(unreadable(file, reason));
    }
    let image = decode(file, bytes)?;
    let (width, height, pixels) = flatten(image, shape.channels);
    fit(file, width, height, pixels, shape)
}

/// Without the `decode` feature (the browser engine, where the browser decodes), encoded
/// bytes cannot be read here.
#[cfg(not(feature = "decode"))]
pub fn decode_resize(file: &str, _bytes: &[u8], _shape: ImageShape) -> Result<Vec<u8>, DataError> {
    Err(unreadable(
        file,
        "this build of Hearth has the browser decode images, and it was not asked to",
    ))
}

/// An image decoded elsewhere (the browser's `createImageBitmap`): 8-bit RGBA, not
/// premultiplied, row-major, its orientation applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

/// Brings a decoded image to `shape` exactly as [`decode_resize`] brings a file it decoded
/// itself (the same compositing on white, luma, fitting and padding).
pub fn fit_decoded(file: &str, decoded: Decoded, shape: ImageShape) -> Result<Vec<u8>, DataError> {
    if let Some(reason) = shape.unsupported() {
        return Err(unreadable(file, reason));
    }
    let Decoded {
        width,
        height,
        rgba,
    } = decoded;
    check_size(file, width, height)?;
    let image = image::RgbaImage::from_raw(width, height, rgba)
        .ok_or_else(|| unreadable(file, "its pixels do not match its size"))?;
    let (width, height, pixels) = flatten(DynamicImage::ImageRgba8(image), shape.channels);
    fit(file, width, height, pixels, shape)
}

/// Refuses an image of `width` × `height` with no pixels, or over [`MAX_PIXELS`], with
/// a message for the user.
pub fn check_size(file: &str, width: u32, height: u32) -> Result<(), DataError> {
    if width == 0 || height == 0 {
        return Err(unreadable(
            file,
            format!("it has no pixels ({width}x{height})"),
        ));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PIXELS {
        return Err(unreadable(
            file,
            format!(
                "it is {width}x{height} pixels, {:.1} megapixels, and Hearth reads images of up to {} \
             megapixels: make it smaller first",
                pixels as f64 / 1e6,
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// `file` cannot be read as an image, for `reason`.
fn unreadable(file: &str, reason: impl Into<String>) -> DataError {
    DataError::Image {
        file: file.to_owned(),
        reason: reason.into(),
    }
}

/// Decodes PNG or JPEG bytes, refusing images over [`MAX_PIXELS`] from their header.
#[cfg(feature = "decode")]
fn decode(file: &str, bytes: &[u8]) -> Result<DynamicImage, DataError> {
    if bytes.is_empty() {
        return Err(unreadable(file, "the file is empty".to_owned()));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| unreadable(file, error.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        Some(other) => {
            let name = other
                .extensions_str()
                .first()
                .map(|extension| extension.to_uppercase())
                .unwrap_or_else(|| format!("{other:?}"));
            return Err(unreadable(
                file,
                format!("it is in the {name} format; Hearth reads PNG and JPEG files here"),
            ));
        }
        None => {
            return Err(unreadable(
                file,
                "its contents are not a PNG or JPEG image".to_owned(),
            ));
        }
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|error| unreadable(file, describe(error)))?;
    let (width, height) = decoder.dimensions();
    check_size(file, width, height)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image =
        DynamicImage::from_decoder(decoder).map_err(|error| unreadable(file, describe(error)))?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A decoder's error, said for the user.
#[cfg(feature = "decode")]
fn describe(error: ImageError) -> String {
    match error {
        ImageError::Limits(_) => "it needs more memory to decode than Hearth allows".to_owned(),
        ImageError::Unsupported(error) => {
            format!("it uses a kind of PNG or JPEG that Hearth cannot read: {error}")
        }
        ImageError::IoError(error) if error.kind() == ErrorKind::UnexpectedEof => {
            "it is cut short: the file ends before the image does".to_owned()
        }
        other => format!("it is damaged or incomplete: {other}"),
    }
}

/// The image as 8-bit luma (1 channel) or RGB (otherwise), transparency composited on white.
fn flatten(image: DynamicImage, channels: u8) -> (u32, u32, Vec<u8>) {
    let (width, height) = (image.width(), image.height());
    let has_alpha = image.color().has_alpha();
    let pixels = match (channels, has_alpha) {
        (1, false) => image.into_luma8().into_raw(),
        (1, true) => image
            .into_luma_alpha8()
            .into_raw()
            .chunks_exact(2)
            .map(|p| over_white(p[0], p[1]))
            .collect(),
        (_, false) => image.into_rgb8().into_raw(),
        (_, true) => image
            .into_rgba8()
            .into_raw()
            .chunks_exact(4)
            .flat_map(|p| {
                [
                    over_white(p[0], p[3]),
                    over_white(p[1], p[3]),
                    over_white(p[2], p[3]),
                ]
            })
            .collect(),
    };
    (width, height, pixels)
}

/// `value` with opacity `alpha`, over white.
fn over_white(value: u8, alpha: u8) -> u8 {
    let (value, alpha) = (u32::from(value), u32::from(alpha));
    ((value * alpha + 255 * (255 - alpha) + 127) / 255) as u8
}

/// Scales the image to fit `shape` (aspect ratio kept), centres it and fills the rest with
/// the per-channel median of the scaled image's border.
fn fit(
    file: &str,
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    shape: ImageShape,
) -> Result<Vec<u8>, DataError> {
    let (target_width, target_height) = (shape.width, shape.height);
    let scale = f64::min(
        f64::from(target_width) / f64::from(width),
        f64::from(target_height) / f64::from(height),
    );
    let fitted_width = ((f64::from(width) * scale).round() as u32).clamp(1, target_width);
    let fitted_height = ((f64::from(height) * scale).round() as u32).clamp(1, target_height);
    let fitted = if shape.channels == 1 {
        resize::<Luma<u8>>(width, height, pixels, fitted_width, fitted_height)
            .ok_or_else(|| unreadable(file, "its pixels do not match its size"))?
    } else {
        resize::<Rgb<u8>>(width, height, pixels, fitted_width, fitted_height)
            .ok_or_else(|| unreadable(file, "its pixels do not match its size"))?
    };
    if (fitted_width, fitted_height) == (target_width, target_height) {
        return Ok(fitted);
    }

    let channels = shape.channels as usize;
    let (fw, fh) = (fitted_width as usize, fitted_height as usize);
    let (tw, th) = (target_width as usize, target_height as usize);
    let background = border_median(&fitted, fw, fh, channels);
    let mut out: Vec<u8> = background
        .iter()
        .copied()
        .cycle()
        .take(tw * th * channels)
        .collect();
    let (left, top) = ((tw - fw) / 2, (th - fh) / 2);
    for (y, row) in fitted.chunks_exact(fw * channels).enumerate() {
        let start = ((top + y) * tw + left) * channels;
        out[start..start + row.len()].copy_from_slice(row);
    }
    Ok(out)
}

fn resize<P: Pixel<Subpixel = u8> + 'static>(
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    new_width: u32,
    new_height: u32,
) -> Option<Vec<u8>> {
    if (width, height) == (new_width, new_height) {
        return Some(pixels);
    }
    let image = ImageBuffer::<P, Vec<u8>>::from_raw(width, height, pixels)?;
    Some(imageops::resize(&image, new_width, new_height, FilterType::Triangle).into_raw())
}

/// The per-channel median of the pixels on the image's border.
fn border_median(pixels: &[u8], width: usize, height: usize, channels: usize) -> Vec<u8> {
    let on_border = |x: usize, y: usize| x == 0 || y == 0 || x + 1 == width || y + 1 == height;
    (0..channels)
        .map(|channel| {
            let mut values: Vec<u8> = (0..height)
                .flat_map(|y| (0..width).map(move |x| (x, y)))
                .filter(|&(x, y)| on_border(x, y))
                .map(|(x, y)| pixels[(y * width + x) * channels + channel])
                .collect();
            values.sort_unstable();
            values.get(values.len() / 2).copied().unwrap_or(0)
        })
        .collect()
}

/// Image `index` of the set as RGBA bytes (`width * height * 4`, opaque), for drawing a
/// thumbnail on a canvas. Empty when `index` is out of range.
pub fn to_rgba(set: &ImageSet, index: usize) -> Vec<u8> {
    if index >= set.len() {
        return Vec::new();
    }
    let size = set.image_size();
    let Some(pixels) = index
        .checked_mul(size)
        .and_then(|start| set.pixels.get(start..start + size))
    else {
        return Vec::new();
    };
    match set.channels {
        1 => pixels.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        2 => pixels
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        3 => pixels
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        4 => pixels.to_vec(),
        _ => Vec::new(),
    }
}

/// Natural order: runs of digits compare as numbers (`"2"` < `"10"`), letters without
/// regard to case; ties are broken by the plain byte order, so the order is total.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut left, mut right) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (left.peek().copied(), right.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(l), Some(r)) if l.is_ascii_digit() && r.is_ascii_digit() => {
                let take_number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        digits.push(digit);
                    }
                    digits
                };
                let (l, r) = (take_number(&mut left), take_number(&mut right));
                let (l, r) = (l.trim_start_matches('0'), r.trim_start_matches('0'));
                let order = l.len().cmp(&r.len()).then_with(|| l.cmp(r));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(l), Some(r)) => {
                let order = l.to_lowercase().cmp(r.to_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                left.next();
                right.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgb, RgbImage, Rgba, RgbaImage};

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    fn gray_png(width: u32, height: u32, f: impl Fn(u32, u32) -> u8) -> Vec<u8> {
        let image = GrayImage::from_fn(width, height, |x, y| Luma([f(x, y)]));
        encode(DynamicImage::ImageLuma8(image), ImageFormat::Png)
    }

    fn solid_png(value: u8) -> Vec<u8> {
        gray_png(8, 8, |_, _| value)
    }

    fn rgb_jpeg(width: u32, height: u32, colour: [u8; 3]) -> Vec<u8> {
        let image = RgbImage::from_pixel(width, height, Rgb(colour));
        encode(DynamicImage::ImageRgb8(image), ImageFormat::Jpeg)
    }

    fn at(pixels: &[u8], shape: ImageShape, x: u32, y: u32) -> &[u8] {
        let c = shape.channels as usize;
        let start = ((y * shape.width + x) as usize) * c;
        &pixels[start..start + c]
    }

    #[test]
    fn decodes_and_resizes_gray_and_rgb() {
        let png = encode(
            DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 40, Rgb([255, 0, 0]))),
            ImageFormat::Png,
        );
        let gray = decode_resize("red.png", &png, ImageShape::GRAY_28).unwrap();
        assert_eq!(gray.len(), 28 * 28);
        // Rec. 709 luma of pure red: 0.2126 * 255.
        assert!(
            gray.iter().all(|&v| v.abs_diff(54) <= 1),
            "{:?}",
            &gray[..4]
        );
        let rgb = decode_resize("red.png", &png, ImageShape::RGB_32).unwrap();
        assert_eq!(rgb.len(), 32 * 32 * 3);
        assert!(rgb.chunks_exact(3).all(|p| p == [255, 0, 0]));

        let jpeg = rgb_jpeg(50, 50, [0, 0, 200]);
        let rgb = decode_resize("blue.jpg", &jpeg, ImageShape::RGB_32).unwrap();
        assert_eq!(rgb.len(), 32 * 32 * 3);
        let p = at(&rgb, ImageShape::RGB_32, 16, 16);
        assert!(p[0] < 20 && p[1] < 20 && p[2].abs_diff(200) < 20, "{p:?}");
        let gray = decode_resize("blue.jpg", &jpeg, ImageShape::GRAY_28).unwrap();
        assert_eq!(gray.len(), 28 * 28);

        // Upscaling a small image works too, and other shapes.
        let small = gray_png(7, 7, |x, _| if x < 3 { 0 } else { 255 });
        let shape = ImageShape {
            width: 14,
            height: 10,
            channels: 3,
        };
        assert_eq!(
            decode_resize("s.png", &small, shape).unwrap().len(),
            14 * 10 * 3
        );
    }

    #[test]
    fn pixels_decoded_elsewhere_are_brought_to_the_shape_as_decoded_files_are() {
        // Half-transparent strokes on a transparent, then an opaque, background: 37x23.
        let image = RgbaImage::from_fn(37, 23, |x, y| {
            let alpha = if (x + y) % 3 == 0 { 128 } else { (x * 7) as u8 };
            Rgba([(x * 6) as u8, (y * 11) as u8, 90, alpha])
        });
        let png = encode(DynamicImage::ImageRgba8(image.clone()), ImageFormat::Png);
        let decoded = Decoded {
            width: 37,
            height: 23,
            rgba: image.into_raw(),
        };
        for shape in [ImageShape::GRAY_28, ImageShape::RGB_32] {
            assert_eq!(
                fit_decoded("a.png", decoded.clone(), shape).unwrap(),
                decode_resize("a.png", &png, shape).unwrap()
            );
        }
        let cut = Decoded {
            rgba: vec![0; 10],
            ..decoded
        };
        assert!(
            fit_decoded("cut.png", cut, ImageShape::GRAY_28)
                .unwrap_err()
                .to_string()
                .contains("its pixels do not match its size")
        );
        let huge = check_size("huge.png", 8000, 6000).unwrap_err().to_string();
        assert!(huge.contains("48.0 megapixels"), "{huge}");

        // In a set: fitted pixels join as they are, an unreadable file is named and left out.
        let shape = ImageShape::GRAY_28;
        let file = |path: &str, content| ImageFile {
            path: path.to_string(),
            class: None,
            content,
        };
        let files = vec![
            file("a/1.png", ImageContent::Fitted(vec![10; 28 * 28])),
            file("b/2.png", ImageContent::Fitted(vec![200; 28 * 28])),
            file("b/3.webp", ImageContent::Fitted(vec![1; 5])),
            file(
                "b/4.png",
                ImageContent::Unreadable("it is damaged".to_string()),
            ),
        ];
        let (set, skipped) = load_images("set", files, shape).unwrap();
        assert_eq!(
            (set.len(), set.classes.clone()),
            (2, vec!["a".to_string(), "b".to_string()])
        );
        assert_eq!(&set.pixels[28 * 28..28 * 28 + 2], [200, 200]);
        let reasons: Vec<&str> = skipped
            .iter()
            .map(|skipped| skipped.reason.as_str())
            .collect();
        assert_eq!(reasons.len(), 2);
        assert!(reasons[0].starts_with("b/3.webp") && reasons[0].contains("do not match the size"));
        assert!(
            reasons[1].starts_with("b/4.png") && reasons[1].ends_with("(it is damaged)."),
            "{reasons:?}"
        );
    }

    #[test]
    fn keeps_the_aspect_ratio_and_pads_with_the_background() {
        let shape = ImageShape {
            width: 30,
            height: 30,
            channels: 1,
        };
        // 60x20, background 200, a dark 10x10 square in the middle.
        let wide = gray_png(60, 20, |x, y| {
            if (25..35).contains(&x) && (5..15).contains(&y) {
                0
            } else {
                200
            }
        });
        let out = decode_resize("wide.png", &wide, shape).unwrap();
        // Scaled to 30x10 at rows 10..20; the pad is the background.
        for x in 0..30 {
            assert_eq!(at(&out, shape, x, 0)[0], 200);
            assert_eq!(at(&out, shape, x, 9)[0], 200);
            assert_eq!(at(&out, shape, x, 20)[0], 200);
            assert_eq!(at(&out, shape, x, 29)[0], 200);
        }
        // The square stays square and centred: about 5x5 around (15, 15).
        assert!(at(&out, shape, 15, 15)[0] < 40);
        assert!(at(&out, shape, 14, 14)[0] < 40);
        assert!(at(&out, shape, 15, 11)[0] > 160);
        assert!(at(&out, shape, 11, 15)[0] > 160);
        assert!(at(&out, shape, 19, 15)[0] > 160);

        // A tall image is centred left to right, on a black background here.
        let tall = gray_png(20, 60, |x, y| {
            if (5..15).contains(&x) && (25..35).contains(&y) {
                255
            } else {
                0
            }
        });
        let out = decode_resize("tall.png", &tall, shape).unwrap();
        for y in 0..30 {
            assert_eq!(at(&out, shape, 0, y)[0], 0);
            assert_eq!(at(&out, shape, 29, y)[0], 0);
        }
        assert!(at(&out, shape, 15, 15)[0] > 200);
        assert!(at(&out, shape, 15, 11)[0] < 60);
    }

    #[test]
    fn composites_transparency_on_white() {
        // A transparent canvas (transparent black, as canvases save it) with a black stroke
        // and a half-transparent black square.
        let image = RgbaImage::from_fn(28, 28, |x, y| {
            if (13..15).contains(&x) && (4..24).contains(&y) {
                Rgba([0, 0, 0, 255])
            } else if x < 4 && y < 4 {
                Rgba([0, 0, 0, 128])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let png = encode(DynamicImage::ImageRgba8(image), ImageFormat::Png);
        let gray = decode_resize("drawn.png", &png, ImageShape::GRAY_28).unwrap();
        let shape = ImageShape::GRAY_28;
        assert_eq!(
            at(&gray, shape, 20, 20)[0],
            255,
            "transparent is white, not inverted"
        );
        assert_eq!(at(&gray, shape, 13, 10)[0], 0, "the stroke stays dark");
        assert_eq!(
            at(&gray, shape, 1, 1)[0],
            127,
            "half transparent black is mid gray"
        );

        let rgb = decode_resize("drawn.png", &png, ImageShape::RGB_32).unwrap();
        assert_eq!(at(&rgb, ImageShape::RGB_32, 28, 28), [255, 255, 255]);
        assert_eq!(at(&rgb, ImageShape::RGB_32, 16, 16), [0, 0, 0]);
    }

    #[test]
    fn class_comes_from_the_folder_or_by_hand() {
        assert_eq!(class_from_path("pets/cats/a.png").as_deref(), Some("cats"));
        assert_eq!(class_from_path("dogs/b.jpg").as_deref(), Some("dogs"));
        assert_eq!(
            class_from_path("C:\\pets\\dogs\\b.jpg").as_deref(),
            Some("dogs")
        );
        assert_eq!(class_from_path("a.png"), None);
        assert_eq!(class_from_path("/a.png"), None);
        assert_eq!(class_from_path("./a.png"), None);
        assert_eq!(class_from_path("../a.png"), None);
        assert_eq!(
            ImageFile::with_class("cats/a.png", " dogs ", vec![])
                .resolved_class()
                .as_deref(),
            Some("dogs")
        );
        assert_eq!(
            ImageFile::with_class("cats/a.png", "", vec![])
                .resolved_class()
                .as_deref(),
            Some("cats")
        );
    }

    #[test]
    fn classes_sort_naturally_and_images_by_path() {
        let files = vec![
            ImageFile::new("digits/10/b.png", solid_png(10)),
            ImageFile::new("digits/2/img10.png", solid_png(21)),
            ImageFile::new("digits/2/img2.png", solid_png(22)),
            ImageFile::new("digits/1/a.png", solid_png(1)),
            ImageFile::with_class("loose.png", "10", solid_png(11)),
        ];
        let (set, skipped) = load_images("digits", files, ImageShape::GRAY_28).unwrap();
        assert!(skipped.is_empty());
        assert_eq!(set.name, "digits");
        assert_eq!((set.width, set.height, set.channels), (28, 28, 1));
        assert_eq!(set.classes, ["1", "2", "10"]);
        assert_eq!(set.labels, [0, 1, 1, 2, 2]);
        assert_eq!(set.pixels.len(), 5 * 28 * 28);
        let firsts: Vec<u8> = (0..set.len()).map(|i| set.image(i)[0]).collect();
        // Within class "2", img2 before img10; within "10", b.png before loose.png.
        assert_eq!(firsts, [1, 22, 21, 10, 11]);
        assert_eq!(set.counts(), [1, 2, 2]);

        let mut names = vec!["b", "A", "a", "x10", "x9", "x09", "a2b", "a10b"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["A", "a", "a2b", "a10b", "b", "x09", "x9", "x10"]);
    }

    fn png_with_size(width: u32, height: u32) -> Vec<u8> {
        // A real PNG whose header claims another size (with a correct checksum).
        fn crc32(bytes: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &byte in bytes {
                crc ^= u32::from(byte);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut bytes = solid_png(0);
        assert_eq!(&bytes[12..16], b"IHDR");
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn bad_files_are_skipped_with_a_reason() {
        let png = solid_png(100);
        let truncated = png[..png.len() / 2].to_vec();
        let noise: Vec<u8> = (0..500u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let files = vec![
            ImageFile::new("set/a/good.png", png.clone()),
            ImageFile::new("set/a/noise.png", noise),
            ImageFile::new("set/a/cut.png", truncated),
            ImageFile::new("set/b/readme.png", b"This is not an image.\n".to_vec()),
            ImageFile::new("set/b/empty.png", Vec::new()),
            ImageFile::new("set/b/huge.png", png_with_size(10_000, 5_000)),
            ImageFile::new(
                "set/b/gif.png",
                b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            ),
            ImageFile::new("loose.png", png.clone()),
            ImageFile::new("set/b/good.jpg", rgb_jpeg(10, 10, [9, 9, 9])),
        ];
        let (set, skipped) = load_images("set", files, ImageShape::GRAY_28).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.classes, ["a", "b"]);
        let names: Vec<&str> = skipped.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            names,
            [
                "set/a/noise.png",
                "set/a/cut.png",
                "set/b/readme.png",
                "set/b/empty.png",
                "set/b/huge.png",
                "set/b/gif.png",
                "loose.png"
            ]
        );
        for skip in &skipped {
            assert!(skip.reason.contains(&skip.file), "{skip:?}");
        }
        for skip in &skipped[..6] {
            assert!(
                skip.reason.contains("could not be read as an image ("),
                "{skip:?}"
            );
        }
        assert!(skipped[1].reason.contains("cut short") || skipped[1].reason.contains("damaged"));
        assert!(
            skipped[4].reason.contains("40 megapixels"),
            "{:?}",
            skipped[4]
        );
        assert!(skipped[5].reason.contains("GIF"), "{:?}", skipped[5]);
        assert!(
            skipped[6].reason.contains("class folder"),
            "{:?}",
            skipped[6]
        );
        for skip in &skipped {
            println!("{}", skip.reason);
        }
    }

    #[test]
    fn nothing_readable_is_an_error() {
        let files = vec![
            ImageFile::new("x/a.png", b"hello".to_vec()),
            ImageFile::new("y/b.png", vec![0x89, b'P', b'N', b'G']),
        ];
        let error = load_images("x", files, ImageShape::GRAY_28).unwrap_err();
        match &error {
            DataError::Image { file, reason } => {
                assert_eq!(file, "x/a.png");
                assert!(reason.contains("none of the 2 files"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            error.to_string().contains("not a PNG or JPEG image"),
            "{error}"
        );

        assert_eq!(
            load_images("x", vec![], ImageShape::GRAY_28),
            Err(DataError::NoImages)
        );
        let one = vec![
            ImageFile::new("cats/a.png", solid_png(1)),
            ImageFile::new("cats/b.png", solid_png(2)),
            ImageFile::new("dogs/c.png", b"broken".to_vec()),
        ];
        assert_eq!(
            load_images("x", one, ImageShape::GRAY_28),
            Err(DataError::OneImageClass { found: 1 })
        );
        let loose = vec![ImageFile::new("a.png", solid_png(1))];
        assert_eq!(
            load_images("x", loose, ImageShape::GRAY_28),
            Err(DataError::OneImageClass { found: 0 })
        );
        let bad_shape = ImageShape {
            width: 0,
            height: 28,
            channels: 1,
        };
        let files = vec![ImageFile::new("a/a.png", solid_png(1))];
        assert!(matches!(
            load_images("x", files, bad_shape),
            Err(DataError::Image { .. })
        ));
    }

    #[test]
    fn rgba_for_thumbnails() {
        let gray = ImageSet {
            name: "g".into(),
            width: 2,
            height: 1,
            channels: 1,
            classes: vec!["a".into(), "b".into()],
            labels: vec![0, 1],
            pixels: vec![10, 20, 30, 40],
            sound: None,
        };
        assert_eq!(to_rgba(&gray, 1), [30, 30, 30, 255, 40, 40, 40, 255]);
        assert!(to_rgba(&gray, 2).is_empty());
        let rgb = ImageSet {
            channels: 3,
            labels: vec![0],
            pixels: vec![1, 2, 3, 4, 5, 6],
            ..gray
        };
        let rgba = to_rgba(&rgb, 0);
        assert_eq!(rgba.len(), 2 * 4);
        assert_eq!(rgba, [1, 2, 3, 255, 4, 5, 6, 255]);
    }
}
