//! Sounds: one-second clips, seen by a network as log-mel spectrograms.
//!
//! Decisions, so that the page, the engine worker, the command line and a model file agree:
//! - **Clips.** A sound example is one second at 16 kHz, mono (channels are averaged). A
//!   recording from the microphone is cut into one-second clips as it comes; a sound file
//!   is cut into consecutive one-second clips, its last part kept (padded with silence)
//!   when it is at least half a second long, and a file shorter than that is one padded
//!   clip. Other sample rates are resampled first ([`resample`]).
//! - **Spectrogram.** The mel power spectrogram as librosa computes it by default
//!   (`librosa.feature.melspectrogram`: centred frames with zero padding, a periodic Hann
//!   window, power 2, Slaney's mel scale and area-normalised filters), with a 1,024-sample
//!   window, a 512-sample hop and 32 mel bands: 32 frames of 32 bands. The Python test tier
//!   checks it against librosa 0.11 itself (`crates/core/tests/librosa.rs`).
//! - **Image.** Decibels (`10·log10(max(power, 1e-10))`, librosa's `power_to_db` with
//!   `ref=1`) are mapped from [`SoundFeatures::floor_db`] (black) to
//!   [`SoundFeatures::ceil_db`] (white) into one grey channel, the highest band in the top
//!   row and time running left to right, as spectrograms are drawn. From there a sound is
//!   an image of 32×32: the image pipeline trains on it, shows it and explains it, with
//!   no augmentation (a flipped sound is another sound).

#[cfg(feature = "sound-decode")]
mod decode;
#[cfg(feature = "sound")]
mod mel;
#[cfg(feature = "sound")]
mod set;

#[cfg(feature = "sound-decode")]
pub use decode::{MAX_SECONDS, decode};
#[cfg(feature = "sound")]
pub use mel::{MelSpectrogram, clips, decibels, recording_input, resample};
#[cfg(feature = "sound")]
pub use set::{Decoded, DecodedSound, SoundFile, decoded_input, load_decoded};
#[cfg(all(feature = "sound", feature = "sound-decode"))]
pub use set::{file_input, load_sounds};

use serde::{Deserialize, Serialize};

/// How sounds become network inputs; kept in the data summary and in a sound model's file,
/// so that a model is always fed what it was trained on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SoundFeatures {
    /// Samples per second the clip is brought to.
    pub sample_rate: u32,
    /// Samples in one clip (one second).
    pub clip_samples: u32,
    /// The window (FFT) length in samples.
    pub n_fft: u32,
    /// Samples between frames.
    pub hop: u32,
    /// Mel bands (the image's height).
    pub n_mels: u32,
    /// Decibels shown as black (0).
    pub floor_db: f32,
    /// Decibels shown as white (255).
    pub ceil_db: f32,
}

impl SoundFeatures {
    /// What Hearth uses: one second at 16 kHz, 32 frames of 32 mel bands.
    pub const STANDARD: SoundFeatures = SoundFeatures {
        sample_rate: 16_000,
        clip_samples: 16_000,
        n_fft: 1024,
        hop: 512,
        n_mels: 32,
        floor_db: -80.0,
        ceil_db: 40.0,
    };

    /// Frames per clip (the image's width): centred frames, one every `hop` samples.
    pub fn frames(&self) -> u32 {
        1 + self.clip_samples / self.hop.max(1)
    }

    /// The spectrogram's image shape: frames wide, bands high, one grey channel.
    #[cfg(feature = "ingest")]
    pub fn image_shape(&self) -> crate::data::images::ImageShape {
        crate::data::images::ImageShape {
            width: self.frames(),
            height: self.n_mels,
            channels: 1,
        }
    }

    /// Whether these are settings this Hearth computes (a model file could say anything).
    pub fn is_supported(&self) -> bool {
        *self == Self::STANDARD
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ingest")]
    #[test]
    fn the_standard_clip_is_a_32_by_32_image() {
        let shape = SoundFeatures::STANDARD.image_shape();
        assert_eq!((shape.width, shape.height, shape.channels), (32, 32, 1));
        assert!(SoundFeatures::STANDARD.is_supported());
        let other = SoundFeatures {
            n_mels: 64,
            ..SoundFeatures::STANDARD
        };
        assert!(!other.is_supported());
    }
}
