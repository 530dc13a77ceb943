//! Decoding a sound file (WAV, FLAC, Ogg Vorbis, MP3) to mono samples with symphonia.

use std::io::Cursor;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// The longest sound decoded, in seconds: ten minutes (600 clips), so that a hostile or
/// mistaken file cannot fill the memory.
pub const MAX_SECONDS: u64 = 600;

/// The mono samples of the sound file `name` (`bytes`, its extension a hint to the format),
/// and their sample rate; or why it cannot be read, in words for the user.
pub fn decode(name: &str, bytes: &[u8]) -> Result<(Vec<f32>, u32), String> {
    let unreadable = |why: &str| why.to_string();
    let mut hint = Hint::new();
    if let Some((_, extension)) = name.rsplit_once('.') {
        hint.with_extension(&extension.to_ascii_lowercase());
    }
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            source,
            // Encoder delay and padding (MP3's LAME header) left out, as players do.
            &FormatOptions {
                enable_gapless: true,
                ..FormatOptions::default()
            },
            &MetadataOptions::default(),
        )
        .map_err(|error| unreadable(&describe(&error)))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|track| track.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| unreadable("it holds no sound track"))?;
    let track_id = track.id;
    let mut rate = track.codec_params.sample_rate.unwrap_or(0);
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|error| unreadable(&describe(&error)))?;
    let mut samples = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(error))
                if error.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(error) => return Err(unreadable(&describe(&error))),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            // A damaged packet is skipped, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(error) => return Err(unreadable(&describe(&error))),
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        let channels = spec.channels.count().max(1);
        let needed = decoded.capacity() as u64;
        let buffer = match &mut buffer {
            Some(buffer) if buffer.capacity() as u64 >= needed * channels as u64 => buffer,
            slot => slot.insert(SampleBuffer::new(needed, spec)),
        };
        buffer.copy_interleaved_ref(decoded);
        samples.extend(
            buffer
                .samples()
                .chunks(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
        if rate > 0 && samples.len() as u64 > MAX_SECONDS * u64::from(rate) {
            return Err(format!(
                "it is longer than {} minutes: cut it into shorter files",
                MAX_SECONDS / 60
            ));
        }
    }
    if rate == 0 || samples.is_empty() {
        return Err(unreadable("it holds no samples"));
    }
    Ok((samples, rate))
}

/// symphonia's error in words.
fn describe(error: &SymphoniaError) -> String {
    match error {
        SymphoniaError::Unsupported(what) => format!("not a format Hearth reads: {what}"),
        SymphoniaError::DecodeError(what) => format!("it is damaged: {what}"),
        SymphoniaError::IoError(_) => "it ends too early".to_string(),
        SymphoniaError::LimitError(what) => format!("it is too large: {what}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 16-bit PCM WAV file of `samples` (mono, or interleaved stereo).
    pub(crate) fn wav(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
        let data = samples.len() as u32 * 2;
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"RIFF");
        bytes.extend_from_slice(&(36 + data).to_le_bytes());
        bytes.extend_from_slice(b"WAVEfmt ");
        bytes.extend_from_slice(&16u32.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&channels.to_le_bytes());
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
        bytes.extend_from_slice(&(channels * 2).to_le_bytes());
        bytes.extend_from_slice(&16u16.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&data.to_le_bytes());
        for sample in samples {
            bytes.extend_from_slice(&sample.to_le_bytes());
        }
        bytes
    }

    #[test]
    fn a_wav_file_decodes_to_mono_at_its_rate() {
        let stereo: Vec<i16> = (0..8000)
            .flat_map(|n| [(n % 100) as i16 * 100, 0])
            .collect();
        let (samples, rate) = decode("clap.WAV", &wav(&stereo, 8000, 2)).unwrap();
        assert_eq!(rate, 8000);
        assert_eq!(samples.len(), 8000);
        // Channels averaged: half of the left channel.
        assert!((samples[50] - 5000.0 / 32768.0 / 2.0).abs() < 1e-4);
    }

    #[test]
    fn broken_files_are_named_in_the_message() {
        for bytes in [
            Vec::new(),
            b"not a sound at all".to_vec(),
            wav(&[1; 100], 8000, 1)[..30].to_vec(),
        ] {
            let error = decode("dog.wav", &bytes).unwrap_err();
            assert!(!error.is_empty() && !error.contains("panicked"), "{error}");
        }
        // A header that claims far more data than there is: what is there is read.
        let mut lying = wav(&[1000; 100], 8000, 1);
        lying[40..44].copy_from_slice(&u32::MAX.to_le_bytes());
        if let Ok((samples, _)) = decode("lying.wav", &lying) {
            assert!(samples.len() <= 100);
        }
    }
}
