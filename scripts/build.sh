#!/usr/bin/env bash
# Configures and builds aic into build/ (bin/aic, bin/aicd). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@" >/dev/null
cmake --build build
