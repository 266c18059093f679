#!/usr/bin/env bash
# Installs every Debian package aic needs to build, test, fuzz, benchmark and run its end-to-end
# environment. Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang clang-format libclang-rt-14-dev
  libboost1.81-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  docker.io busybox-static iproute2 curl util-linux
  chromium  # headless, for the dashboard's end-to-end test
  # The AI stack's inference service (examples/ai-stack/inference): LibTorch, CPU-only in
  # Debian, and OpenBLAS, without which it would run on the 25-50x slower reference BLAS.
  libtorch-dev libopenblas0-pthread wrk
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
