#!/usr/bin/env python3
"""PyTorch side of the zoo benchmark: trains one `bench/zoo/*.yaml` model the way the runner does.

    python3 bench/zoo_torch.py bench/zoo/resnet.yaml [--mode default|fast] [--epochs 3] [--threads 2]
                               [--train-limit N] [--test-limit N] [--validation N] [--runner PATH]

The architecture is read from the runner's resolved config (`runner resolve CONFIG`): an explicit
`layers:` graph becomes the same graph of torch modules (same node order, `inputs:` edges, options);
`lenet5` is `pytorch_reference.LeNet5`. Everything else follows the config too: data (IDX or npz,
bilinear resize with Pillow, normalization, a seeded hold-out of `validation` training images, all
preloaded as one float tensor), PyTorch's default initialization, the optimizer and its options,
batch size, label smoothing. Each epoch trains on the training split in a seeded random order and
then evaluates the validation and test splits (batches of 256). The split and the order are the
same kind as the runner's, not index-for-index equal.

--mode default: contiguous tensors, the optimizer's default implementation.
--mode fast: channels_last model and batches, and `fused=True` for Adam / AdamW (PyTorch's fastest
CPU path here). `bench/side_by_side.py --zoo` runs both, each in its own process (own peak RSS),
and reports the faster. Prints one JSON object: per-epoch train / eval seconds, their means over
epochs 2..N (all when N = 1), images/s, peak RSS.
"""
import argparse
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
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import IMPORT_RSS_MB, LeNet5, read_idx  # noqa: E402


def numbers(v):
    """PyYAML reads `1e-05` as text (YAML 1.1); the runner writes floats so: make them numbers."""
    if isinstance(v, dict):
        return {k: numbers(x) for k, x in v.items()}
    if isinstance(v, list):
        return [numbers(x) for x in v]
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def resolved(runner, config, overrides):
    out = subprocess.run([runner, "resolve", config, *overrides], check=True, capture_output=True, text=True).stdout
    return numbers(next(yaml.safe_load_all(out)))


# MARK: - the graph

def padding_of(layer, k):
    p = layer.get("padding", 0)
    return (k - 1) // 2 if p == "same" else int(p)


def build_node(layer, shapes):
    """(module or None, output shape) of one resolved layer, given its inputs' shapes."""
    t, s = layer["type"], shapes[0]
    if t == "conv2d":
        k, st = layer["kernel"], layer.get("stride", 1)
        p, groups = padding_of(layer, k), layer.get("groups", 1)
        m = nn.Conv2d(s[0], layer["out"], k, stride=st, padding=p, groups=groups, bias=layer.get("bias", True))
        return m, [layer["out"], (s[1] + 2 * p - k) // st + 1, (s[2] + 2 * p - k) // st + 1]
    if t in ("batchnorm2d", "batchnorm1d"):
        cls = nn.BatchNorm2d if t == "batchnorm2d" else nn.BatchNorm1d
        return cls(s[0], eps=layer.get("eps", 1e-5), momentum=layer.get("momentum", 0.1)), s
    if t in ("maxpool2d", "avgpool2d"):
        k = layer["kernel"]
        st = layer.get("stride") or k
        cls = nn.MaxPool2d if t == "maxpool2d" else nn.AvgPool2d
        return cls(k, st), [s[0], (s[1] - k) // st + 1, (s[2] - k) // st + 1]
    if t == "global_avgpool":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()), [s[0]]
    if t == "flatten":
        return nn.Flatten(), [int(np.prod(s))]
    if t == "linear":
        return nn.Linear(s[0], layer["out"], bias=layer.get("bias", True)), [layer["out"]]
    if t == "layernorm":
        dims = layer.get("dims") or len(s)
        return nn.LayerNorm(s[len(s) - dims:], eps=layer.get("eps", 1e-5)), s
    if t == "dropout":
        return nn.Dropout(layer["p"]), s
    simple = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
              "identity": nn.Identity}
    if t in simple:
        return simple[t](), s
    if t == "leaky_relu":
        return nn.LeakyReLU(layer.get("slope", 0.01)), s
    if t == "elu":
        return nn.ELU(layer.get("alpha", 1.0)), s
    if t == "add":
        return None, s
    if t == "concat":
        return None, [sum(x[0] for x in shapes), *s[1:]]
    raise SystemExit(f"zoo_torch: layer type {t!r} has no PyTorch counterpart here")


class Graph(nn.Module):
    """The resolved `layers:` graph: nodes in file order, each reading the nodes named by `inputs`."""

    def __init__(self, layers, input_shape):
        super().__init__()
        self.mods = nn.ModuleDict()
        self.plan = []  # (key, type, input names, name)
        shapes = {"input": input_shape}
        for layer in layers:
            ins = layer["inputs"]
            module, shape = build_node(layer, [shapes[i] for i in ins])
            key = layer["name"].replace(".", "_")
            if module is not None:
                self.mods[key] = module
            self.plan.append((key, layer["type"], ins, layer["name"]))
            shapes[layer["name"]] = shape

    def forward(self, x):
        values = {"input": x}
        for key, t, ins, name in self.plan:
            args = [values[i] for i in ins]
            if t == "add":
                out = args[0]
                for a in args[1:]:
                    out = out + a
            elif t == "concat":
                out = torch.cat(args, 1)
            else:
                out = self.mods[key](args[0])
            values[name] = out
        return values[self.plan[-1][3]]


def build_model(model, input_shape):
    if "layers" in model:
        return Graph(model["layers"], input_shape)
    if "lenet5" in model:
        o = model["lenet5"]
        if o.get("activation", "relu") != "relu" or o.get("pooling", "avg") != "avg":
            raise SystemExit("zoo_torch: only LeNet-5 with relu and avg pooling is mirrored")
        return LeNet5(batchnorm=o.get("batchnorm", False), dropout=o.get("dropout", 0.0))
    raise SystemExit(f"zoo_torch: write the model as a layers: graph (found {list(model)})")


