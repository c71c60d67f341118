#!/usr/bin/env python3
"""Writes RGB resize test cases computed by Pillow, for the Swift test that checks that the
per-channel resize of colour images is Pillow's `Image.resize(..., BILINEAR)` on an 'RGB' image.

Same format as scripts/make_resize_fixture.py, with pixels interleaved R, G, B, row-major:

    case <name> <in_w> <in_h> <out_w> <out_h>
    in <hex bytes>
    out <hex bytes>

Usage: pip install pillow; python3 scripts/make_rgb_resize_fixture.py  # -> Tests/DataTests/Fixtures/resize-rgb.txt
"""
import os
import random

import PIL
from PIL import Image

SIZES = [(28, 28, 32, 32), (37, 23, 32, 32), (50, 41, 20, 20), (17, 60, 32, 32), (64, 16, 24, 30), (30, 90, 32, 12)]


def main():
    rng = random.Random(14)
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "DataTests", "Fixtures", "resize-rgb.txt")
    lines = [f"# Pillow {PIL.__version__} Image.resize(BILINEAR) on RGB images, written by scripts/make_rgb_resize_fixture.py"]
    for (w, h, ow, oh) in SIZES:
        for kind in ("noise", "gradient"):
            if kind == "noise":
                px = bytes(rng.randrange(256) for _ in range(w * h * 3))
            else:
                px = bytes(v for y in range(h) for x in range(w)
                           for v in (round(255 * x / (w - 1)), round(255 * y / (h - 1)), (x * y) % 256))
            result = Image.frombytes("RGB", (w, h), px).resize((ow, oh), Image.BILINEAR).tobytes()
            lines += [f"case {kind}-{w}x{h}to{ow}x{oh} {w} {h} {ow} {oh}", "in " + px.hex(), "out " + result.hex()]
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(SIZES) * 2} cases to {out}")


if __name__ == "__main__":
    main()
