#!/usr/bin/env python3
"""Writes resize test cases computed by Pillow, for the Swift tests of Data.BilinearResample.

Each case is an 8-bit grayscale ('L') image and its Image.resize(..., Image.BILINEAR) result, which
is what torchvision.transforms.Resize produces. Output format (text, one item per line):

    # comment
    case <name> <in_w> <in_h> <out_w> <out_h>
    in <hex bytes, row-major>
    out <hex bytes, row-major>

Usage:
    pip install pillow
    python3 scripts/make_resize_fixture.py                      # -> Tests/DataTests/Fixtures/resize.txt
    python3 scripts/make_resize_fixture.py --real /usr/share/datasets/fashion-mnist --count 100 \
        --output /tmp/resize-real.txt                           # first N real training images, 28 -> 32
The Swift test also reads the file named by $RESIZE_FIXTURE, so the second form checks real data:
    RESIZE_FIXTURE=/tmp/resize-real.txt swift test --filter DataTests.ResizeTests
"""
import argparse
import gzip
import math
import os
import random
import struct

import PIL
from PIL import Image


def resize(pixels, w, h, ow, oh):
    img = Image.frombytes("L", (w, h), bytes(pixels))
    return img.resize((ow, oh), Image.BILINEAR).tobytes()


def synthetic(kind, w, h, rng):
    """A w×h image of a named pattern."""
    px = []
    for y in range(h):
        for x in range(w):
            if kind == "noise":
                v = rng.randrange(256)
            elif kind == "hgradient":
                v = round(255 * x / (w - 1))
            elif kind == "vgradient":
                v = round(255 * y / (h - 1))
            elif kind == "checker":
                v = 255 if (x + y) % 2 else 0
            elif kind == "checker2":
                v = 255 if (x // 2 + y // 2) % 2 else 0
            elif kind == "white":
                v = 255
            elif kind == "black":
                v = 0
            elif kind == "dot":
                v = 255 if (x, y) == (w // 2, h // 2) else 0
            elif kind == "border":
                v = 255 if x in (0, w - 1) or y in (0, h - 1) else 0
            elif kind == "diagonal":
                v = 255 if abs(x - y) <= 1 else 0
            else:
                raise ValueError(kind)
            px.append(v)
    return px


def blobs(w, h, rng):
    """A 'garment-like' image: a few soft Gaussian blobs on black, clipped, like Fashion-MNIST."""
    field = [0.0] * (w * h)
    for _ in range(rng.randrange(2, 6)):
        cx, cy = rng.uniform(4, w - 4), rng.uniform(4, h - 4)
        sx, sy = rng.uniform(1.5, 7), rng.uniform(1.5, 7)
        a = rng.uniform(80, 300)
        for y in range(h):
            for x in range(w):
                field[y * w + x] += a * math.exp(-((x - cx) / sx) ** 2 - ((y - cy) / sy) ** 2)
    return [max(0, min(255, int(v + rng.uniform(-10, 10)))) if v > 8 else 0 for v in field]


def synthetic_cases():
    rng = random.Random(20240501)
    cases = []
    patterns = ["noise", "hgradient", "vgradient", "checker", "checker2", "white", "black", "dot",
                "border", "diagonal"]
    for p in patterns:
        cases.append((f"{p}-28to32", 28, 28, 32, 32, synthetic(p, 28, 28, rng)))
    for i in range(10):
        cases.append((f"blobs{i}-28to32", 28, 28, 32, 32, blobs(28, 28, rng)))
    for p in ["noise", "checker", "hgradient"]:
        cases.append((f"{p}-28to20", 28, 28, 20, 20, synthetic(p, 28, 28, rng)))
    cases.append(("blobs-28to20", 28, 28, 20, 20, blobs(28, 28, rng)))
    cases.append(("noise-28to13", 28, 28, 13, 13, synthetic("noise", 28, 28, rng)))
    cases.append(("noise-28to28", 28, 28, 28, 28, synthetic("noise", 28, 28, rng)))
    cases.append(("noise-28to57", 28, 28, 57, 57, synthetic("noise", 28, 28, rng)))
    # Non-square: different scale per axis, including up in one and down in the other.
    cases.append(("noise-28x20to32x24", 28, 20, 32, 24, synthetic("noise", 28, 20, rng)))
    cases.append(("noise-20x28to13x40", 20, 28, 13, 40, synthetic("noise", 20, 28, rng)))
    cases.append(("blobs-28x28to32x17", 28, 28, 32, 17, blobs(28, 28, rng)))
    # Pillow 13 resizes vertically first iff the height shrinks by more than twice the width's shrink:
    # 40x40 -> 30x20 is horizontal-first (20 = 2*10), 30x19 vertical-first.
    cases.append(("noise-40x40to30x20", 40, 40, 30, 20, synthetic("noise", 40, 40, rng)))
    cases.append(("noise-40x40to30x19", 40, 40, 30, 19, synthetic("noise", 40, 40, rng)))
    return [(n, w, h, ow, oh, px, resize(px, w, h, ow, oh)) for (n, w, h, ow, oh, px) in cases]


def real_cases(folder, count, size):
    path = os.path.join(folder, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 0x803, hex(magic)
        cases = []
        for i in range(min(count, n)):
            px = list(f.read(rows * cols))
            cases.append((f"train{i}-{rows}to{size}", cols, rows, size, size, px, resize(px, cols, rows, size, size)))
    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", default=os.path.join(here, "..", "Tests", "DataTests", "Fixtures", "resize.txt"))
    ap.add_argument("--real", metavar="FOLDER", help="use the first --count training images of this dataset")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--size", type=int, default=32)
    args = ap.parse_args()
    cases = real_cases(args.real, args.count, args.size) if args.real else synthetic_cases()
    with open(args.output, "w") as f:
        f.write(f"# Pillow {PIL.__version__} Image.resize(BILINEAR) cases, written by scripts/make_resize_fixture.py\n")
        for name, w, h, ow, oh, px, out in cases:
            f.write(f"case {name} {w} {h} {ow} {oh}\nin {bytes(px).hex()}\nout {out.hex()}\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(args.output)}")


if __name__ == "__main__":
    main()
