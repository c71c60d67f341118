#!/usr/bin/env bash
# Submits a search with search.prune to Slurm: one job array per rung, each depending on the one
# before (--dependency=afterok), and a final `runner report` job. Every task of a rung's array
# runs its share of that rung (runner reads SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT) and
# exits 0; the next rung's tasks read the finished histories from the shared results folder,
# make the same pruning decisions, and train the promoted points on from their checkpoints.
#
#   swift build -c release                                   # once, on the shared filesystem
#   examples/slurm-search.sh examples/search/lenet5-halving.yaml [KEY=VALUE ...] [--seeds N ...]
#
# Environment: RESULTS (results folder, default results), TASKS (array tasks per rung, default 4),
# CPUS (cpus per task, default 2), MEM (default 2G), TIME (per task, default 01:00:00),
# RUNNER (default .build/release/runner), SBATCH_EXTRA (more sbatch options, e.g. --partition=gpu).
# Prints the job id of every rung's array and of the report job (`rung 1: 123`, `report: 126`).
# Logs: $RESULTS/logs/rung<K>-<task>.out and $RESULTS/logs/report.out.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 EXPERIMENT.yaml [runner run arguments...]" >&2; exit 2; }
results="${RESULTS:-results}"
runner="${RUNNER:-.build/release/runner}"
tasks="${TASKS:-4}"
[ -x "$runner" ] || { echo "$0: $runner not found; build it first: swift build -c release" >&2; exit 2; }
mkdir -p "$results/logs"

# How many rungs: the most in the plan's "rungs at epochs 2, 6, 10" lines (it validates the files too).
plan=$("$runner" plan "$@" --calibrate 0 --results "$results")
rungs=0
while read -r line; do
    n=$(tr ',' '\n' <<<"${line#rungs at epochs }" | grep -c '[0-9]')
    [ "$n" -gt "$rungs" ] && rungs=$n
done < <(grep -o 'rungs at epochs [0-9, ]*' <<<"$plan")
[ "$rungs" -gt 0 ] || { echo "$0: no search with search.prune (runner plan shows no rungs)" >&2; exit 2; }

command=$(printf '%q ' "$runner" run "$@" --results "$results" --log-format json)
dependency=()
for rung in $(seq 1 "$rungs"); do
    # shellcheck disable=SC2086
    jid=$(sbatch --parsable --job-name="search-rung$rung" --array=0-$((tasks - 1)) --cpus-per-task="${CPUS:-2}" \
        --mem="${MEM:-2G}" --time="${TIME:-01:00:00}" --requeue --output="$results/logs/rung$rung-%a.out" \
        "${dependency[@]}" ${SBATCH_EXTRA:-} --wrap "$command")
    echo "rung $rung: $jid"
    dependency=(--dependency=afterok:"$jid")
done
# shellcheck disable=SC2086
jid=$(sbatch --parsable --job-name=search-report --output="$results/logs/report.out" "${dependency[@]}" ${SBATCH_EXTRA:-} \
    --wrap "$(printf '%q ' "$runner" report "$results")")
echo "report: $jid"
