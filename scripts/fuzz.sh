#!/usr/bin/env bash
# Fuzzes module Spec (YAML parser, emitter round trip, and the experiment loader when present)
# with libFuzzer + AddressSanitizer.
#
#   scripts/fuzz.sh [SECONDS]          default 600; work files in $FUZZ_DIR (default /tmp/fuzz-spec)
#
# All of Sources/Spec/**/*.swift plus fuzz/FuzzSpec.swift are compiled as one module named Spec;
# libyaml comes in through the CYAML module map. The corpus is seeded from fuzz/seeds,
# experiments/**/*.yaml and Tests/SpecTests/Fixtures. Findings land in $FUZZ_DIR/crashes/;
# reproduce one with: $FUZZ_DIR/fuzz-spec $FUZZ_DIR/crashes/crash-<hash>
set -euo pipefail

seconds="${1:-600}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${FUZZ_DIR:-/tmp/fuzz-spec}"
cd "$root"
mkdir -p "$work/corpus" "$work/seeds" "$work/crashes"

mapfile -t sources < <(find Sources/Spec -name '*.swift' | sort)
defines=()
if grep -rqs "enum ExperimentLoader\|struct ExperimentLoader" Sources/Spec; then
    defines+=(-D FUZZ_LOADER)
fi

echo "fuzz.sh: compiling ${#sources[@]} Spec sources + harness ${defines[*]:-}" >&2
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name Spec \
    -I Sources/CYAML -lyaml "${defines[@]}" \
    "${sources[@]}" fuzz/FuzzSpec.swift -o "$work/fuzz-spec"

cp fuzz/seeds/*.yaml "$work/seeds/"
if [ -d experiments ]; then
    find experiments -name '*.yaml' -exec sh -c 'for f; do cp "$f" "$0/$(echo "$f" | tr / _)"; done' "$work/seeds" {} +
fi
if [ -d Tests/SpecTests/Fixtures ]; then
    find Tests/SpecTests/Fixtures -type f -exec sh -c 'for f; do cp "$f" "$0/$(echo "$f" | tr / _)"; done' "$work/seeds" {} +
fi

# Swift's own crash backtracer fights with ASan's; let libFuzzer report.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# The loader may read base files relative to the input's name: run from the repository root.
exec "$work/fuzz-spec" -max_len=4096 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -dict=fuzz/yaml.dict -artifact_prefix="$work/crashes/" -print_final_stats=1 \
    "$work/corpus" "$work/seeds"
