#!/usr/bin/env python3
"""Runs a Python file written by `hearth export` (a PyTorch module for a Hearth model)
and checks that its forward pass gives Hearth's predictions:

  * the module loads the weights from MODEL.safetensors;
  * on the rows of INPUT_CSV (table rows, or for image models `pixel0..pixelN` columns
    of prepared inputs), its probabilities (or values) match the p_<class> (or
    `prediction`) columns that `hearth predict` wrote to PREDICTIONS_CSV within 1e-4.

It uses the real `torch` (PyPI's, installed by ./setup.sh into the test environment,
$HEARTH_PYTHON): a check against anything else would only show that Hearth agrees with
itself.

Usage: check_pytorch.py MODULE.py MODEL.safetensors INPUT_CSV PREDICTIONS_CSV
Prints one "ok: ..." line and exits 0, or says what differs and exits 1.
"""

import csv
import importlib.util
import os
import sys

import numpy as np

TOLERANCE = 1e-4


def fail(message):
    print(f"check_pytorch: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    module_path, model_path, inputs_path, predictions_path = sys.argv[1:]
    try:
        import torch
    except ImportError as error:
        fail(f"torch does not import ({error}): ./setup.sh installs it in the test environment ($HEARTH_PYTHON)")
    backend = f"torch {torch.__version__}"
    spec = importlib.util.spec_from_file_location("exported", module_path)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    model = exported.load(model_path)
    if not isinstance(model, torch.nn.Module):
        fail("load() did not return a torch.nn.Module")

    with open(inputs_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and "pixel0" in rows[0]:
        x = np.array([[float(row[f"pixel{i}"]) for i in range(len(row))] for row in rows], dtype=np.float32)
        outputs = model.predict_inputs(x)
    else:
        outputs = model.predict(rows)
    outputs = np.asarray(outputs, dtype=np.float64)

    with open(predictions_path, newline="", encoding="utf-8") as f:
        predicted = list(csv.DictReader(f))
    if len(predicted) != len(rows):
        fail(f"{len(predicted)} predictions for {len(rows)} rows")
    if exported.TASK == "regression":
        expected = np.array([[float(row["prediction"])] for row in predicted])
        tolerance = TOLERANCE * max(1.0, float(np.abs(expected).max()))
    else:
        columns = [f"p_{label}" for label in exported.CLASSES]
        expected = np.array([[float(row[column]) for column in columns] for row in predicted])
        tolerance = TOLERANCE
    if outputs.shape != expected.shape:
        fail(f"outputs of shape {outputs.shape}, Hearth's are {expected.shape}")
    difference = float(np.abs(outputs - expected).max())
    if difference > tolerance:
        fail(f"the exported module differs from Hearth by up to {difference:.3g} (allowed {tolerance:g})")
    print(f"ok: {os.path.basename(module_path)} matches Hearth on {len(rows)} rows, max difference {difference:.2g}, with {backend}")


if __name__ == "__main__":
    main()
