#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) in build-fuzz and fuzzes the compose
# loader for FUZZ_SECONDS (default 60) on a scratch copy of the checked-in corpus, so the repo
# stays clean. Exits non-zero when the fuzzer reports a crash, leak, timeout or OOM.
#
#   FUZZ_SECONDS=300 scripts/fuzz.sh        # longer run
#   FUZZ_JOBS=2 scripts/fuzz.sh             # parallel workers (-fork)
#   FUZZ_KEEP=/tmp/corpus scripts/fuzz.sh   # keep the grown corpus there
# Crash inputs land in FUZZ_ARTIFACTS (default: build-fuzz/fuzz-artifacts/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-1}"
artifacts="${FUZZ_ARTIFACTS:-$build/fuzz-artifacts}"
seed_corpus="$root/tests/fuzz/corpus/compose_loader"
dict="$root/tests/fuzz/compose.dict"

export CC="${CC:-clang}" CXX="${CXX:-clang++}"
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAIC_BUILD_FUZZ=ON -DAIC_BUILD_TESTS=OFF -DAIC_BUILD_BENCH=OFF \
  -DAIC_WERROR="${AIC_WERROR:-OFF}" >/dev/null
cmake --build "$build" --target fuzz_compose_loader

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R "$seed_corpus" "$work/corpus"
mkdir -p "$artifacts"
log="$work/fuzz.log"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

fork_args=()
if [[ "$jobs" -gt 1 ]]; then
  fork_args=(-fork="$jobs" -ignore_crashes=0 -ignore_timeouts=0 -ignore_ooms=0)
fi

status=0
"$build/bin/fuzz_compose_loader" "$work/corpus" \
  -dict="$dict" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${fork_args[@]}" 2>&1 | tee "$log" || status=$?
if [[ $status -eq 0 ]] && grep -qE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY: UndefinedBehaviorSanitizer|runtime error:' "$log"; then
  status=1
fi

execs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)"
if [[ -z "$execs" ]]; then
  execs="$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
fi
corpus_files="$(find "$work/corpus" -type f | wc -l)"
if [[ -n "${FUZZ_KEEP:-}" ]]; then
  mkdir -p "$FUZZ_KEEP" && cp -R "$work/corpus/." "$FUZZ_KEEP/"
fi

if [[ $status -ne 0 ]]; then
  echo "fuzz: FAILED (status $status) after ${execs:-?} execs in ${seconds}s;" \
    "corpus ${corpus_files} files; artifacts in $artifacts" >&2
  exit 1
fi
echo "fuzz: OK, ${execs:-?} execs in ${seconds}s, corpus ${corpus_files} files" \
  "($(find "$seed_corpus" -type f | wc -l) seeds)"