# MARK: - data

def load_images(data):
    """uint8 arrays (train x, train y, test x, test y), x as [N, H, W] or [N, H, W, C]."""
    path = data["path"]
    if data.get("format") == "npz" or path.endswith(".npz"):
        z = np.load(path)
        return z["x_train"], z["y_train"].reshape(-1), z["x_test"], z["y_test"].reshape(-1)
    parts = [read_idx(os.path.join(path, f"{kind}-{what}-idx{n}-ubyte.gz"))
             for kind in ("train", "t10k") for what, n in (("images", 3), ("labels", 1))]
    return parts[0], parts[1], parts[2], parts[3]


def to_tensor(x, data):
    """uint8 images → float32 [N, C, S, S], resized (Pillow bilinear), padded, normalized."""
    from PIL import Image
    size = data.get("resize")
    if size and size != x.shape[1]:
        x = np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR)) for a in x])
    t = torch.from_numpy(np.ascontiguousarray(x)).to(torch.float32)
    t = t.unsqueeze(1) if t.dim() == 3 else t.permute(0, 3, 1, 2).contiguous()
    pad = data.get("pad", 0) or 0
    if pad:
        t = F.pad(t, (pad, pad, pad, pad))
    norm = data.get("normalize") or {"mean": 0.5, "std": 0.5}
    mean = torch.tensor(norm["mean"], dtype=torch.float32).reshape(-1, 1, 1)
    std = torch.tensor(norm["std"], dtype=torch.float32).reshape(-1, 1, 1)
    return t.div_(255).sub_(mean).div_(std)


def load_data(data, seed):
    train_x, train_y, test_x, test_y = load_images(data)
    perm = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(seed))
    validation = data.get("validation") or 0
    val_idx, train_idx = perm[:validation].numpy(), perm[validation:].numpy()
    if data.get("train_limit"):
        train_idx = train_idx[:data["train_limit"]]
    if data.get("test_limit"):
        test_x, test_y = test_x[:data["test_limit"]], test_y[:data["test_limit"]]
    labels = lambda y: torch.from_numpy(np.asarray(y).astype(np.int64))  # noqa: E731
    return {"train": (to_tensor(train_x[train_idx], data), labels(train_y[train_idx])),
            "val": (to_tensor(train_x[val_idx], data), labels(train_y[val_idx])),
            "test": (to_tensor(test_x, data), labels(test_y))}


# MARK: - training

def optimizer(train, params, fast):
    o = train["optimizer"]
    kind, lr, wd = o["type"], o["lr"], o.get("weight_decay", 0.0)
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        return cls(params, lr=lr, betas=tuple(o.get("betas", (0.9, 0.999))), eps=o.get("eps", 1e-8),
                   weight_decay=wd, fused=True if fast else None)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=o.get("momentum", 0.0), nesterov=o.get("nesterov", False),
                               weight_decay=wd)
    raise SystemExit(f"zoo_torch: optimizer {kind!r} is not mirrored")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("config")
    p.add_argument("--mode", choices=("default", "fast"), default="default")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-limit", type=int)
    p.add_argument("--test-limit", type=int)
    p.add_argument("--validation", type=int)
    p.add_argument("--runner", default=".build/release/runner")
    args = p.parse_args()
    overrides = [f"data.{k}={v}" for k, v in (("train_limit", args.train_limit), ("test_limit", args.test_limit),
                                             ("validation", args.validation)) if v is not None]
    spec = resolved(args.runner, args.config, overrides)
    torch.set_num_threads(args.threads)
    seed = spec["train"].get("seed", 0)
    t0 = time.perf_counter()
    data = load_data(spec["data"], seed)
    load_s = time.perf_counter() - t0
    (tx, ty), (vx, vy), (sx, sy) = data["train"], data["val"], data["test"]
    torch.manual_seed(seed)
    model = build_model(spec["model"], list(tx.shape[1:]))
    fast = args.mode == "fast"
    if fast:
        model = model.to(memory_format=torch.channels_last)
        tx, vx, sx = (t.contiguous(memory_format=torch.channels_last) for t in (tx, vx, sx))
    opt = optimizer(spec["train"], model.parameters(), fast)
    smoothing = (spec["train"].get("loss") or {}).get("label_smoothing", 0.0)
    batch, gen = spec["train"]["batch_size"], torch.Generator().manual_seed(seed + 1)
    epochs = []
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(ty), generator=gen)
        for start in range(0, len(ty), batch):
            idx = order[start:start + batch]
            loss = F.cross_entropy(model(tx[idx]), ty[idx], label_smoothing=smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        t1 = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in ((vx, vy), (sx, sy)):
                for s in range(0, len(y), 256):
                    correct += (model(x[s:s + 256]).argmax(1) == y[s:s + 256]).sum().item()
        t2 = time.perf_counter()
        epochs.append({"train_s": t1 - t0, "eval_s": t2 - t1, "loss": loss.item()})
    timed = epochs[1:] or epochs
    train_s = sum(e["train_s"] for e in timed) / len(timed)
    eval_s = sum(e["eval_s"] for e in timed) / len(timed)
    print(json.dumps({"config": args.config, "mode": args.mode, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "train_images": len(ty), "eval_images": len(vy) + len(sy),
                      "epochs": epochs, "epoch_s": train_s + eval_s, "train_s": train_s, "eval_s": eval_s,
                      "img_per_s": len(ty) / train_s, "load_s": load_s,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "import_rss_mb": IMPORT_RSS_MB}))


if __name__ == "__main__":
    main()
