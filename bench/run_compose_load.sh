#!/usr/bin/env bash
# Builds Release in build-bench, runs compose_load_bench with 5 repetitions and prints a
# markdown table: median time per load, loads/s and peak RSS (process-wide high-water mark).
# Rates use CPU time, which a busy machine disturbs less than wall time; both times are shown.
#   bench/run_compose_load.sh               # table on stdout, raw JSON in build-bench/
#   BENCH_FILTER=500 bench/run_compose_load.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DAIC_BUILD_TESTS=OFF -DAIC_BUILD_BENCH=ON -DAIC_BUILD_FUZZ=OFF >/dev/null
cmake --build "$build" --target compose_load_bench >/dev/null

json="$build/compose_load_bench.json"
"$build/bin/compose_load_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_filter="${BENCH_FILTER:-.}" --benchmark_out="$json" --benchmark_out_format=json \
  >&2

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
echo "compose load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, ${cpu}"
echo
python3 - "$json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
unit_ms = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
print("| benchmark | median CPU time / load | median wall time / load | loads/s (CPU) "
      "| services/s (CPU) | peak RSS at start → after (MB) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    scale = unit_ms[b.get("time_unit", "ns")]
    cpu_ms, wall_ms = b["cpu_time"] * scale, b["real_time"] * scale
    print(f"| {b['run_name']} | {cpu_ms:.2f} ms | {wall_ms:.2f} ms | {b['items_per_second']:.1f} "
          f"| {b['services_per_s']:.0f} | {b['peak_rss_kb_at_start'] / 1024:.1f} → "
          f"{b['peak_rss_kb'] / 1024:.1f} |")
PY
