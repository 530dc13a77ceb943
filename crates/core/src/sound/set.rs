//! Sound files into a set of spectrograms, and a recording into one model input.

#[cfg(feature = "sound-decode")]
use super::decode;
use super::mel::as_input;
use super::{MelSpectrogram, SoundFeatures, clips, resample};
use crate::data::images::{ImageContent, ImageFile, Skipped, load_images};
use crate::data::{DataError, ImageSet};

/// A sound file the user gave (or a clip the page recorded, as WAV).
#[derive(Clone, PartialEq, Eq)]
pub struct SoundFile {
    /// The file's name or path.
    pub path: String,
    /// Its class, as the user chose it (else its folder's name).
    pub class: Option<String>,
    pub bytes: Vec<u8>,
}

/// What decoding a sound file gave: its mono samples and their rate, or why it could not be
/// read, in words for the user.
pub type Decoded = Result<(Vec<f32>, u32), String>;

/// A sound file once decoded (the browser's engine decodes in a worker of its own, fetched
/// only when sounds are loaded: see `crates/decoder`).
#[derive(Clone, PartialEq)]
pub struct DecodedSound {
    /// The file's name or path.
    pub path: String,
    /// Its class, as the user chose it (else its folder's name).
    pub class: Option<String>,
    pub sound: Decoded,
}

/// Decodes `files`, cuts each into one-second clips and makes them one set of spectrogram
/// images ([`ImageSet::sound`] says so). A file that cannot be decoded is left out with a
/// message naming it, and the rest load; a set with none, or with one class, is an error.
#[cfg(feature = "sound-decode")]
pub fn load_sounds(
    name: &str,
    files: Vec<SoundFile>,
) -> Result<(ImageSet, Vec<Skipped>), DataError> {
    let decoded = files
        .into_iter()
        .map(|file| DecodedSound {
            sound: decode(&file.path, &file.bytes),
            path: file.path,
            class: file.class,
        })
        .collect();
    load_decoded(name, decoded)
}

/// [`load_sounds`] for files decoded already.
pub fn load_decoded(
    name: &str,
    files: Vec<DecodedSound>,
) -> Result<(ImageSet, Vec<Skipped>), DataError> {
    let features = SoundFeatures::STANDARD;
    let mel = MelSpectrogram::new(features);
    let mut images = Vec::new();
    let mut skipped = Vec::new();
    let mut first_failure = None;
    let total = files.len();
    for file in files {
        match spectrograms(&mel, file.sound) {
            Ok(clips) => {
                let count = clips.len();
                for (second, pixels) in clips.into_iter().enumerate() {
                    images.push(ImageFile {
                        path: if count == 1 {
                            file.path.clone()
                        } else {
                            format!("{}, second {}", file.path, second + 1)
                        },
                        class: file.class.clone(),
                        content: ImageContent::Fitted(pixels),
                    });
                }
            }
            Err(reason) => {
                let error = DataError::Sound {
                    file: file.path.clone(),
                    reason,
                };
                skipped.push(Skipped {
                    file: file.path,
                    reason: error.to_string(),
                });
                first_failure.get_or_insert(error);
            }
        }
    }
    if images.is_empty() {
        return Err(match first_failure {
            Some(DataError::Sound { file, reason }) if total > 1 => DataError::Sound {
                file,
                reason: format!("{reason}; none of the {total} files could be read"),
            },
            Some(error) => error,
            None => DataError::NoSounds,
        });
    }
    let (mut set, more) =
        load_images(name, images, features.image_shape()).map_err(|error| match error {
            DataError::NoImages => DataError::NoSounds,
            DataError::OneImageClass { found } => DataError::OneSoundClass { found },
            other => other,
        })?;
    set.sound = Some(features);
    skipped.extend(more);
    Ok((set, skipped))
}

/// The spectrogram images of the clips of one sound file.
fn spectrograms(mel: &MelSpectrogram, sound: Decoded) -> Result<Vec<Vec<u8>>, String> {
    let features = mel.features();
    let (samples, rate) = sound?;
    let samples = resample(&samples, rate, features.sample_rate)?;
    Ok(clips(&samples, &features)
        .iter()
        .map(|clip| mel.pixels(clip))
        .collect())
}

/// The model input for a sound file: its loudest second (a file may hold silence around
/// the sound).
#[cfg(feature = "sound-decode")]
pub fn file_input(name: &str, bytes: &[u8]) -> Result<Vec<f32>, DataError> {
    decoded_input(name, decode(name, bytes))
}

