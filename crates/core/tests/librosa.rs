//! Hearth's sounds against the reference implementations (the Python test tier; `./setup.sh`
//! installs librosa 0.11 and soundfile from PyPI): the log-mel spectrogram against
//! `librosa.feature.melspectrogram` and `power_to_db`, and the decoder against files that
//! libsndfile wrote.

// The helpers here are not #[test] functions, so clippy's allowances for tests miss them;
// a failing helper should stop the test at once, as the tests themselves do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use hearth_core::sound::{MelSpectrogram, SoundFeatures, clips, decode, resample};

/// The Python test tier's interpreter: `$HEARTH_PYTHON` (./setup.sh's environment, which
/// scripts/env.sh names), else `python3`.
fn interpreter() -> Command {
    Command::new(std::env::var_os("HEARTH_PYTHON").unwrap_or_else(|| "python3".into()))
}

/// The stated tolerance: mel power within 0.1% of librosa's (plus a millionth of the clip's
/// peak, for bins near silence), and decibels within 0.02 dB wherever they are above the
/// image's floor (-80 dB).
const RELATIVE: f32 = 1e-3;
const PEAK_FRACTION: f32 = 1e-6;
const DB: f32 = 0.02;

fn script() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/python/check_sound.py"
    )
}

fn python(args: &[&str]) -> serde_json::Value {
    let output = interpreter()
        .arg(script())
        .args(args)
        .output()
        .expect("python3 runs (./setup.sh installs librosa and soundfile)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the script prints JSON")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hearth-librosa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn rows(value: &serde_json::Value) -> Vec<Vec<f32>> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect()
        })
        .collect()
}

/// Compares Hearth's spectrogram of `clip` with librosa's; returns the worst relative power
/// error and the worst decibel error seen.
fn compare(name: &str, clip: &[f32]) -> (f32, f32) {
    let path = scratch(&format!("{name}.f32"));
    let bytes: Vec<u8> = clip.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&path, bytes).unwrap();
    let reference = python(&["mel", path.to_str().unwrap()]);
    assert_eq!(
        reference["librosa"], "0.11.0",
        "the reference is librosa 0.11.0"
    );
    let (power, db) = (rows(&reference["power"]), rows(&reference["db"]));
    let features = SoundFeatures::STANDARD;
    let frames = features.frames() as usize;
    assert_eq!(power.len(), features.n_mels as usize, "{name}: bands");
    assert_eq!(power[0].len(), frames, "{name}: frames");
    let ours = MelSpectrogram::new(features).power(clip);
    let peak = power.iter().flatten().fold(0.0f32, |a, &b| a.max(b));
    let (mut worst_relative, mut worst_db) = (0.0f32, 0.0f32);
    for (band, (row, db_row)) in power.iter().zip(&db).enumerate() {
        for (frame, (&expected, &expected_db)) in row.iter().zip(db_row).enumerate() {
            let got = ours[band * frames + frame];
            let allowed = RELATIVE * expected + PEAK_FRACTION * peak;
            assert!(
                (got - expected).abs() <= allowed,
                "{name}: band {band} frame {frame}: Hearth {got}, librosa {expected}"
            );
            if expected > PEAK_FRACTION * peak * 10.0 {
                worst_relative = worst_relative.max((got - expected).abs() / expected);
            }
            let got_db = hearth_core::sound::decibels(got);
            if expected_db > features.floor_db {
                assert!(
                    (got_db - expected_db).abs() <= DB,
                    "{name}: band {band} frame {frame}: Hearth {got_db} dB, librosa {expected_db} dB"
                );
                worst_db = worst_db.max((got_db - expected_db).abs());
            }
        }
    }
    (worst_relative, worst_db)
}

