//! The log-mel spectrogram of a clip (librosa's defaults, see the module above), cutting a
//! recording into clips, and resampling.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use rubato::{FftFixedIn, Resampler};

use super::SoundFeatures;

/// The smallest power counted (librosa's `amin`): silence is -100 dB, not minus infinity.
const AMIN: f32 = 1e-10;

/// A clip's spectrogram, with the window, the filters and the FFT planned once.
pub struct MelSpectrogram {
    features: SoundFeatures,
    window: Vec<f32>,
    /// Per band, from low to high: the first FFT bin it weighs and the weights from there.
    filters: Vec<(usize, Vec<f32>)>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl MelSpectrogram {
    pub fn new(features: SoundFeatures) -> Self {
        let n_fft = features.n_fft as usize;
        // A periodic Hann window (scipy's `get_window("hann", n_fft)`, librosa's default).
        let window = (0..n_fft)
            .map(|n| {
                let phase = 2.0 * std::f64::consts::PI * n as f64 / n_fft as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        Self {
            features,
            window,
            filters: mel_filters(&features),
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(n_fft),
        }
    }

    pub fn features(&self) -> SoundFeatures {
        self.features
    }

    /// The mel power spectrogram of `clip` (cut or padded with silence to one clip): band
    /// by band from the lowest, each `frames` values in time order (librosa's
    /// `melspectrogram(...)` array, row-major).
    pub fn power(&self, clip: &[f32]) -> Vec<f32> {
        let features = &self.features;
        let (n_fft, hop) = (features.n_fft as usize, features.hop as usize);
        let frames = features.frames() as usize;
        let length = features.clip_samples as usize;
        // Centred frames: n_fft / 2 zeros before the clip and after it.
        let mut padded = vec![0.0f32; length + n_fft];
        let take = clip.len().min(length);
        padded[n_fft / 2..n_fft / 2 + take].copy_from_slice(&clip[..take]);
        let mut input = self.fft.make_input_vec();
        let mut spectrum: Vec<Complex<f32>> = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0.0f32; spectrum.len()];
        let mut mel = vec![0.0f32; self.filters.len() * frames];
        for frame in 0..frames {
            let start = frame * hop;
            for ((value, sample), weight) in input
                .iter_mut()
                .zip(&padded[start..start + n_fft])
                .zip(&self.window)
            {
                *value = sample * weight;
            }
            // The lengths are the plan's own, so the transform cannot fail.
            if self
                .fft
                .process_with_scratch(&mut input, &mut spectrum, &mut scratch)
                .is_err()
            {
                continue;
            }
            for (bin, value) in power.iter_mut().zip(&spectrum) {
                *bin = value.norm_sqr();
            }
            for (band, (first, weights)) in self.filters.iter().enumerate() {
                mel[band * frames + frame] = weights
                    .iter()
                    .zip(&power[*first..])
                    .map(|(weight, power)| weight * power)
                    .sum();
            }
        }
        mel
    }

    /// The clip as a grey image (see the module above): the highest band in the top row,
    /// time left to right, decibels from the floor (0) to the ceiling (255).
    pub fn pixels(&self, clip: &[f32]) -> Vec<u8> {
        let power = self.power(clip);
        let frames = self.features.frames() as usize;
        let (floor, ceil) = (self.features.floor_db, self.features.ceil_db);
        let range = (ceil - floor).max(f32::EPSILON);
        let mut pixels = Vec::with_capacity(power.len());
        for band in (0..self.filters.len()).rev() {
            for &value in &power[band * frames..(band + 1) * frames] {
                let level = ((decibels(value) - floor) / range).clamp(0.0, 1.0);
                pixels.push((level * 255.0).round() as u8);
            }
        }
        pixels
    }
}

/// `10·log10(max(power, 1e-10))`: librosa's `power_to_db(power, ref=1.0)`.
pub fn decibels(power: f32) -> f32 {
    10.0 * power.max(AMIN).log10()
}

/// Hertz to mels on Slaney's scale (librosa's `hz_to_mel(htk=False)`): linear below 1 kHz,
/// logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    if hz >= MIN_LOG_HZ {
        min_log_mel + (hz / MIN_LOG_HZ).ln() / log_step
    } else {
        hz / F_SP
    }
}

