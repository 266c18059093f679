#!/usr/bin/env bash
# The one test command: installs what is missing, makes sure a Docker engine answers, checks
# formatting, builds with warnings as errors, runs the unit tests and the end-to-end tests against
# the real engine (which must be reachable here: AIC_E2E_REQUIRED=1) — among them the bundled AI
# stack, whose images scripts/ai-stack-images.sh builds first —, builds and smoke-tests the
# aicd container image from a debootstrapped base (AIC_PACKAGE_TEST=0 skips it), then fuzzes the
# compose loader and the engine client's parsers for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/start-dockerd.sh
bash scripts/check-format.sh
cmake -S . -B build -G Ninja -DAIC_WERROR=ON >/dev/null
cmake --build build
# The AI stack's images (local Debian base, offline images, the inference service) for its e2e
# test; seconds when they are current.
bash scripts/ai-stack-images.sh
# End-to-end tests hold the "aic_e2e" resource lock, so they run one at a time beside the unit tests.
(cd build && AIC_E2E_REQUIRED=1 ctest --output-on-failure -j2)
if [[ "${AIC_PACKAGE_TEST:-1}" == 1 ]]; then
  bash scripts/package-image.sh
fi
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash scripts/fuzz.sh
