#!/usr/bin/env python3
"""PyTorch reference for the LeNet-5 / Fashion-MNIST workload, timed on the CPU.

The same experiment as `experiments/` runs in Swift, written the plain PyTorch way, so the two can
be timed side by side on one machine:

* data: the four IDX `.gz` files read with gzip + numpy (no torchvision); every image resized
  28→32 once with Pillow's bilinear filter (what torchvision's `Resize(32)` does on a PIL image),
  normalized to (x/255 − 0.5)/0.5 and kept in memory as one float32 tensor (no DataLoader, no
  workers: batches are index slices of the preloaded tensor);
* split: a seeded permutation (`torch.Generator().manual_seed(seed)`) holds `--validation` training
  images out; `--train-limit`/`--test-limit` then keep the first N. The split is the same *kind* as
  the Swift tool's (seeded, held out of the 60 000 training images) but not index-for-index equal:
  the two use different generators;
* model: LeNet-5 with PyTorch's default initialization, the attribute names our safetensors
  checkpoints use (`conv1..3`, `batch_norm1..3`, `fc1`, `fc2`); logits go to `CrossEntropyLoss`;
* training: Adam (lr 1e-3; weight_decay 1e-4 for `l2`, i.e. coupled L2 like our `l2` option),
  batch 64, a fresh seeded shuffle each epoch, last partial batch kept;
* evaluation: validation and test after every epoch, `model.eval()` under `torch.no_grad()`, in
  batches of `--eval-batch-size` (256: on this 2-core machine faster than 64 or 1000).

Timings: "train" is the optimization loop of one epoch, "eval" the validation + test passes;
"epoch" is their sum (data loading is reported once, apart). img/s is training images per train
second. Figures in the headline are means over the epochs run. Each epoch also records the
process CPU seconds of both phases (`time.process_time`): with `--threads 1` that figure hardly
moves when other programs share the cores, while wall time with 2 OpenMP threads can grow tenfold
or more (a descheduled thread stalls every parallel region). Peak RSS is `ru_maxrss` of the
process (with `--all` each variant runs in its own child process so each gets its own peak); the
JSON also gives `import_rss_mb`, the part of it that `import torch` alone costs.

Examples:
    python3 bench/pytorch_reference.py --variant none --epochs 1 --train-limit 5000
    python3 bench/pytorch_reference.py --all --epochs 1 --json
"""
import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VARIANTS = ("none", "dropout", "l2", "batchnorm")
# Resident memory right after `import torch` (the PyPI wheel maps its CUDA libraries even on a CPU).
IMPORT_RSS_MB = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class LeNet5(nn.Module):
    """LeNet-5 for 1×32×32 inputs: three 5×5 convolutions, two average pools, two linear layers."""

    def __init__(self, batchnorm=False, dropout=0.0):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.conv3 = nn.Conv2d(16, 120, 5)
        if batchnorm:
            self.batch_norm1 = nn.BatchNorm2d(6)
            self.batch_norm2 = nn.BatchNorm2d(16)
            self.batch_norm3 = nn.BatchNorm2d(120)
        self.batchnorm = batchnorm
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc1 = nn.Linear(120, 84)
        self.fc2 = nn.Linear(84, 10)

    def block(self, x, k):
        x = getattr(self, f"conv{k}")(x)
        if self.batchnorm:
            x = getattr(self, f"batch_norm{k}")(x)
        return F.relu(x)

    def forward(self, x):  # [N, 1, 32, 32] → [N, 10] logits
        x = F.avg_pool2d(self.block(x, 1), 2)  # [N, 6, 14, 14]
        x = F.avg_pool2d(self.block(x, 2), 2)  # [N, 16, 5, 5]
        x = torch.flatten(self.block(x, 3), 1)  # [N, 120]
        x = F.relu(self.fc1(self.dropout(x)))  # [N, 84]
        return self.fc2(x)


def read_idx(path):
    """Reads a gzip IDX file (magic 0x0000 08 <ndim>, big-endian sizes) as a uint8 array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\0\0" or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, found {body.size} bytes")
    return body.reshape(shape)


def resize(images, size=32):
    """uint8 [N, 28, 28] → uint8 [N, size, size] with Pillow's bilinear filter (torchvision `Resize`)."""
    from PIL import Image
    if size == images.shape[1]:
        return images
    return np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR))
                     for a in images])


def to_tensor(images):
    """uint8 [N, H, W] → float32 [N, 1, H, W] normalized to (x/255 − 0.5)/0.5, in place."""
    x = torch.from_numpy(images).to(torch.float32).unsqueeze(1)
    return x.div_(127.5).sub_(1.0)


def load_data(root, seed, validation, train_limit, test_limit):
    """Returns {"train","val","test"} → (images, labels), split by a seeded permutation.

    Splitting happens on the uint8 images so that only one float copy of each split exists.
    """
    def part(kind):
        x = read_idx(os.path.join(root, f"{kind}-images-idx3-ubyte.gz"))
        y = read_idx(os.path.join(root, f"{kind}-labels-idx1-ubyte.gz"))
        if len(x) != len(y):
            raise ValueError(f"{root}: {len(x)} {kind} images but {len(y)} labels")
        return resize(x), torch.from_numpy(y.astype(np.int64))

    train_x, train_y = part("train")
    test_x, test_y = part("t10k")
    perm = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(seed))
    val_idx, train_idx = perm[:validation], perm[validation:]
    if train_limit is not None:
        train_idx = train_idx[:train_limit]
    if test_limit is not None:
        test_x, test_y = test_x[:test_limit], test_y[:test_limit]
    return {"train": (to_tensor(train_x[train_idx.numpy()]), train_y[train_idx]),
            "val": (to_tensor(train_x[val_idx.numpy()]), train_y[val_idx]),
            "test": (to_tensor(test_x), test_y)}


