#!/usr/bin/env python3
"""Checks an ONNX model written by `hearth export --format onnx` with the real ONNX tools:

  * `onnx.checker.check_model(..., full_check=True)` accepts it (shapes inferred too);
  * ONNX Runtime runs it on the rows of INPUT_CSV, fed as they are in the CSV (table
    models: each column as its own input, numbers as floats with NaN where the cell is
    empty, other columns as strings; image models: `pixel0..pixelN` columns of prepared
    inputs, reshaped to [N, height, width, channels]);
  * its probabilities (or values) match the p_<class> (or `prediction`) columns that
    `hearth predict` wrote to PREDICTIONS_CSV within 1e-4.

Usage: check_onnx.py MODEL.onnx INPUT_CSV PREDICTIONS_CSV
Prints one "ok: ..." line and exits 0, or says what differs and exits 1.
"""

import csv
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime

TOLERANCE = 1e-4


def fail(message):
    print(f"check_onnx: {message}", file=sys.stderr)
    sys.exit(1)


def number(cell):
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    model_path, inputs_path, predictions_path = sys.argv[1:]
    model = onnx.load(model_path)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # onnx.checker.ValidationError and shape inference errors
        fail(f"the ONNX checker refuses the model: {error}")
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    classes = json.loads(metadata.get("classes", "[]"))

    with open(inputs_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    feeds = {}
    for graph_input in session.get_inputs():
        if graph_input.name == "image":
            _, height, width, channels = graph_input.shape
            x = np.array([[float(row[f"pixel{i}"]) for i in range(len(row))] for row in rows], dtype=np.float32)
            feeds["image"] = x.reshape(-1, height, width, channels)
        elif graph_input.type == "tensor(float)":
            feeds[graph_input.name] = np.array([[number(row.get(graph_input.name, ""))] for row in rows], dtype=np.float32)
        else:
            feeds[graph_input.name] = np.array([[row.get(graph_input.name, "")] for row in rows], dtype=object)
    (outputs,) = session.run(None, feeds)
    outputs = np.asarray(outputs, dtype=np.float64)

    with open(predictions_path, newline="", encoding="utf-8") as f:
        predicted = list(csv.DictReader(f))
    if len(predicted) != len(rows):
        fail(f"{len(predicted)} predictions for {len(rows)} rows")
    if session.get_outputs()[0].name == "value":
        expected = np.array([[float(row["prediction"])] for row in predicted])
        tolerance = TOLERANCE * max(1.0, float(np.abs(expected).max()))
    else:
        expected = np.array([[float(row[f"p_{label}"]) for label in classes] for row in predicted])
        tolerance = TOLERANCE
    if outputs.shape != expected.shape:
        fail(f"outputs of shape {outputs.shape}, Hearth's are {expected.shape}")
    difference = float(np.nanmax(np.abs(outputs - expected))) if outputs.size else 0.0
    if np.isnan(outputs).any() or difference > tolerance:
        fail(f"ONNX Runtime's outputs differ from Hearth's by up to {difference:.3g} (allowed {tolerance:g})")
    print(
        f"ok: {os.path.basename(model_path)} passes the ONNX checker and matches Hearth on {len(rows)} rows "
        f"in ONNX Runtime {onnxruntime.__version__} (onnx {onnx.__version__}), max difference {difference:.2g}"
    )


if __name__ == "__main__":
    main()
