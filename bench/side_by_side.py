#!/usr/bin/env python3
"""Measures the Swift runner and the PyTorch reference one after the other on the same machine
and prints the README's performance table (Markdown).

    swift build -c release && python3 bench/side_by_side.py [--epochs 3] [--threads 2]

Both sides train LeNet-5 on the full Fashion-MNIST training split (55 000 images after the
5 000-image validation hold-out), batch 64, Adam, then evaluate validation + test (15 000 images).
Epoch times are means over epochs 2..N (epoch 1 is warm-up) on both sides. Run it on an idle
machine: with 2 threads, any other busy process distorts both sides.
"""
import argparse, json, os, platform, subprocess, sys

VARIANTS = [("none", "experiments/lenet5-none.yaml", "No regularization"),
            ("dropout", "experiments/lenet5-dropout.yaml", "Dropout"),
            ("l2", "experiments/lenet5-l2.yaml", "Weight decay (L2)"),
            ("batchnorm", "experiments/lenet5-batchnorm.yaml", "Batch normalization")]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runner", default=".build/release/runner")
    args = p.parse_args()
    rows = []
    for key, config, name in VARIANTS:
        ours = run_json([args.runner, "bench", config, "--epochs", str(args.epochs), "--threads",
                         str(args.threads), "--json"])
        torch = run_json([sys.executable, "bench/pytorch_reference.py", "--variant", key, "--epochs",
                          str(args.epochs), "--threads", str(args.threads), "--json"])
        timed = torch["epochs"][1:] or torch["epochs"]
        t_train = sum(e["train_s"] for e in timed) / len(timed)
        t_eval = sum(e["eval_s"] for e in timed) / len(timed)
        rows.append((name, ours, t_train, t_eval, torch))
        print(f"{name}: ours {ours['epoch_s']:.2f} s, pytorch {t_train + t_eval:.2f} s", file=sys.stderr)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}; "
          f"PyTorch {rows[0][4]['torch']}; {args.threads} threads; epochs 2–{args.epochs} averaged.\n")
    print("| Variant | ours: epoch s (train + eval) | PyTorch: epoch s (train + eval) | ours / PyTorch "
          "| ours: images/s | ours: peak RSS MB | PyTorch: peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, o, tt, te, t in rows:
        print(f"| {name} | {o['epoch_s']:.2f} ({o['train_s']:.2f} + {o['eval_s']:.2f}) | "
              f"{tt + te:.2f} ({tt:.2f} + {te:.2f}) | {o['epoch_s'] / (tt + te):.2f} | "
              f"{o['img_per_s']:.0f} | {o['peak_rss_mb']} | {t['peak_rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