def train_epoch(model, opt, x, y, batch_size, gen):
    """One pass over (x, y) in a seeded random order; returns (mean loss, accuracy)."""
    model.train()
    order = torch.randperm(len(y), generator=gen)
    total_loss, correct = 0.0, 0
    for start in range(0, len(y), batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], y[idx]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total_loss += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
    return total_loss / len(y), correct / len(y)


@torch.no_grad()
def accuracy(model, x, y, batch_size):
    model.eval()
    if len(y) == 0:
        return float("nan")
    correct = sum((model(x[s:s + batch_size]).argmax(1) == y[s:s + batch_size]).sum().item()
                  for s in range(0, len(y), batch_size))
    return correct / len(y)


def run(args, variant, data):
    torch.manual_seed(args.seed)
    model = LeNet5(batchnorm=variant == "batchnorm", dropout=0.5 if variant == "dropout" else 0.0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3,
                           weight_decay=1e-4 if variant == "l2" else 0.0)
    gen = torch.Generator().manual_seed(args.seed + 1)
    (tx, ty), (vx, vy), (sx, sy) = data["train"], data["val"], data["test"]
    epochs = []
    for epoch in range(1, args.epochs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        loss, acc = train_epoch(model, opt, tx, ty, args.batch_size, gen)
        t1, c1 = time.perf_counter(), time.process_time()
        val_acc = accuracy(model, vx, vy, args.eval_batch_size)
        test_acc = accuracy(model, sx, sy, args.eval_batch_size)
        t2, c2 = time.perf_counter(), time.process_time()
        epochs.append({"epoch": epoch, "train_loss": loss, "train_acc": acc, "val_acc": val_acc,
                       "test_acc": test_acc, "train_s": t1 - t0, "eval_s": t2 - t1,
                       "train_cpu_s": c1 - c0, "eval_cpu_s": c2 - c1})
        if not args.json:
            print(epoch_line(epochs[-1]), flush=True)
    train_s = sum(e["train_s"] for e in epochs) / len(epochs)
    eval_s = sum(e["eval_s"] for e in epochs) / len(epochs)
    return {"variant": variant, "torch": torch.__version__, "threads": torch.get_num_threads(),
            "batch_size": args.batch_size, "train_images": len(ty), "val_images": len(vy),
            "test_images": len(sy), "epochs": epochs, "epoch_s": train_s + eval_s,
            "train_s": train_s, "eval_s": eval_s, "img_per_s": len(ty) / train_s,
            "final_test_acc": epochs[-1]["test_acc"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "import_rss_mb": IMPORT_RSS_MB}


def epoch_line(e):
    return (f"  epoch {e['epoch']}: train loss {e['train_loss']:.4f} acc {e['train_acc']:.4f} | "
            f"val acc {e['val_acc']:.4f} | test acc {e['test_acc']:.4f} | train {e['train_s']:.2f} s "
            f"(cpu {e['train_cpu_s']:.2f}), eval {e['eval_s']:.2f} s (cpu {e['eval_cpu_s']:.2f})")


def headline(r):
    return (f"pytorch {r['variant']}: epoch {r['epoch_s']:.2f} s (train {r['train_s']:.2f} + "
            f"eval {r['eval_s']:.2f}), {r['img_per_s']:.0f} img/s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB")
# (`import_rss_mb` in the JSON is the part of that peak already reached by `import torch`.)


def run_all(args):
    """Runs each variant in a child process (separate peak RSS); prints their headlines or JSON."""
    results = {}
    for variant in VARIANTS:
        argv = [a for a in sys.argv[1:] if a not in ("--all", "--json")]
        cmd = [sys.executable, os.path.abspath(__file__), *argv, "--variant", variant, "--json"]
        if not args.json:
            print(f"== {variant}", flush=True)
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        results[variant] = json.loads(out)
        if not args.json:
            for e in results[variant]["epochs"]:
                print(epoch_line(e))
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        for r in results.values():
            print(headline(r))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--variant", choices=VARIANTS, default="none")
    p.add_argument("--all", action="store_true", help="run every variant (one child process each)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--eval-batch-size", type=int, default=256)
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--test-limit", type=int, default=None)
    p.add_argument("--validation", type=int, default=5000)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = p.parse_args()
    if min(args.epochs, args.batch_size, args.eval_batch_size, args.threads) < 1:
        p.error("--epochs, --batch-size, --eval-batch-size and --threads must be at least 1")
    if not 0 <= args.validation < 60000:
        p.error(f"--validation must be in 0..59999, found {args.validation}")
    if args.all:
        return run_all(args)

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    data = load_data(args.data, args.seed, args.validation, args.train_limit, args.test_limit)
    load_s = time.perf_counter() - t0
    if not args.json:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; data loaded in "
              f"{load_s:.2f} s: train {len(data['train'][1])}, val {len(data['val'][1])}, "
              f"test {len(data['test'][1])}", flush=True)
    result = run(args, args.variant, data)
    result["load_s"] = load_s
    print(json.dumps(result, indent=1) if args.json else headline(result))


if __name__ == "__main__":
    main()
