#!/usr/bin/env bash
# Side by side, in one run: `aic config` and Debian's docker-compose (1.29, installed here by the
# bench only, never by the project's own scripts) on the same generated 500-service project.
#   bash bench/compare_config.sh [SERVICES] [RUNS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
services="${1:-500}"
runs="${2:-5}"
build="${BENCH_BUILD_DIR:-$root/build-bench}"

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "compare_config: installing Debian's docker-compose for the comparison" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
  -DAIC_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target aic compose_load_bench >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$build/bin/compose_load_bench" --write-compose="$services:$work/compose.yaml"
# docker-compose 1.29 predates the top-level `name:`; both tools get the name from -p instead.
sed -i '/^name: /d' "$work/compose.yaml"
echo "compose config comparison, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(docker-compose version --short 2>/dev/null || echo 'no docker-compose')"
echo
python3 "$root/bench/compare_config.py" "$build/bin/aic" "$work/compose.yaml" "$runs"
