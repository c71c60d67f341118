#!/usr/bin/env bash
# The shipped sweep on a one-node Slurm cluster (scripts/slurm-local.sh), compared with the same
# sweep run locally:
#   1. a job array through examples/slurm.sbatch, then `runner report` as a dependent job
#      (--dependency=afterok): identical weights, histories and tables except wall-clock columns;
#   2. the same array with one task killed mid-trial (scancel --full --signal=KILL) and requeued
#      (scontrol requeue): it resumes from its last epoch, and the results are again identical;
#   3. an array whose second task has a bad override: `runner report` names its trials missing;
#   4. a search with successive halving through examples/slurm-search.sh (one array per rung,
#      chained by afterok, then a report job): the same search.csv, statuses and weights as locally.
# Starts the cluster if it is not running and stops it at the end whatever happens (unless
# SLURM_KEEP=1). Needs a release build (.build/release/runner); run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
runner="$PWD/.build/release/runner"
[ -x "$runner" ] || swift build -c release
work="${SLURM_TEST_DIR:-$(mktemp -d /tmp/slurm-test.XXXXXX)}"
started=0
cleanup() {
    [ "$started" -eq 1 ] && [ "${SLURM_KEEP:-0}" != 1 ] && scripts/slurm-local.sh stop
    rm -rf "$work"
}
trap cleanup EXIT
if ! scripts/slurm-local.sh status | grep -q "slurmd: running"; then
    scripts/slurm-local.sh start
    started=1
fi
eval "$(scripts/slurm-local.sh env)"

# The shipped sweep on a subset: 4 trials of 3 epochs, one engine thread per task.
overrides=(train.epochs=3 data.train_limit=3000 data.validation=500 data.test_limit=1000 train.threads=1 --seeds 1)

wait_for() {  # job id, timeout in seconds
    local deadline=$((SECONDS + $2))
    while squeue -h -j "$1" 2>/dev/null | grep -q .; do
        [ $SECONDS -lt $deadline ] || { echo "slurm test: job $1 still queued or running after $2 s" >&2; squeue >&2; return 1; }
        sleep 1
    done
}

submit_array() {  # results folder, then extra sbatch options before the script
    local results="$1"; shift
    mkdir -p "$results/logs"
    RESULTS="$results" sbatch --parsable --array=0-1 --cpus-per-task=1 --mem=1G --export=ALL,RESULTS="$results" \
        --output="$results/logs/%x-%a.out" "$@" examples/slurm.sbatch "${overrides[@]}"
}

compare() {  # local results, cluster results
    python3 - "$1" "$2" <<'PY'
import csv, os, sys
a, b = sys.argv[1], sys.argv[2]
wall = {"seconds", "images_per_second", "mean_seconds"}
def rows(path):
    with open(path) as f:
        return [{k: v for k, v in r.items() if k not in wall and "seconds" not in k} for r in csv.DictReader(f)]
trials = sorted(d for d in os.listdir(a) if os.path.isfile(os.path.join(a, d, "metrics.json")))
assert trials == sorted(d for d in os.listdir(b) if os.path.isfile(os.path.join(b, d, "metrics.json"))), "different trial folders"
for t in trials:
    for name in ("model.safetensors", "config.yaml", "trial.hash"):
        assert open(os.path.join(a, t, name), "rb").read() == open(os.path.join(b, t, name), "rb").read(), f"{t}/{name} differs"
    assert rows(os.path.join(a, t, "history.csv")) == rows(os.path.join(b, t, "history.csv")), f"{t}/history.csv differs"
for name in ("results.csv", "aggregate.csv"):
    assert rows(os.path.join(a, name)) == rows(os.path.join(b, name)), f"{name} differs"
print(f"slurm test: {len(trials)} trials identical to the local run (weights, configs, histories, tables)")
PY
}

echo "== slurm: the sweep run locally"
"$runner" run experiments/*.yaml "${overrides[@]}" --results "$work/local" --quiet

echo "== slurm: a job array and a dependent report job"
jid=$(submit_array "$work/array")
rid=$(sbatch --parsable --dependency=afterok:"$jid" --output="$work/array/logs/report.out" --wrap "$runner report $work/array")
wait_for "$jid" 900
wait_for "$rid" 120
grep -q "rebuilt reports" "$work/array/logs/report.out" || { cat "$work/array/logs/"*.out; exit 1; }
compare "$work/local" "$work/array"

echo "== slurm: one task killed mid-trial and requeued"
jid=$(submit_array "$work/killed")
log="$work/killed/logs/lenet5-study-0.out"
deadline=$((SECONDS + 600))
until [ -f "$log" ] && grep -q '"event":"epoch"' "$log"; do
    [ $SECONDS -lt $deadline ] || { echo "slurm test: task 0 never finished an epoch" >&2; exit 1; }
    sleep 0.2
done
scancel --full --signal=KILL "${jid}_0"
for _ in $(seq 1 60); do
    squeue -h -j "${jid}_0" -t RUNNING,COMPLETING 2>/dev/null | grep -q . || break
    sleep 0.5
done
compgen -G "$work/killed/*/checkpoint.safetensors" > /dev/null || { echo "slurm test: no checkpoint left by the killed task" >&2; exit 1; }
scontrol requeue "${jid}_0"
wait_for "$jid" 900
"$runner" report "$work/killed" > /dev/null
grep -q '"event":"trial_start".*"completed_epochs":[1-9]' "$log" || { echo "slurm test: the requeued task did not resume" >&2; cat "$log"; exit 1; }
compare "$work/local" "$work/killed"

