#!/usr/bin/env python3
"""Reproduces the second study's best row in PyTorch from its committed checkpoints.

    python3 examples/pytorch_beyond.py                       # results/beyond, the best variant by validation
    python3 examples/pytorch_beyond.py RESULTS_DIR [--variant NAME] [--json]

The best variant is the one with the highest mean validation accuracy in RESULTS_DIR/aggregate.csv
(the test set picks nothing). Every seed's `model.safetensors` is loaded strictly into the PyTorch
module its `config.yaml` describes (examples/pytorch_models.py) and evaluated on the 10,000 test
images prepared as the runner prepares them (examples/pytorch_load.py). Each seed's test accuracy
is printed beside the one the runner recorded in its metrics.json, then the mean over seeds.
Exit status 1 when any seed's count of correct test images differs. Needs torch, safetensors,
pillow and pyyaml.
"""
import argparse
import csv
import json
import os
import sys

import torch
import yaml
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_load import evaluate, test_set  # noqa: E402
from pytorch_models import build  # noqa: E402


def best_variant(results):
    with open(os.path.join(results, "aggregate.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{results}/aggregate.csv: no variants")
    return max(rows, key=lambda r: float(r["val_acc_mean"]))["variant"]


def trials(results, variant):
    """The completed trial folders of one variant, by seed, from results.csv."""
    with open(os.path.join(results, "results.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["variant"] == variant and r["status"] == "completed"]
    if not rows:
        raise SystemExit(f"{results}/results.csv: no completed trials of variant {variant!r}")
    folders = []
    for row in sorted(rows, key=lambda r: int(r["seed"])):
        for name in sorted(os.listdir(results)):
            metrics = os.path.join(results, name, "metrics.json")
            if os.path.exists(metrics):
                with open(metrics) as f:
                    m = json.load(f)
                if m.get("configHash") == row["config_hash"]:
                    folders.append((os.path.join(results, name), m))
                    break
        else:
            raise SystemExit(f"{results}: no trial folder holds {row['name']} ({row['config_hash'][:12]})")
    return folders


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="?", default="results/beyond")
    p.add_argument("--variant", help="a variant name from aggregate.csv (default: the best by mean validation accuracy)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    variant = args.variant or best_variant(args.results)
    rows, mismatched = [], 0
    for folder, metrics in trials(args.results, variant):
        with open(os.path.join(folder, "config.yaml")) as f:
            config = yaml.safe_load(f)
        x, y = test_set(config.get("data", {}) or {}, metrics.get("normalization"))
        model = build(config["model"], in_channels=x.shape[1], classes=10, in_features=x[0].numel())
        model.load_state_dict(load_file(os.path.join(folder, "model.safetensors")))  # strict
        accuracy, _ = evaluate(model, x, y)
        ours = metrics["testAcc"]
        same = round(accuracy * len(y)) == round(ours * len(y))
        mismatched += not same
        rows.append({"trial": os.path.basename(folder), "seed": metrics["seed"],
                     "epoch": metrics["selectedEpoch"], "runner": ours, "pytorch": accuracy, "same": same})
    mean = lambda key: sum(r[key] for r in rows) / len(rows)  # noqa: E731
    if args.json:
        print(json.dumps({"variant": variant, "trials": rows, "runner_mean": mean("runner"), "pytorch_mean": mean("pytorch")}))
    else:
        print(f"{variant}: {len(rows)} checkpoints, each loaded into PyTorch and evaluated on the test set")
        width = max(len(r["trial"]) for r in rows)
        for r in rows:
            print(f"  {r['trial']:<{width}}  epoch {r['epoch']:>2}  runner {100 * r['runner']:.2f} %  "
                  f"PyTorch {100 * r['pytorch']:.2f} %  {'same' if r['same'] else 'DIFFERENT'}")
        print(f"  mean over seeds: runner {100 * mean('runner'):.2f} %, PyTorch {100 * mean('pytorch'):.2f} %")
    sys.exit(1 if mismatched else 0)


if __name__ == "__main__":
    main()
