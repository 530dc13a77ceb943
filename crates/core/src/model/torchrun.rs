//! Scaling out on an engine that exists: the script that trains an exported model further
//! under `torchrun` (PyTorch's DistributedDataParallel). Plain text from the model's input
//! shape, so the page writes it too (Use & share), not only `hearth export`.

use super::spec::InputShape;

/// The Python module name for a model file name: `iris-flowers-model.safetensors` gives
/// `iris_flowers_model` (the file is saved as `iris_flowers_model.py`).
pub fn module_name(file_name: &str) -> String {
    let stem = file_name.trim_end_matches(".safetensors");
    let mut name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "model_");
    }
    name
}

/// A string as a Python string literal.
pub(crate) fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// A script that trains the model of the exported module `module` (from `file_name`, a
/// model of `input`) further with PyTorch's DistributedDataParallel under `torchrun`, on a
/// CSV file read with the model's own preprocessing or a folder of class folders of images
/// fitted as Hearth fits them, and writes a Hearth model file at the end.
#[allow(clippy::too_many_lines, reason = "the Python script's template")]
pub fn torchrun_script(module: &str, file_name: &str, input: InputShape) -> String {
    let image = match input {
        InputShape::Image {
            height,
            width,
            channels,
        } => format!("({height}, {width}, {channels})"),
        InputShape::Features { .. } => "None".to_string(),
    };
    format!(
        r#""""Trains {module} (the module `hearth export` wrote for {file_name}) further with
PyTorch's DistributedDataParallel, one process per CPU core group or GPU:

    torchrun --nproc_per_node=2 train_{module}.py more-rows.csv --target COLUMN \
        --epochs 5 --out trained-further.safetensors
    torchrun --nproc_per_node=2 train_{module}.py images/ --epochs 5 --out further.safetensors

Rows are read and encoded with the model's own preprocessing (as Hearth encodes them),
images (a folder of class-named folders; Pillow reads them) fitted as Hearth fits them;
each process trains on its share of every epoch (gloo on CPUs, nccl on GPUs); the first
writes a Hearth model file (save_hearth) that Hearth opens as any other.
"""

import argparse
import csv
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import {module} as exported

# An image model's (height, width, channels); None for a table model.
IMAGE = {image}


def fitted(path):
    """An image file as Hearth prepares it: transparency over white, luma (Rec. 709) or
    RGB, scaled to fit (aspect kept, triangle filter), centred on the median of its border,
    then divided by 255, channel last."""
    from PIL import Image

    height, width, channels = IMAGE
    image = Image.open(path)
    image.load()
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    if channels == 1:
        luma = rgb[..., 0] * 0.2126 + rgb[..., 1] * 0.7152 + rgb[..., 2] * 0.0722
        image = Image.fromarray(np.clip(np.rint(luma), 0, 255).astype(np.uint8), "L")
    else:
        image = Image.fromarray(rgb.astype(np.uint8), "RGB")
    scale = min(width / image.width, height / image.height)
    size = (min(max(round(image.width * scale), 1), width), min(max(round(image.height * scale), 1), height))
    image = image.resize(size, Image.BILINEAR) if size != image.size else image
    pixels = np.asarray(image, dtype=np.uint8).reshape(size[1], size[0], channels)
    if size != (width, height):
        border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
        out = np.empty((height, width, channels), dtype=np.uint8)
        out[:] = np.median(border, axis=0).astype(np.uint8)
        top, left = (height - size[1]) // 2, (width - size[0]) // 2
        out[top:top + size[1], left:left + size[0]] = pixels
        pixels = out
    return pixels.reshape(-1).astype(np.float32) / 255.0


def images(folder):
    """The images of a folder of class folders, and their classes' indices."""
    x, y = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not os.path.isdir(path):
            continue
        if name not in exported.CLASSES:
            raise SystemExit(f"{{folder}} has the class {{name}}, which the model does not know")
        for file in sorted(os.listdir(path)):
            x.append(fitted(os.path.join(path, file)))
            y.append(exported.CLASSES.index(name))
    return torch.as_tensor(np.stack(x)), torch.tensor(y)


def targets(rows, column):
    """The training targets: class indices, or the value as the model learns it."""
    if exported.TASK == "regression":
        target = exported.PREPROCESSING["target"]
        values = [(float(row[column]) - target["mean"]) / target["std"] for row in rows]
        return torch.tensor(values, dtype=torch.float32)
    unknown = sorted({{row[column] for row in rows}} - set(exported.CLASSES))
    if unknown:
        raise SystemExit(f"{{column}} has classes the model does not know: {{', '.join(unknown)}}")
    return torch.tensor([exported.CLASSES.index(row[column]) for row in rows])


def loss_of(logits, y):
    if exported.TASK == "multi_class":
        return F.cross_entropy(logits, y)
    if exported.TASK == "binary":
        return F.binary_cross_entropy_with_logits(logits[:, 0], y.float())
    return F.mse_loss(logits[:, 0], y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="a CSV file with the model's columns and the target, or a folder of class folders of images")
    parser.add_argument("--target", help="the column to learn (tables)")
    parser.add_argument("--model", default={file_quoted}, help="the Hearth model file to start from")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32, help="examples per step, per process")
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", required=True, help="where to write the Hearth model file")
    args = parser.parse_args()
    if IMAGE is None and args.target is None:
        raise SystemExit("--target: name the column to learn")

    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device(f"cuda:{{rank % torch.cuda.device_count()}}") if torch.cuda.is_available() else torch.device("cpu")
    torch.manual_seed(args.seed)

    if IMAGE is None:
        with open(args.data, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        x = torch.as_tensor(np.asarray([exported.encode(row) for row in rows], dtype=np.float32))
        dataset = TensorDataset(x, targets(rows, args.target))
    else:
        dataset = TensorDataset(*images(args.data))
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, seed=args.seed)
    loader = DataLoader(dataset, batch_size=args.batch, sampler=sampler)

    model = exported.load(args.model).to(device)
    model.train()
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.Adam(ddp.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        total, count = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_of(ddp(xb.to(device)), yb.to(device))
            loss.backward()
            optimizer.step()
            total, count = total + float(loss.detach()) * len(xb), count + len(xb)
        summed = torch.tensor([total, count], dtype=torch.float64)
        dist.all_reduce(summed)
        if rank == 0:
            print(f"epoch {{epoch + 1}}: training loss {{summed[0] / summed[1]:.5f}} over {{int(summed[1])}} rows in {{world}} processes")
    if rank == 0:
        model.eval()
        exported.save_hearth(model.cpu(), args.out, source=args.model)
        print(f"wrote {{args.out}}")
    # Every process waits for the file before the group ends: a process that tears gloo
    # down while another still uses it aborts ("terminate called without an active
    # exception"), and torchrun then reports the run as failed.
    dist.barrier()
    del ddp, optimizer
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
"#,
        file_quoted = quoted(file_name),
        image = image,
    )
}
