#!/usr/bin/env python3
"""Loads a checkpoint written by the runner (safetensors) into PyTorch; prints test accuracy and loss.

    python3 examples/pytorch_load.py results/<trial>                 # its config.yaml and model.safetensors
    python3 examples/pytorch_load.py CONFIG.yaml WEIGHTS.safetensors [--test-limit N] [--json]
    python3 examples/pytorch_load.py results/<trial>/model.safetensors [--batchnorm] [--dropout]   # LeNet-5

The model is built from the resolved config's `model:` mapping (examples/pytorch_models.py: lenet5,
mlp, vgg, resnet with the runner's state_dict names) and loaded strictly; the test images are read
from the config's IDX files and transformed as the runner does (bilinear resize as Pillow does it,
zero padding, `(x/255 - mean[c]) / std[c]`, gray repeated for `channels: 3`). Needs torch,
safetensors, pillow and pyyaml.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from PIL import Image
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_models import build  # noqa: E402


def read_idx(folder, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            with (gzip.open if candidate.endswith(".gz") else open)(path, "rb") as f:
                return f.read()
    raise SystemExit(f"{os.path.join(folder, name)}[.gz]: file not found")


def test_set(data, normalization=None, limit=None):
    """The test split a config's `data:` mapping describes, as [N, C, H, W] floats and labels."""
    if data.get("format") not in (None, "idx"):
        raise SystemExit(f"data.format {data['format']}: this script reads the IDX format only")
    folder = data.get("path", "/usr/share/datasets/fashion-mnist")
    raw = read_idx(folder, "t10k-images-idx3-ubyte")
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    images = np.frombuffer(raw[16:], np.uint8).reshape(-1, rows, cols)
    labels = np.frombuffer(read_idx(folder, "t10k-labels-idx1-ubyte")[8:], np.uint8)
    limit = limit or data.get("test_limit")
    if limit:
        images, labels = images[:limit], labels[:limit]
    if data.get("resize"):
        size = data["resize"]
        images = np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR)) for a in images])
    pad = data.get("pad", 0)
    if pad:
        images = np.pad(images, ((0, 0), (pad, pad), (pad, pad)))
    x = torch.from_numpy(images.astype(np.float32)).unsqueeze(1) / 255
    if data.get("channels") == 3:
        x = x.repeat(1, 3, 1, 1)
    norm = data.get("normalize", {"mean": 0.5, "std": 0.5})
    if norm == "auto":
        if normalization is None:
            raise SystemExit("normalize: auto needs the trial's metrics.json (pass the trial folder)")
        norm = normalization
    channels = x.shape[1]
    mean = torch.tensor(np.broadcast_to(np.asarray(norm["mean"], np.float32), (channels,)).copy()).view(1, -1, 1, 1)
    std = torch.tensor(np.broadcast_to(np.asarray(norm["std"], np.float32), (channels,)).copy()).view(1, -1, 1, 1)
    return (x - mean) / std, torch.from_numpy(labels.astype(np.int64))


def evaluate(model, x, y, batch=500):
    """Eval-mode accuracy (fraction) and mean cross-entropy (accumulated in float64)."""
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            logits = model(x[s:s + batch])
            correct += (logits.argmax(1) == y[s:s + batch]).sum().item()
            loss += F.cross_entropy(logits.double(), y[s:s + batch], reduction="sum").item()
    return correct / len(y), loss / len(y)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", help="a trial folder, a config.yaml, or (with --batchnorm/--dropout) a LeNet-5 checkpoint")
    p.add_argument("weights", nargs="?", help="the safetensors file (default: the trial folder's model.safetensors)")
    p.add_argument("--batchnorm", action="store_true", help="legacy: LeNet-5 with batch norm")
    p.add_argument("--dropout", action="store_true", help="legacy: LeNet-5 with dropout")
    p.add_argument("--test-limit", type=int, help="evaluate only the first N test images")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    normalization = None
    if args.source.endswith(".safetensors"):
        config = {"data": {"resize": 32}, "model": {"lenet5": {"batchnorm": args.batchnorm,
                                                              "dropout": 0.5 if args.dropout else 0.0}}}
        weights = args.source
    else:
        folder = args.source if os.path.isdir(args.source) else None
        with open(os.path.join(folder, "config.yaml") if folder else args.source) as f:
            config = yaml.safe_load(f)
        weights = args.weights or os.path.join(folder or ".", "model.safetensors")
        if folder and os.path.exists(os.path.join(folder, "metrics.json")):
            with open(os.path.join(folder, "metrics.json")) as f:
                normalization = json.load(f).get("normalization")
    data = config.get("data", {}) or {}
    x, y = test_set(data, normalization, args.test_limit)
    state = load_file(weights)
    # The IDX datasets (Fashion-MNIST, MNIST) have 10 classes.
    model = build(config["model"], in_channels=x.shape[1], classes=10, in_features=x[0].numel())
    model.load_state_dict(state)  # strict: names, shapes and dtypes all match the module
    accuracy, loss = evaluate(model, x, y)
    if args.json:
        print(json.dumps({"weights": weights, "tensors": len(state), "accuracy": accuracy, "loss": loss, "samples": len(y)}))
    else:
        print(f"{weights}: {len(state)} tensors loaded, test accuracy {accuracy:.4f}, loss {loss:.6f} ({len(y)} images)")


if __name__ == "__main__":
    main()
