#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-fuzz and runs each on a scratch
# copy of its checked-in corpus, so the repo stays clean: the compose loader for FUZZ_SECONDS
# (default 60), then the engine client's decoders for FUZZ_ENGINE_SECONDS (default 30), then
# the API's request parsing (HTTP, targets, routing, JSON bodies) for FUZZ_API_SECONDS (default
# 30). Exits non-zero when any fuzzer reports a crash, leak, timeout or OOM (all run regardless).
#
#   FUZZ_SECONDS=300 scripts/fuzz.sh        # longer run of the loader
#   FUZZ_ENGINE_SECONDS=120 scripts/fuzz.sh # longer run of the engine decoders
#   FUZZ_JOBS=2 scripts/fuzz.sh             # parallel workers (-fork)
#   FUZZ_KEEP=/tmp/corpus scripts/fuzz.sh   # keep the grown corpora there, one folder per target
# Crash inputs land in FUZZ_ARTIFACTS (default: build-fuzz/fuzz-artifacts/), one folder per target.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
engine_seconds="${FUZZ_ENGINE_SECONDS:-30}"
api_seconds="${FUZZ_API_SECONDS:-30}"
jobs="${FUZZ_JOBS:-1}"
artifacts="${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}"

export CC="${CC:-clang}" CXX="${CXX:-clang++}"
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAIC_BUILD_FUZZ=ON -DAIC_BUILD_TESTS=OFF -DAIC_BUILD_BENCH=OFF \
  -DAIC_WERROR="${AIC_WERROR:-OFF}" >/dev/null
cmake --build "$build" --target fuzz_compose_loader fuzz_engine_decoders fuzz_api_request

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

fork_args=()
if [[ "$jobs" -gt 1 ]]; then
  fork_args=(-fork="$jobs" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
fi

# fuzz_target NAME SECONDS CORPUS_NAME DICT: runs one target, prints its summary line, and
# returns non-zero when it failed.
fuzz_target() {
  local name="$1" budget="$2" corpus_name="$3" dict="$4"
  local seed_corpus="$root/tests/fuzz/corpus/$corpus_name"
  local corpus="$work/$corpus_name" log="$work/$name.log" target_artifacts="$artifacts/$name"
  cp -R "$seed_corpus" "$corpus"
  mkdir -p "$target_artifacts"

  local status=0
  "$build/bin/$name" "$corpus" \
    -dict="$dict" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$budget" -print_final_stats=1 \
    -artifact_prefix="$target_artifacts/" "${fork_args[@]}" 2>&1 | tee "$log" || status=$?
  if [[ $status -eq 0 ]] && grep -qE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY: UndefinedBehaviorSanitizer|runtime error:' "$log"; then
    status=1
  fi

  local execs
  execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)"
  if [[ -z "$execs" ]]; then
    execs="$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
  fi
  local corpus_files
  corpus_files="$(find "$corpus" -type f | wc -l)"
  if [[ -n "${FUZZ_KEEP:-}" ]]; then
    mkdir -p "$FUZZ_KEEP/$corpus_name" && cp -R "$corpus/." "$FUZZ_KEEP/$corpus_name/"
  fi

  if [[ $status -ne 0 ]]; then
    echo "fuzz: $name FAILED (status $status) after ${execs:-?} execs in ${budget}s;" \
      "corpus ${corpus_files} files; artifacts in $target_artifacts" >&2
    return 1
  fi
  echo "fuzz: $name OK, ${execs:-?} execs in ${budget}s, corpus ${corpus_files} files" \
    "($(find "$seed_corpus" -type f | wc -l) seeds)"
}

failed=0
fuzz_target fuzz_compose_loader "$seconds" compose_loader "$root/tests/fuzz/compose.dict" ||
  failed=1
fuzz_target fuzz_engine_decoders "$engine_seconds" engine_decoders \
  "$root/tests/fuzz/engine.dict" || failed=1
fuzz_target fuzz_api_request "$api_seconds" api_request "$root/tests/fuzz/api.dict" || failed=1
exit "$failed"
