#!/usr/bin/env python3
"""Exports the Fashion-MNIST IDX files into the other dataset formats the runner reads.

    scripts/export_fashion_mnist.py OUT [--idx /usr/share/datasets/fashion-mnist] [--limit N] [--rgb] [--csv]

writes
    OUT/images/train/<class>/<index>.png, OUT/images/test/<class>/<index>.png   (data.format: image_folder)
    OUT/fashion-mnist.npz  x_train (N, 28, 28) uint8, y_train (N,) uint8, x_test, y_test  (data.format: npz)
    OUT/csv/train.csv, OUT/csv/test.csv  with --csv: a header `label,p0,...,p783`, the class name and
                                         the 784 gray pixels per row                 (data.format: csv)

Class folders are named `<label>-<name>` (e.g. `0-t-shirt-top`), so their sorted order is the label
order; within a class, files are named by the image's index in the IDX file. `--rgb` writes 3-channel
PNGs (the gray plane repeated) and an (N, 28, 28, 3) npz. `--limit N` exports only the first N
images of each split. Python's standard library (with zlib) only: the PNGs are written chunk by chunk.
"""
import argparse
import csv
import gzip
import io
import os
import struct
import sys
import zipfile
import zlib

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(folder, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            magic, = struct.unpack(">I", data[:4])
            rank = magic & 0xFF
            dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
            return dims, data[4 + 4 * rank:]
    sys.exit(f"{os.path.join(folder, name)}.gz: file not found")


def png(pixels, width, height, channels):
    """A PNG (8-bit gray or RGB, no filter) of row-major interleaved bytes."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    stride = width * channels
    raw = b"".join(b"\x00" + pixels[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0 if channels == 1 else 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def npy(data, shape, descr="|u1"):
    """An NPY version 1.0 array."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + data


def slug(label, name):
    text = "".join(c.lower() if c.isalnum() else "-" for c in name).strip("-")
    while "--" in text:
        text = text.replace("--", "-")
    return f"{label}-{text}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--idx", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rgb", action="store_true")
    parser.add_argument("--csv", action="store_true", help="also write OUT/csv/{train,test}.csv (gray pixels)")
    args = parser.parse_args()
    channels = 3 if args.rgb else 1
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        (count, rows, cols), images = read_idx(args.idx, f"{prefix}-images-idx3-ubyte")
        (label_count,), labels = read_idx(args.idx, f"{prefix}-labels-idx1-ubyte")
        assert label_count == count, "label and image counts differ"
        n = min(count, args.limit) if args.limit else count
        plane = rows * cols
        out_images = io.BytesIO()
        for i in range(n):
            gray = images[i * plane:(i + 1) * plane]
            pixels = gray if channels == 1 else bytes(v for v in gray for _ in range(3))
            out_images.write(pixels)
            folder = os.path.join(args.out, "images", split, slug(labels[i], NAMES[labels[i]]))
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{i:05d}.png"), "wb") as f:
                f.write(png(pixels, cols, rows, channels))
        shape = (n, rows, cols) + ((3,) if channels == 3 else ())
        arrays[f"x_{split}"] = npy(out_images.getvalue(), shape)
        arrays[f"y_{split}"] = npy(bytes(labels[:n]), (n,))
        if args.csv:
            os.makedirs(os.path.join(args.out, "csv"), exist_ok=True)
            with open(os.path.join(args.out, "csv", f"{split}.csv"), "w", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(["label"] + [f"p{k}" for k in range(plane)])
                for i in range(n):
                    writer.writerow([NAMES[labels[i]]] + list(images[i * plane:(i + 1) * plane]))
        print(f"{split}: {n} images")
    path = os.path.join(args.out, "fashion-mnist.npz")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for key in ("x_train", "y_train", "x_test", "y_test"):
            z.writestr(key + ".npy", arrays[key])
    print(f"wrote {os.path.join(args.out, 'images')} and {path}")


if __name__ == "__main__":
    main()