echo "== slurm: a task with a bad override is reported missing"
mkdir -p "$work/failed/logs"
jid=$(sbatch --parsable --array=0-1 --cpus-per-task=1 --mem=1G --output="$work/failed/logs/%a.out" \
    --wrap "extra=; [ \"\$SLURM_ARRAY_TASK_ID\" = 1 ] && extra=train.epochs=0; exec $runner run experiments/*.yaml ${overrides[*]} \$extra --results $work/failed --quiet")
wait_for "$jid" 900
grep -q "train.epochs" "$work/failed/logs/1.out" || { echo "slurm test: task 1 did not fail on its override" >&2; cat "$work/failed/logs/1.out"; exit 1; }
status=0
"$runner" report "$work/failed" 2> "$work/failed/report.err" > /dev/null || status=$?
[ "$status" -eq 1 ] || { echo "slurm test: report exit $status, expected 1" >&2; exit 1; }
missing=$(grep -c "missing" "$work/failed/report.err")
[ "$missing" -ge 1 ] && grep -q "missing —" "$work/failed/summary.md" || { echo "slurm test: missing trials not reported" >&2; cat "$work/failed/report.err"; exit 1; }
echo "slurm test: the failed task's $missing trial(s) reported missing"
echo "== slurm: a search with successive halving, one job array per rung (examples/slurm-search.sh)"
# 4 points × 1 seed on a subset; rungs at epochs 1 and 2 (η = 2): 4 points, then the best 2.
search=(examples/search/lenet5-halving.yaml search.trials=4 search.prune.min_epochs=1 search.prune.reduction_factor=2
        train.epochs=2 data.train_limit=2000 data.validation=500 data.test_limit=500 train.threads=1 --seeds 1)
"$runner" run "${search[@]}" --results "$work/search-local" --quiet
submitted=$(RESULTS="$work/search-slurm" RUNNER="$runner" TASKS=2 CPUS=1 MEM=1G examples/slurm-search.sh "${search[@]}")
echo "$submitted"
[ "$(grep -c '^rung ' <<<"$submitted")" -eq 2 ] || { echo "slurm test: expected 2 rung arrays" >&2; exit 1; }
rid=$(sed -n 's/^report: //p' <<<"$submitted")
wait_for "$rid" 900
grep -q "rebuilt reports" "$work/search-slurm/logs/report.out" || { tail -n 5 "$work/search-slurm/logs/"*.out; exit 1; }
grep -q '"event":"search".*did its share of rung 1 of 2' "$work/search-slurm/logs/rung1-"*.out \
    || { echo "slurm test: rung 1's tasks did not report their share" >&2; cat "$work/search-slurm/logs/rung1-"*.out; exit 1; }
python3 - "$work/search-local" "$work/search-slurm" <<'PY'
import csv, json, os, sys
a, b = sys.argv[1], sys.argv[2]
name = "search/lenet-5-random-search/search.csv"
assert open(os.path.join(a, name), "rb").read() == open(os.path.join(b, name), "rb").read(), "search.csv differs"
trials = sorted(d for d in os.listdir(a) if os.path.isfile(os.path.join(a, d, "metrics.json")))
assert trials == sorted(d for d in os.listdir(b) if os.path.isfile(os.path.join(b, d, "metrics.json"))), "different trial folders"
statuses = []
for t in trials:
    sa, sb = (json.load(open(os.path.join(x, t, "metrics.json")))["status"] for x in (a, b))
    assert sa == sb, f"{t}: {sa} here, {sb} on the cluster"
    statuses.append(sa)
    rows = lambda x: [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(open(os.path.join(x, t, "history.csv")))]
    assert rows(a) == rows(b), f"{t}/history.csv differs"
    weights = [os.path.join(x, t, "model.safetensors") for x in (a, b)]
    if os.path.exists(weights[0]):
        assert open(weights[0], "rb").read() == open(weights[1], "rb").read(), f"{t}/model.safetensors differs"
assert statuses.count("completed") == 2 and statuses.count("pruned at rung 1 (epoch 1)") == 2, statuses
print(f"slurm test: the search's {len(trials)} trials and search.csv identical to the local run (2 pruned at rung 1, 2 completed)")
PY
echo "slurm test: all checks passed"