/// Seeded noise in [-1, 1] (a linear congruential generator: no dependency for a test).
fn noise(count: usize, seed: u64) -> Vec<f32> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn log_mel_spectrograms_agree_with_librosa() {
    let rate = 16_000.0f32;
    let sweep: Vec<f32> = (0..16_000)
        .map(|n| {
            let t = n as f32 / rate;
            // 100 Hz to 7 kHz over the second.
            let phase = 2.0 * std::f32::consts::PI * (100.0 * t + 3450.0 * t * t);
            0.5 * phase.sin()
        })
        .collect();
    let quiet_noise: Vec<f32> = noise(16_000, 7).iter().map(|s| s * 0.05).collect();
    let mut clicks = vec![0.0f32; 16_000];
    for start in (1_000..16_000).step_by(3_000) {
        clicks[start..start + 40].copy_from_slice(&noise(40, start as u64));
    }
    let speechy: Vec<f32> = (0..16_000)
        .map(|n| {
            let t = n as f32 / rate;
            let envelope = (std::f32::consts::PI * t * 3.0).sin().abs();
            envelope
                * (1..8)
                    .map(|h| (2.0 * std::f32::consts::PI * 180.0 * h as f32 * t).sin() / h as f32)
                    .sum::<f32>()
                * 0.2
        })
        .collect();
    for (name, clip) in [
        ("sweep", sweep),
        ("quiet-noise", quiet_noise),
        ("clicks", clicks),
        ("harmonics", speechy),
    ] {
        let (relative, db) = compare(name, &clip);
        println!("{name}: worst relative power error {relative:.2e}, worst dB error {db:.2e}");
    }
}

#[test]
fn sound_files_written_by_libsndfile_decode_to_what_was_written() {
    let folder = scratch("files");
    std::fs::create_dir_all(&folder).unwrap();
    let written = python(&["write", folder.to_str().unwrap()]);
    let rate = written["rate"].as_u64().unwrap() as u32;
    let seconds = written["seconds"].as_f64().unwrap() as f32;
    let folder = folder.to_str().unwrap();
    // What was written, mono (the two channels averaged) and at 16 kHz, as a spectrogram.
    let original: Vec<f32> = (0..(rate as f32 * seconds) as usize)
        .map(|n| {
            // In f64, as NumPy computes it (an f32 phase drifts by 1e-3 within a second).
            let t = n as f64 / f64::from(rate);
            let tau = std::f64::consts::TAU;
            let left = 0.3 * (tau * 440.0 * t).sin() + 0.2 * (tau * 1200.0 * t).sin();
            let right = 0.4 * (tau * 660.0 * t).sin();
            ((left + right) / 2.0) as f32
        })
        .collect();
    let mel = MelSpectrogram::new(SoundFeatures::STANDARD);
    let expected = mel.pixels(&resample(&original, rate, 16_000).unwrap());
    for (file, lossless) in [
        ("chord.wav", true),
        ("chord.flac", true),
        ("chord.ogg", false),
        ("chord.mp3", false),
    ] {
        let bytes = std::fs::read(Path::new(&folder).join(file)).unwrap();
        let (samples, file_rate) = decode(file, &bytes).unwrap();
        assert_eq!(file_rate, rate, "{file}");
        // libsndfile's reading of the same file, the channels averaged.
        let reference: Vec<f32> = std::fs::read(Path::new(&folder).join(format!("{file}.f32")))
            .unwrap()
            .chunks_exact(4)
            .map(|bytes| f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
            .collect();
        // The same start; the end within one codec frame (symphonia 0.5 keeps the padding
        // of Ogg's last packet, 77 samples here).
        let extra = samples.len().abs_diff(reference.len());
        assert!(
            extra == 0 || (!lossless && extra <= 1152),
            "{file}: Hearth read {} samples, libsndfile {}",
            samples.len(),
            reference.len()
        );
        let worst = |other: &[f32]| {
            samples
                .iter()
                .zip(other)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max)
        };
        let against_libsndfile = worst(&reference);
        // Lossless: what was written, to 16-bit precision; lossy: what libsndfile's
        // decoders (libvorbis, mpg123) make of it, to 1e-5 of full scale.
        if lossless {
            assert!(worst(&original) < 1e-4, "{file}: {}", worst(&original));
        }
        assert!(
            against_libsndfile < 1e-5,
            "{file}: worst difference from libsndfile {against_libsndfile}"
        );
        let resampled = resample(&samples, file_rate, 16_000).unwrap();
        let clip = &clips(&resampled, &SoundFeatures::STANDARD)[0];
        let pixels = mel.pixels(clip);
        let mean = pixels
            .iter()
            .zip(&expected)
            .map(|(&a, &b)| (f32::from(a) - f32::from(b)).abs())
            .sum::<f32>()
            / pixels.len() as f32;
        // The same picture as the chord written: within a grey level on average for the
        // lossless files, a few for the lossy ones (they drop what is quiet).
        let limit = if lossless { 1.0 } else { 8.0 };
        assert!(mean < limit, "{file}: mean pixel difference {mean}");
        println!(
            "{file}: {} samples (libsndfile {}), worst sample difference {against_libsndfile:.1e}, mean pixel difference {mean:.2}",
            samples.len(),
            reference.len()
        );
    }
}
