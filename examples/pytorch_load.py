#!/usr/bin/env python3
"""Loads a LeNet-5 checkpoint written by the runner (safetensors) into PyTorch; prints test accuracy.

    python3 examples/pytorch_load.py results/<trial>/model.safetensors [--batchnorm] [--dropout]
"""
import argparse, gzip
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file


class LeNet5(nn.Module):
    def __init__(self, batchnorm=False, dropout=False):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5), nn.Conv2d(16, 120, 5)
        if batchnorm:
            self.batch_norm1, self.batch_norm2, self.batch_norm3 = (nn.BatchNorm2d(c) for c in (6, 16, 120))
        self.dropout = nn.Dropout(0.5) if dropout else nn.Identity()
        self.fc1, self.fc2 = nn.Linear(120, 84), nn.Linear(84, 10)

    def block(self, x, k):  # conv → [batch norm] → ReLU
        x = getattr(self, f"conv{k}")(x)
        return F.relu(getattr(self, f"batch_norm{k}", nn.Identity())(x))

    def forward(self, x):  # [N, 1, 32, 32] → [N, 10] logits
        x = F.avg_pool2d(self.block(x, 1), 2)
        x = F.avg_pool2d(self.block(x, 2), 2)
        return self.fc2(F.relu(self.fc1(self.dropout(torch.flatten(self.block(x, 3), 1)))))


def fashion_mnist_test(root="/usr/share/datasets/fashion-mnist"):
    """The 10 000 test images as [N, 1, 32, 32] (bilinear resize, (x/255 − 0.5)/0.5) and labels."""
    raw = gzip.open(f"{root}/t10k-images-idx3-ubyte.gz").read()[16:]
    images = np.frombuffer(raw, np.uint8).reshape(-1, 28, 28)
    images = np.stack([np.asarray(Image.fromarray(a).resize((32, 32), Image.BILINEAR)) for a in images])
    labels = np.frombuffer(gzip.open(f"{root}/t10k-labels-idx1-ubyte.gz").read()[8:], np.uint8)
    x = torch.from_numpy(images).float().unsqueeze(1).div(127.5).sub(1)
    return x, torch.from_numpy(labels.astype(np.int64))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--batchnorm", action="store_true")
    p.add_argument("--dropout", action="store_true")
    args = p.parse_args()
    model = LeNet5(args.batchnorm, args.dropout)
    state = load_file(args.model)
    model.load_state_dict(state)  # strict: names, shapes and dtypes all match the module
    x, y = fashion_mnist_test()
    with torch.no_grad():
        correct = sum((model.eval()(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum().item()
                      for s in range(0, len(y), 1000))
    print(f"{args.model}: {len(state)} tensors loaded, test accuracy {correct / len(y):.4f}")
