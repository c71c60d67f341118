#!/usr/bin/env python3
"""Measures the Swift runner and the PyTorch reference one after the other on the same machine
and prints the README's performance table (Markdown).

    swift build -c release && python3 bench/side_by_side.py [--epochs 3] [--threads 2]

Both sides train LeNet-5 on the full Fashion-MNIST training split (55 000 images after the
5 000-image validation hold-out), batch 64, Adam, then evaluate validation + test (15 000 images).
Epoch times are means over epochs 2..N (epoch 1 is warm-up) on both sides. Run it on an idle
machine: with 2 threads, any other busy process distorts both sides.

    python3 bench/side_by_side.py --zoo [--epochs 3] [--threads 2] [--train-limit N] [--only NAME ...]

trains every `bench/zoo/*.yaml` model instead: ours with `runner bench --json`, PyTorch with
`bench/zoo_torch.py` in both its default mode and channels_last + fused Adam (each in its own
process), taking the faster; prints one table (epoch seconds, ratio, images/s, GFLOP/s from our
FLOP count, peak RSS) and the FMA probe's 1- and 2-core multiply-add peak, measured before and
after. `--train-limit` (with `--test-limit`, `--validation`) trains on a subset, on both sides.
"""
import argparse, glob, json, os, platform, re, subprocess, sys

VARIANTS = [("none", "experiments/lenet5-none.yaml", "No regularization"),
            ("dropout", "experiments/lenet5-dropout.yaml", "Dropout"),
            ("l2", "experiments/lenet5-l2.yaml", "Weight decay (L2)"),
            ("batchnorm", "experiments/lenet5-batchnorm.yaml", "Batch normalization")]


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def has_avx512():
    return any(l.startswith("flags") and " avx512f" in l for l in open("/proc/cpuinfo"))


def fma_probe():
    """The probe's FMA rates on one core and on two at once, per register width present (GFLOP/s =
    G FMA/s × lanes × 2): {"AVX2": (one, two), "AVX-512": (one, two)}."""
    wide = has_avx512()
    exe = "/tmp/fma_probe_side_by_side" + ("_512" if wide else "")
    if not os.path.exists(exe):
        flags = ["-mfma", "-mavx2"] + (["-mavx512f"] if wide else [])
        subprocess.run(["gcc", "-O2", *flags, "bench/fma_probe.c", "-o", exe], check=True)
    widths = [("AVX2", "256", 16)] + ([("AVX-512", "512", 32)] if wide else [])

    def rates(out):
        return {name: float(re.search(bits + r"-bit: ([0-9.]+) G", out).group(1)) * flops for name, bits, flops in widths}
    one = rates(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)
    procs = [subprocess.Popen([exe], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [rates(q.communicate()[0]) for q in procs]
    return {name: (one[name], sum(o[name] for o in outs)) for name, _, _ in widths}


def zoo(args):
    configs = sorted(glob.glob("bench/zoo/*.yaml"))
    if args.only:
        configs = [c for c in configs if os.path.splitext(os.path.basename(c))[0] in args.only]
    if any(c.endswith("rgb32.yaml") for c in configs) and not os.path.exists("/tmp/zoo-rgb/fashion-mnist.npz"):
        subprocess.run([sys.executable, "scripts/export_fashion_mnist.py", "/tmp/zoo-rgb", "--rgb"], check=True)
    limits = [("train_limit", args.train_limit), ("test_limit", args.test_limit), ("validation", args.validation)]
    overrides = [f"data.{k}={v}" for k, v in limits if v is not None]
    torch_flags = [f"--{k.replace('_', '-')}={v}" for k, v in limits if v is not None]
    before = fma_probe()
    rows = []
    for config in configs:
        ours = run_json([args.runner, "bench", config, *overrides, "--epochs", str(args.epochs), "--threads",
                         str(args.threads), "--json"])
        modes = [run_json([sys.executable, "bench/zoo_torch.py", config, "--mode", mode, "--epochs", str(args.epochs),
                           "--threads", str(args.threads), "--runner", args.runner, *torch_flags])
                 for mode in ("default", "fast")]
        torch = min(modes, key=lambda m: m["epoch_s"])
        # The same images on both sides: our FLOP count per epoch over either side's epoch time.
        flop = ours["gflop_per_s"] * ours["epoch_s"]
        rows.append((ours["variant"], ours, torch, flop / torch["epoch_s"]))
        print(f"{ours['variant']}: ours {ours['epoch_s']:.2f} s, pytorch {torch['epoch_s']:.2f} s ({torch['mode']})",
              file=sys.stderr)
    after = fma_probe()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"Machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}; PyTorch {rows[0][2]['torch']}; "
          f"{args.threads} threads; {args.epochs} epochs (epochs 2–{args.epochs} averaged); "
          f"{rows[0][1]['train_images']} training images per epoch.")
    for name in before:
        print(f"FMA probe ({name}) before: {before[name][0]:.0f} GFLOP/s on 1 core, {before[name][1]:.0f} on 2; "
              f"after: {after[name][0]:.0f} / {after[name][1]:.0f}.")
    # The peak the fraction is of: the widest registers' 2-core rate, mean of before and after.
    widest = list(before)[-1]
    peak = (before[widest][1] + after[widest][1]) / 2
    print(f"\"% of peak\": ours GFLOP/s over {peak:.0f} GFLOP/s, the {widest} probe's 2-core rate (mean of before and after).\n")
    print("| Model | ours: epoch s | PyTorch: epoch s (mode) | ours / PyTorch | ours: img/s | PyTorch: img/s "
          "| ours: GFLOP/s | ours: % of peak | PyTorch: GFLOP/s | ours: peak RSS MB | PyTorch: peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, o, t, tflops in rows:
        print(f"| {name} | {o['epoch_s']:.2f} | {t['epoch_s']:.2f} ({t['mode']}) | {o['epoch_s'] / t['epoch_s']:.2f} | "
              f"{o['img_per_s']:.0f} | {t['img_per_s']:.0f} | {o['gflop_per_s']:.1f} | {100 * o['gflop_per_s'] / peak:.0f} | "
              f"{tflops:.1f} | {o['peak_rss_mb']} | {t['peak_rss_mb']:.0f} |")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runner", default=".build/release/runner")
    p.add_argument("--zoo", action="store_true", help="every bench/zoo/*.yaml model instead of the LeNet-5 study")
    p.add_argument("--only", nargs="*", help="with --zoo: these zoo files only (names without .yaml)")
    p.add_argument("--train-limit", type=int)
    p.add_argument("--test-limit", type=int)
    p.add_argument("--validation", type=int)
    args = p.parse_args()
    if args.zoo:
        return zoo(args)
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
