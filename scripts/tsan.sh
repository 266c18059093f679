#!/usr/bin/env bash
# Builds and runs the ThreadSanitizer tests (tests/tsan: the build context's worker thread and
# aicd's blocking pool, the inference service's batcher and server threads) in build-tsan. Any
# data race TSan reports fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S tests/tsan -B build-tsan -G Ninja >/dev/null
cmake --build build-tsan
# halt_on_error: the first race ends the test with TSan's report; second_deadlock_stack: full
# reports for lock-order problems.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
(cd build-tsan && ctest --output-on-failure -j2)
