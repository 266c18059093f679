#!/usr/bin/env bash
# The one test command: installs what is missing, checks formatting, builds with warnings as
# errors, runs the unit tests, then fuzzes the compose loader for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/check-format.sh
cmake -S . -B build -G Ninja -DAIC_WERROR=ON >/dev/null
cmake --build build
(cd build && ctest --output-on-failure -j2)
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash scripts/fuzz.sh