/// The inverse of [`hz_to_mel`].
fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    const MIN_LOG_HZ: f64 = 1000.0;
    let min_log_mel = MIN_LOG_HZ / F_SP;
    let log_step = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (log_step * (mel - min_log_mel)).exp()
    } else {
        mel * F_SP
    }
}

/// Triangular filters evenly spaced in mels from 0 Hz to half the sample rate, each
/// scaled to unit area (`librosa.filters.mel(norm="slaney")`), stored sparsely.
fn mel_filters(features: &SoundFeatures) -> Vec<(usize, Vec<f32>)> {
    let bins = features.n_fft as usize / 2 + 1;
    let n_mels = features.n_mels as usize;
    let nyquist = f64::from(features.sample_rate) / 2.0;
    let frequencies: Vec<f64> = (0..bins)
        .map(|bin| nyquist * bin as f64 / (bins - 1).max(1) as f64)
        .collect();
    let top = hz_to_mel(nyquist);
    let edges: Vec<f64> = (0..n_mels + 2)
        .map(|i| mel_to_hz(top * i as f64 / (n_mels + 1) as f64))
        .collect();
    (0..n_mels)
        .map(|band| {
            let (low, centre, high) = (edges[band], edges[band + 1], edges[band + 2]);
            let norm = 2.0 / (high - low);
            let weights: Vec<f64> = frequencies
                .iter()
                .map(|&f| {
                    let rising = (f - low) / (centre - low);
                    let falling = (high - f) / (high - centre);
                    rising.min(falling).max(0.0) * norm
                })
                .collect();
            let first = weights.iter().position(|&w| w > 0.0).unwrap_or(0);
            let last = weights.iter().rposition(|&w| w > 0.0).unwrap_or(first);
            let kept = weights[first..=last].iter().map(|&w| w as f32).collect();
            (first, kept)
        })
        .collect()
}

/// A recording cut into one-second clips of `features` (see the module above): whole
/// seconds, then the rest when it is at least half a second, padded with silence; a
/// recording shorter than half a second is one padded clip; an empty one has none.
pub fn clips(samples: &[f32], features: &SoundFeatures) -> Vec<Vec<f32>> {
    let length = features.clip_samples as usize;
    if samples.is_empty() || length == 0 {
        return Vec::new();
    }
    let mut clips: Vec<Vec<f32>> = samples.chunks(length).map(<[f32]>::to_vec).collect();
    if let Some(last) = clips.last()
        && last.len() < length
    {
        if last.len() * 2 < length && clips.len() > 1 {
            clips.pop();
        } else if let Some(last) = clips.last_mut() {
            last.resize(length, 0.0);
        }
    }
    clips
}

/// `samples` at `from` samples per second, resampled to `to` (band-limited, by rubato's
/// FFT resampler); the length becomes `len · to / from`.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    if from == 0 || to == 0 {
        return Err(format!("a sample rate of {from} Hz cannot be resampled"));
    }
    const CHUNK: usize = 1024;
    let mut resampler = FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1)
        .map_err(|error| error.to_string())?;
    let delay = resampler.output_delay();
    let expected = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let mut out = Vec::with_capacity(expected + delay + CHUNK);
    let mut chunks = samples.chunks_exact(CHUNK);
    for chunk in chunks.by_ref() {
        let resampled = resampler
            .process(&[chunk], None)
            .map_err(|error| error.to_string())?;
        out.extend_from_slice(&resampled[0]);
    }
    let rest = chunks.remainder();
    let resampled = resampler
        .process_partial(Some(&[rest]), None)
        .map_err(|error| error.to_string())?;
    out.extend_from_slice(&resampled[0]);
    while out.len() < expected + delay {
        let resampled = resampler
            .process_partial::<&[f32]>(None, None)
            .map_err(|error| error.to_string())?;
        if resampled[0].is_empty() {
            break;
        }
        out.extend_from_slice(&resampled[0]);
    }
    out.drain(..delay.min(out.len()));
    out.truncate(expected);
    Ok(out)
}

