#!/usr/bin/env bash
# The inference service's benchmark: throughput and p50/p99 latency at 1, 8 and 64 concurrent
# clients, with dynamic batching on (MAX_BATCH=64, MAX_WAIT_MS=2) and off (MAX_BATCH=1), in one
# run, beside the model's own floor (forward passes in-process, no HTTP: `make-model --time`)
# and wrk as a second load generator at 64 connections. Writes the table into
# examples/ai-stack/README.md between the bench:inference markers, and fails when batching does
# not at least triple throughput at 64 clients.
#
#   SECONDS_PER_POINT=5   measured seconds per point (after 1 s of warm-up)
#   BUILD_DIR=build-bench a Release build tree of the repository
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly build_dir="${BUILD_DIR:-build-bench}"
readonly seconds="${SECONDS_PER_POINT:-5}"
readonly readme=examples/ai-stack/README.md
readonly min_ratio=3

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --target inference-server make-model inference_load
readonly bin="$build_dir/bin"

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -z "$server_pid" ]] || kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# "64 → 512 × 6 → 10": the demo model's shape, for the table's caption.
shape=$("$bin/make-model" "$work/model.pt" | sed -n 's/.*(\(.*\), seed.*/\1/p')
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== the model's floor: forward passes in-process (make-model --time)"
"$bin/make-model" --time "$work/model.pt" --batches 1,64 --seconds "$seconds" | tee "$work/floor.tsv"
floor_1=$(awk '$1 == 1 { print $4 }' "$work/floor.tsv")
floor_64=$(awk '$1 == 64 { print $4 }' "$work/floor.tsv")

# Sets port and server_pid (not in a subshell: the server must stay this shell's child).
start_server() {  # MAX_BATCH MAX_WAIT_MS
  port=$(free_port)
  MODEL_PATH="$work/model.pt" HOST=127.0.0.1 PORT="$port" MAX_BATCH="$1" MAX_WAIT_MS="$2" \
    MAX_QUEUE=4096 "$bin/inference-server" >/dev/null 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: the server did not become healthy; its log:" >&2
  cat "$work/server.log" >&2
  return 1
}
stop_server() {
  kill "$server_pid" 2>/dev/null || echo "bench: the server had exited early; see $work/server.log" >&2
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# The wrk script: one-row predictions, as inference_load sends.
body=$(python3 -c 'import json; print(json.dumps({"input": [((i * 7) % 200) / 100.0 - 1 for i in range(64)]}))')
cat >"$work/predict.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA

rows=()
declare -A rps
for mode in on off; do
  if [[ $mode == on ]]; then start_server 64 2; else start_server 1 0; fi
  for clients in 1 8 64; do
    echo "== batching $mode, $clients clients"
    # Exits 1 when a request failed; the count goes into the table instead.
    line=$("$bin/inference_load" --port "$port" --clients "$clients" --seconds "$seconds" \
      --warmup 1) || true
    echo "$line"
    r=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print("%.0f %.2f %.2f %d" % (d["rps"], d["p50_ms"], d["p99_ms"], d["errors"] + d["non_200"]))' "$line")
    read -r req p50 p99 errs <<<"$r"
    rps[$mode-$clients]=$req
    rows+=("| $mode | $clients | inference_load | $req | $p50 | $p99 | $errs |")
  done
  if command -v wrk >/dev/null; then
    echo "== batching $mode, wrk 64 connections"
    out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/predict.lua" "http://127.0.0.1:$port/predict")
    echo "$out" | grep -E "Requests/sec|50%|99%|Non-2xx" || true
    w_rps=$(echo "$out" | awk '/Requests\/sec/ { printf "%.0f", $2 }')
    # wrk prints 812.00us, 7.81ms or 1.20s: milliseconds, as the other rows.
    to_ms='{ v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
             f = (u == "us") ? 0.001 : (u == "s") ? 1000 : 1; printf "%.2f", v * f }'
    w_p50=$(echo "$out" | awk '$1 == "50%" '"$to_ms")
    w_p99=$(echo "$out" | awk '$1 == "99%" '"$to_ms")
    w_err=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
    rows+=("| $mode | 64 | wrk | $w_rps | $w_p50 | $w_p99 | ${w_err:-0} |")
  fi
  stop_server
done

ratio=$(python3 -c "print('%.1f' % (${rps[on-64]} / max(${rps[off-64]}, 1)))")
cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo | sed 's/ [0-9]*-Core Processor//')
table=$(
  echo "inference benchmark, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) CPUs, ${cpu}, ${seconds} s per point, one-row requests to the demo MLP (${shape}) on the CPU (OpenBLAS)"
  echo
  echo "| batching | clients | load generator | requests/s | p50 (ms) | p99 (ms) | errors |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Batching on / off at 64 clients: **${ratio}×** requests/s. The model's floor, in-process without HTTP: ${floor_1} rows/s one row at a time, ${floor_64} rows/s in batches of 64."
)
echo
echo "$table"

if [[ -f "$readme" ]] && grep -q '<!-- bench:inference -->' "$readme"; then
  python3 - "$readme" "$table" <<'PY'
import re, sys
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
block = "<!-- bench:inference -->\n" + table + "\n<!-- /bench:inference -->"
if "<!-- /bench:inference -->" in text:
    text = re.sub(r"<!-- bench:inference -->.*?<!-- /bench:inference -->", lambda m: block, text, flags=re.S)
else:
    text = text.replace("<!-- bench:inference -->", block, 1)
open(path, "w").write(text)
PY
  echo "bench: table written to $readme"
fi

if python3 -c "import sys; sys.exit(0 if ${rps[on-64]} >= $min_ratio * ${rps[off-64]} else 1)"; then
  echo "bench: batching gives ${ratio}x at 64 clients (at least ${min_ratio}x required)"
else
  echo "bench: batching gives only ${ratio}x at 64 clients (at least ${min_ratio}x required)" >&2
  exit 1
fi
