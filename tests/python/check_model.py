#!/usr/bin/env python3
"""Opens a Hearth model file with Python's `safetensors` package (no Hearth code) and
checks it from the outside:

  * the file's `__metadata__["hearth"]` is the versioned JSON document;
  * every tensor is float32 with the shape the spec implies;
  * for a table model of dense layers, a forward pass in NumPy over the rows of INPUT_CSV,
    preprocessed as the document says, gives the probabilities (or values) that
    `hearth predict` wrote to PREDICTIONS_CSV.

Usage: check_model.py MODEL.safetensors [INPUT_CSV PREDICTIONS_CSV]
Prints one "ok: ..." line and exits 0, or says what differs and exits 1.
"""

import csv
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

MISSING = {"", "?", "na", "n/a", "nan", "null", "none", "-"}


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def activation(name, x):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "leaky_relu":
        return np.where(x > 0, x, 0.01 * x)
    if name == "elu":
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    if name == "gelu":
        return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "linear":
        return x
    fail(f"unknown activation {name}")


def encode(schema, row):
    """One row's inputs, as Hearth's preprocessing encodes them."""
    out = []
    for feature in schema["features"]:
        cell = row.get(feature["column"])
        cell = None if cell is None or cell.strip().lower() in MISSING else cell.strip()
        missing = cell is None
        kind = feature["kind"]
        if kind == "numeric":
            try:
                value = float(cell) if cell is not None else feature["fill"]
            except ValueError:
                value, missing = feature["fill"], True
            out.append((value - feature["shift"]) / feature["scale"])
        elif kind == "boolean":
            out.append(
                float(cell.lower() == feature["true_value"].lower())
                if cell is not None
                else feature["fill"]
            )
        elif kind == "categorical":
            value = cell if cell is not None else feature.get("fill")
            out.extend(float(value == level) for level in feature["levels"])
        else:
            fail(f"unknown feature kind {kind}")
        if feature.get("indicator"):
            out.append(float(missing))
    return out


def main():
    if len(sys.argv) not in (2, 4):
        print(__doc__)
        sys.exit(2)
    path = sys.argv[1]
    with safe_open(path, framework="np") as handle:
        metadata = handle.metadata() or {}
    if "hearth" not in metadata:
        fail("no __metadata__['hearth'] document")
    document = json.loads(metadata["hearth"])
    if document.get("format_version") != 1:
        fail(f"format_version {document.get('format_version')}")
    tensors = load_file(path)
    for name, tensor in tensors.items():
        if tensor.dtype != np.float32:
            fail(f"{name} is {tensor.dtype}, not float32")
    spec = document["spec"]
    checked = f"{len(tensors)} float32 tensors, spec version {spec['version']}"
    if len(sys.argv) == 2:
        print(f"ok: {path}: {checked}")
        return

    if spec["input"]["kind"] != "features" or any(
        layer["type"] not in ("dense", "dropout") for layer in spec["layers"]
    ):
        fail("the forward pass here covers table models of dense layers only")
    with open(sys.argv[2], newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    x = np.array([encode(document["preprocessing"], row) for row in rows], dtype=np.float64)
    width = spec["input"]["features"]
    if x.shape[1] != width:
        fail(f"encoded {x.shape[1]} inputs per row, the spec says {width}")
    for index, layer in enumerate(spec["layers"]):
        if layer["type"] == "dropout":
            continue
        weight = tensors[f"blocks.{index}.Dense.weight"].astype(np.float64)
        bias = tensors[f"blocks.{index}.Dense.bias"].astype(np.float64)
        if weight.shape != (x.shape[1], layer["units"]):
            fail(f"layer {index + 1}: weight {weight.shape}, expected {(x.shape[1], layer['units'])}")
        x = activation(layer["activation"], x @ weight + bias)
    logits = x @ tensors["head.weight"].astype(np.float64) + tensors["head.bias"].astype(np.float64)
    task = spec["task"]
    if task == "multi_class":
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        outputs = shifted / shifted.sum(axis=1, keepdims=True)
    elif task == "binary":
        p = 1 / (1 + np.exp(-logits[:, 0]))
        outputs = np.stack([1 - p, p], axis=1)
    else:
        target = document["preprocessing"]["target"]
        outputs = logits * target["std"] + target["mean"]

    with open(sys.argv[3], newline="", encoding="utf-8") as f:
        predicted = list(csv.DictReader(f))
    if len(predicted) != len(rows):
        fail(f"{len(predicted)} predictions for {len(rows)} rows")
    if task == "regression":
        expected = np.array([[float(row["prediction"])] for row in predicted])
        tolerance = 1e-5 * max(1.0, float(np.abs(outputs).max()))
    else:
        columns = [f"p_{label}" for label in document["class_labels"]]
        expected = np.array([[float(row[c]) for c in columns] for row in predicted])
        tolerance = 1e-5
    worst = float(np.abs(outputs - expected).max())
    if worst > tolerance:
        fail(f"NumPy's forward pass differs from hearth predict by up to {worst:.3g}")
    print(f"ok: {path}: {checked}; NumPy matches hearth predict on {len(rows)} rows (max difference {worst:.2g})")


if __name__ == "__main__":
    main()
