#!/usr/bin/env python3
"""The PyTorch round trip: a Hearth model exported by `hearth export`, trained one more
epoch in the real torch on a CSV's rows, written back with the module's `save_hearth`.

Usage: torch_round_trip.py MODULE.py MODEL.safetensors ROWS_CSV TARGET OUT.safetensors PREDICTIONS_CSV STATE.safetensors
Writes OUT.safetensors, the module's state dict (safetensors.torch.save_file, for `hearth
import`) to STATE.safetensors, and torch's probabilities for ROWS_CSV (p_<class> columns, as
`hearth predict` writes them) to PREDICTIONS_CSV; prints one "ok: ..." line.
"""

import csv
import importlib.util
import sys

import numpy as np
import torch


def main():
    if len(sys.argv) != 8:
        print(__doc__)
        sys.exit(2)
    module_path, model_path, rows_path, target, out_path, predictions_path, state_path = sys.argv[1:]
    spec = importlib.util.spec_from_file_location("exported", module_path)
    exported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(exported)
    model = exported.load(model_path)
    with open(rows_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    x = torch.as_tensor(np.asarray([exported.encode(row) for row in rows], dtype=np.float32))
    y = torch.as_tensor([exported.CLASSES.index(row[target]) for row in rows])
    before = model.predict(rows)
    # One epoch of plain SGD in batches of 16.
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(0)
    for batch in torch.randperm(len(rows), generator=generator).split(16):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
    model.eval()
    after = model.predict(rows)
    moved = float(np.abs(after - before).max())
    exported.save_hearth(model, out_path, source=model_path)
    from safetensors.torch import save_file

    save_file({name: value.contiguous() for name, value in model.state_dict().items()}, state_path)
    with open(predictions_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([f"p_{label}" for label in exported.CLASSES])
        for probabilities in after:
            writer.writerow([f"{p:.8f}" for p in probabilities])
    print(f"ok: trained one epoch in torch {torch.__version__} (probabilities moved by up to {moved:.3g}), wrote {out_path}")


if __name__ == "__main__":
    main()
