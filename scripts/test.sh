#!/usr/bin/env bash
# The one test command: installs what is missing, makes sure a Docker engine answers, checks
# formatting, builds aic and aicd with AddressSanitizer and UndefinedBehaviorSanitizer and
# warnings as errors (build-san) and runs every unit and end-to-end test on that build, against
# the real engine (which must be reachable here: AIC_E2E_REQUIRED=1) — among them the bundled AI
# stack, whose images scripts/ai-stack-images.sh builds first —; builds the inference service
# (LibTorch, not sanitized) in build and runs its unit tests; runs the ThreadSanitizer tests of
# the threaded parts (scripts/tsan.sh); builds and smoke-tests the aicd container image from a
# debootstrapped base (AIC_PACKAGE_TEST=0 skips it), then fuzzes the compose loader, the engine
# client's parsers and the API's request parsing for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
bash scripts/start-dockerd.sh
bash scripts/check-format.sh
# One sanitized build for the whole suite (-O1, asserts on). quarantine_size_mb keeps freed
# memory out of reuse for a while, as ASan does, but bounded, so memory checks stay meaningful;
# a leak, a memory error or undefined behaviour makes the process fail.
cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAIC_SANITIZE=ON -DAIC_WERROR=ON \
  >/dev/null
cmake --build build-san
export ASAN_OPTIONS="quarantine_size_mb=32:detect_leaks=1:abort_on_error=0 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1 ${UBSAN_OPTIONS:-}"
# The inference service links LibTorch, which is not built with sanitizers: a plain build of
# just its targets.
cmake -S . -B build -G Ninja -DAIC_WERROR=ON >/dev/null
cmake --build build --target inference_unit_tests inference-server make-model inference_load
# The AI stack's images (local Debian base, offline images, the inference service) for its e2e
# test; seconds when they are current.
bash scripts/ai-stack-images.sh
# The unit tests in one process: ctest starts one process per test, and a sanitized process
# takes about half a second to start (20 minutes for all of them instead of half a minute).
build-san/bin/aic_unit_tests --gtest_brief=1
# End-to-end tests (ctest label e2e) hold the "aic_e2e" resource lock: one at a time.
(cd build-san && AIC_E2E_REQUIRED=1 ctest --output-on-failure -L e2e)
(cd build && ctest --output-on-failure -j2 -L inference)
bash scripts/tsan.sh
if [[ "${AIC_PACKAGE_TEST:-1}" == 1 ]]; then
  bash scripts/package-image.sh
fi
FUZZ_SECONDS="${FUZZ_SECONDS:-60}" bash scripts/fuzz.sh
