#!/usr/bin/env python3
"""The reference side of Hearth's sound checks (crates/core/tests/librosa.rs): librosa
0.11's log-mel spectrogram, and sound files written by libsndfile (through soundfile, which
librosa installs) for Hearth's decoder to read.

Usage:
  check_sound.py mel CLIP.f32      prints {"power": [[...]], "db": [[...]]}: librosa's
                                   melspectrogram of the 16 kHz clip (little-endian f32)
                                   with Hearth's settings, and power_to_db(ref=1.0)
  check_sound.py write DIR         writes chord.wav, chord.flac, chord.ogg and chord.mp3
                                   (1.5 s, 22,050 Hz, stereo) into DIR, and beside
                                   each NAME.f32, libsndfile's decoding of it, and prints
                                   {"rate": 22050, "seconds": 1.5}
"""

import json
import sys

import librosa
import numpy as np
import soundfile

SETTINGS = dict(sr=16000, n_fft=1024, hop_length=512, n_mels=32)


def mel(path):
    clip = np.fromfile(path, dtype="<f4")
    power = librosa.feature.melspectrogram(y=clip, **SETTINGS)
    db = librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=None)
    print(json.dumps({"power": power.tolist(), "db": db.tolist(), "librosa": librosa.__version__}))


def chord(rate, seconds):
    """A 440 Hz and 1.2 kHz chord on the left, a 660 Hz tone on the right."""
    t = np.arange(int(rate * seconds)) / rate
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 1200 * t)
    right = 0.4 * np.sin(2 * np.pi * 660 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


def write(folder):
    rate, seconds = 22050, 1.5
    samples = chord(rate, seconds)
    for name, fmt, subtype in [
        ("chord.wav", "WAV", "PCM_16"),
        ("chord.flac", "FLAC", "PCM_16"),
        ("chord.ogg", "OGG", "VORBIS"),
        ("chord.mp3", "MP3", "MPEG_LAYER_III"),
    ]:
        soundfile.write(f"{folder}/{name}", samples, rate, format=fmt, subtype=subtype)
        # libsndfile's own reading of it (mono: the channels averaged), for comparison.
        decoded, _ = soundfile.read(f"{folder}/{name}", dtype="float32")
        decoded.mean(axis=1).astype("<f4").tofile(f"{folder}/{name}.f32")
    print(json.dumps({"rate": rate, "seconds": seconds}))


if __name__ == "__main__":
    {"mel": mel, "write": write}[sys.argv[1]](sys.argv[2])
