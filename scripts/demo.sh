#!/usr/bin/env bash
# The main job: set everything up on a fresh machine, build aic, and load the bundled AI stack
# (examples/ai-stack) with the GPU override, printing the resolved project as `docker compose
# config` would. Later versions bring the stack up under aicd.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/build.sh
build/bin/aic -f examples/ai-stack/compose.yaml -f examples/ai-stack/compose.gpu.yaml config