/// The model input (0 to 1, as image pixels) for the last second of a recording at `rate`
/// samples per second (the live microphone sends its latest second).
pub fn recording_input(samples: &[f32], rate: u32) -> Result<Vec<f32>, String> {
    let features = SoundFeatures::STANDARD;
    let samples = resample(samples, rate, features.sample_rate)?;
    let length = features.clip_samples as usize;
    let mut clip = vec![0.0; length.saturating_sub(samples.len())];
    clip.extend_from_slice(&samples[samples.len().saturating_sub(length)..]);
    Ok(as_input(&MelSpectrogram::new(features).pixels(&clip)))
}

/// Pixels as a model reads them: 0 to 1.
pub(crate) fn as_input(pixels: &[u8]) -> Vec<f32> {
    pixels.iter().map(|&p| f32::from(p) / 255.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f32, seconds: f32, rate: u32, amplitude: f32) -> Vec<f32> {
        let count = (seconds * rate as f32) as usize;
        (0..count)
            .map(|n| amplitude * (2.0 * std::f32::consts::PI * hz * n as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn a_tone_is_brightest_in_its_band_and_silence_is_black() {
        let mel = MelSpectrogram::new(SoundFeatures::STANDARD);
        let pixels = mel.pixels(&tone(1000.0, 1.0, 16_000, 0.5));
        assert_eq!(pixels.len(), 32 * 32);
        // The brightest row in the middle of the clip: 1 kHz is band 10 of 32 from the bottom
        // on Slaney's scale (edges every 14.4 mels up to 8 kHz).
        let column = 16;
        let brightest = (0..32)
            .max_by_key(|&row| pixels[row * 32 + column])
            .unwrap();
        let band = 31 - brightest;
        assert!((9..=11).contains(&band), "band {band}");
        assert!(pixels[brightest * 32 + column] > 200);
        assert!(mel.pixels(&[0.0; 16_000]).iter().all(|&p| p == 0));
    }

    #[test]
    fn a_short_clip_is_padded_and_a_long_one_cut() {
        let mel = MelSpectrogram::new(SoundFeatures::STANDARD);
        let short = tone(440.0, 0.5, 16_000, 0.5);
        let mut padded = short.clone();
        padded.resize(16_000, 0.0);
        assert_eq!(mel.power(&short), mel.power(&padded));
        let long = tone(440.0, 2.0, 16_000, 0.5);
        assert_eq!(mel.power(&long), mel.power(&long[..16_000]));
    }

    #[test]
    fn recordings_are_cut_into_seconds() {
        let features = SoundFeatures::STANDARD;
        let count = |seconds: f32| clips(&vec![0.1; (seconds * 16_000.0) as usize], &features);
        assert_eq!(count(0.0).len(), 0);
        assert_eq!(count(0.2).len(), 1);
        assert_eq!(count(1.0).len(), 1);
        assert_eq!(count(1.4).len(), 1);
        assert_eq!(count(1.5).len(), 2);
        assert_eq!(count(3.0).len(), 3);
        assert!(count(1.6).iter().all(|clip| clip.len() == 16_000));
        assert_eq!(count(1.6)[1][9_000], 0.1);
        assert_eq!(count(1.6)[1][10_000], 0.0);
    }

    #[test]
    fn resampling_keeps_a_tone_and_the_duration() {
        let original = tone(440.0, 1.0, 44_100, 0.5);
        let resampled = resample(&original, 44_100, 16_000).unwrap();
        assert_eq!(resampled.len(), 16_000);
        let expected = tone(440.0, 1.0, 16_000, 0.5);
        // Away from the edges, the same sine (the resampler's delay is taken out).
        let worst = resampled[1000..15_000]
            .iter()
            .zip(&expected[1000..15_000])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 0.01, "worst difference {worst}");
        assert_eq!(resample(&expected, 16_000, 16_000).unwrap(), expected);
        assert!(resample(&expected, 0, 16_000).is_err());
    }
}
