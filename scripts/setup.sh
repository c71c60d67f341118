#!/usr/bin/env bash
# Installs the Debian packages this project needs. Idempotent: installs only what
# is missing, and runs `apt-get update` only when something is missing.
# Works as root or through sudo.
set -euo pipefail

packages=(libyaml-dev libopenblas-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libcsv-dev pkg-config binutils dataset-fashion-mnist)
# Headless Chromium: HTMLReportTests load results/index.html in it (skipped where it is absent).
packages+=(chromium)
# protoc regenerates Sources/Export/Generated (scripts/gen-*-proto.sh); the build never needs it,
# so it is installed only on request: SETUP_DEV_TOOLS=1 scripts/setup.sh
if [ "${SETUP_DEV_TOOLS:-0}" = 1 ]; then packages+=(protobuf-compiler); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all system packages present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
