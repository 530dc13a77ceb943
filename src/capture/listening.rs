//! What the microphone has heard: the latest second (for the level meter and the live
//! view), and while a record button is held, one-second clips for the class; and a clip as
//! a WAV file, the form the engine reads sounds in. Plain Rust, tested natively.

use std::collections::VecDeque;

/// A clip shorter than this fraction of a second, left when recording stops, is dropped
/// (the engine pads a longer one with silence to a second).
const SHORTEST_CLIP: f32 = 0.5;

/// The microphone's samples as they come (mono, at the rate the browser records at).
#[derive(Debug, Clone)]
pub struct Listening {
    rate: u32,
    recent: VecDeque<f32>,
    /// The class being recorded into, and its clip so far.
    recording: Option<(usize, Vec<f32>)>,
}

impl Listening {
    pub fn new(rate: u32) -> Self {
        Listening {
            rate: rate.max(1),
            recent: VecDeque::with_capacity(rate as usize),
            recording: None,
        }
    }

    /// Samples per second.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Takes in `samples`; returns the clips they completed, with their class.
    pub fn hear(&mut self, samples: &[f32]) -> Vec<(usize, Vec<f32>)> {
        let second = self.rate as usize;
        self.recent.extend(samples);
        let extra = self.recent.len().saturating_sub(second);
        self.recent.drain(..extra);
        let mut done = Vec::new();
        if let Some((class, clip)) = &mut self.recording {
            for &sample in samples {
                clip.push(sample);
                if clip.len() == second {
                    done.push((*class, std::mem::replace(clip, Vec::with_capacity(second))));
                }
            }
        }
        done
    }

    /// Starts recording clips for `class` (a recording under way for another ends first,
    /// its last part dropped).
    pub fn start(&mut self, class: usize) {
        self.recording = Some((class, Vec::with_capacity(self.rate as usize)));
    }

    /// Whether clips are being recorded, and for which class.
    pub fn recording(&self) -> Option<usize> {
        self.recording.as_ref().map(|(class, _)| *class)
    }

    /// Stops recording; returns the last clip when it is long enough to keep.
    pub fn stop(&mut self) -> Option<(usize, Vec<f32>)> {
        let (class, clip) = self.recording.take()?;
        (clip.len() as f32 >= SHORTEST_CLIP * self.rate as f32).then_some((class, clip))
    }

    /// The latest second (less at first).
    pub fn last_second(&self) -> Vec<f32> {
        self.recent.iter().copied().collect()
    }

    /// How loud the latest tenth of a second is, from 0 (-60 dBFS or quieter) to 1 (full
    /// scale), for a level meter.
    pub fn level(&self) -> f64 {
        let count = (self.rate as usize / 10).clamp(1, self.recent.len().max(1));
        let tail = self.recent.iter().rev().take(count);
        let power = tail.map(|&s| f64::from(s) * f64::from(s)).sum::<f64>() / count as f64;
        let db = 10.0 * power.max(1e-12).log10();
        ((db + 60.0) / 60.0).clamp(0.0, 1.0)
    }
}

/// `samples` (-1 to 1) as a 16-bit mono WAV file at `rate` samples per second.
pub fn wav(samples: &[f32], rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
    // Writing into memory fails only on a length past 4 GB; a clip is a second.
    if let Ok(mut writer) = hound::WavWriter::new(&mut bytes, spec) {
        for &sample in samples {
            let value = (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
            if writer.write_sample(value).is_err() {
                break;
            }
        }
        let _ = writer.finalize();
    }
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_button_gives_one_second_clips_and_keeps_a_long_enough_rest() {
        let mut listening = Listening::new(100);
        assert!(listening.hear(&[0.1; 150]).is_empty(), "not recording");
        listening.start(2);
        assert_eq!(listening.recording(), Some(2));
        let done = listening.hear(&[0.2; 250]);
        assert_eq!(done.len(), 2);
        assert!(
            done.iter()
                .all(|(class, clip)| *class == 2 && clip.len() == 100)
        );
        // 50 left over, and 30 more: a rest of 0.8 s, kept.
        assert!(listening.hear(&[0.3; 30]).is_empty());
        let (class, rest) = listening.stop().unwrap();
        assert_eq!((class, rest.len()), (2, 80));
        assert_eq!(listening.recording(), None);
        listening.start(0);
        listening.hear(&[0.3; 20]);
        assert!(listening.stop().is_none(), "a fifth of a second is dropped");
    }

    #[test]
    fn the_latest_second_and_its_level() {
        let mut listening = Listening::new(100);
        assert_eq!(listening.level(), 0.0);
        listening.hear(&[0.0; 80]);
        listening.hear(&[1.0; 40]);
        let second = listening.last_second();
        assert_eq!(second.len(), 100);
        assert_eq!(second[59], 0.0);
        assert_eq!(second[60], 1.0);
        assert!((listening.level() - 1.0).abs() < 1e-9);
        listening.hear(&[0.001; 10]);
        assert!(
            (listening.level() - 0.0).abs() < 1e-6,
            "-60 dBFS is the bottom"
        );
    }

    #[test]
    fn a_clip_is_a_16_bit_wav_file() {
        let bytes = wav(&[0.0, 0.5, -1.0, 2.0], 48_000);
        let mut reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(reader.spec().sample_rate, 48_000);
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(samples, [0, 16384, -32767, 32767]);
    }
}