/// [`file_input`] for the file `name` decoded already.
pub fn decoded_input(name: &str, sound: Decoded) -> Result<Vec<f32>, DataError> {
    let features = SoundFeatures::STANDARD;
    let failed = |reason: String| DataError::Sound {
        file: name.to_string(),
        reason,
    };
    let (samples, rate) = sound.map_err(failed)?;
    let samples = resample(&samples, rate, features.sample_rate).map_err(failed)?;
    let loudest = clips(&samples, &features)
        .into_iter()
        .max_by(|a, b| energy(a).total_cmp(&energy(b)))
        .ok_or_else(|| failed("it holds no samples".to_string()))?;
    Ok(as_input(&MelSpectrogram::new(features).pixels(&loudest)))
}

fn energy(clip: &[f32]) -> f32 {
    clip.iter().map(|s| s * s).sum()
}

#[cfg(all(test, feature = "sound-decode"))]
mod tests {
    use super::*;
    use crate::sound::decode::tests::wav;
    use crate::sound::recording_input;

    fn tone(hz: f32, seconds: f32, rate: u32) -> Vec<i16> {
        (0..(seconds * rate as f32) as usize)
            .map(|n| {
                let t = n as f32 / rate as f32;
                (12_000.0 * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
            })
            .collect()
    }

    fn file(path: &str, class: &str, bytes: Vec<u8>) -> SoundFile {
        SoundFile {
            path: path.to_string(),
            class: Some(class.to_string()),
            bytes,
        }
    }

    #[test]
    fn files_become_one_second_spectrograms_and_a_broken_one_is_named() {
        let files = vec![
            file("low.wav", "low", wav(&tone(300.0, 2.2, 16_000), 16_000, 1)),
            file(
                "high.wav",
                "high",
                wav(&tone(3000.0, 1.0, 44_100), 44_100, 1),
            ),
            file("broken.mp3", "high", b"ID3 nothing else".to_vec()),
        ];
        let (set, skipped) = load_sounds("sounds", files).unwrap();
        assert_eq!(set.sound, Some(SoundFeatures::STANDARD));
        assert_eq!((set.width, set.height, set.channels), (32, 32, 1));
        assert_eq!(set.classes, ["high", "low"]);
        // 2.2 s is two clips (the last 0.2 s is left out), 1 s one.
        assert_eq!(set.counts(), [1, 2]);
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0]
                .reason
                .starts_with("broken.mp3 could not be read as a sound (")
        );
        assert!(skipped[0].reason.contains("WAV, FLAC, Ogg Vorbis and MP3"));
        // The tones' rows differ: the low tone is bright lower down the image.
        let brightest_row = |index: usize| {
            let image = set.image(index);
            (0..32).max_by_key(|&row| image[row * 32 + 16]).unwrap()
        };
        assert!(brightest_row(1) > brightest_row(0));
    }

    #[test]
    fn nothing_readable_or_one_class_is_an_error_in_words() {
        let error = load_sounds("s", vec![file("a.ogg", "a", b"OggS".to_vec())]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("a.ogg could not be read as a sound")
        );
        let one = vec![
            file("a.wav", "a", wav(&tone(300.0, 1.0, 8000), 8000, 1)),
            file("b.wav", "a", wav(&tone(600.0, 1.0, 8000), 8000, 1)),
        ];
        assert_eq!(
            load_sounds("s", one).unwrap_err(),
            DataError::OneSoundClass { found: 1 }
        );
        assert_eq!(load_sounds("s", vec![]).unwrap_err(), DataError::NoSounds);
    }

    #[test]
    fn a_recording_and_a_file_give_the_input_of_their_clip() {
        let samples: Vec<f32> = tone(500.0, 1.0, 16_000)
            .iter()
            .map(|&s| f32::from(s) / 32768.0)
            .collect();
        let live = recording_input(&samples, 16_000).unwrap();
        let mel = MelSpectrogram::new(SoundFeatures::STANDARD);
        assert_eq!(live, as_input(&mel.pixels(&samples)));
        // Half a second of silence, then the tone: the file's input is the tone's second.
        let mut padded = vec![0i16; 8000];
        padded.extend(tone(500.0, 1.0, 16_000));
        padded.extend(vec![0i16; 16_000]);
        let from_file = file_input("t.wav", &wav(&padded, 16_000, 1)).unwrap();
        assert_eq!(from_file.len(), 32 * 32);
        assert!(
            from_file.iter().sum::<f32>()
                > as_input(&mel.pixels(&[0.0; 16_000])).iter().sum::<f32>()
        );
        assert!(matches!(
            file_input("x.flac", b"fLaC").unwrap_err(),
            DataError::Sound { .. }
        ));
    }
}
