#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install what is missing, build aic and aicd, make
# sure a Docker engine and an aicd answer, build the bundled AI stack's images locally (no
# registry: a debootstrapped Debian base, postgres/redis/nginx/prometheus from Debian's
# packages, the LibTorch inference service), bring the stack up with
# `aic up -d --wait` (examples/ai-stack with its offline override), send a prediction through
# nginx, and print where everything is. Idempotent: a second run reuses the running engine,
# aicd, images and containers.
#
#   AIC_DEMO_DIR=/tmp/aic-demo   where aicd's socket, state, log and pid file live
#   NGINX_PORT=8080              the stack's front door on 127.0.0.1 (also INFERENCE_PORT=8000,
#                                PROMETHEUS_PORT=9090)
#   AIC_BIN_DIR=DIR              use aic and aicd from DIR (e.g. /usr/local/bin, see
#                                packaging/README.md) instead of building them in build/
set -euo pipefail
cd "$(dirname "$0")/.."

readonly demo_dir="${AIC_DEMO_DIR:-/tmp/aic-demo}"
readonly socket="$demo_dir/aicd.sock"
readonly state_dir="$demo_dir/state"
readonly log="$demo_dir/aicd.log"
readonly pidfile="$demo_dir/aicd.pid"
readonly port="${NGINX_PORT:-8080}"
readonly stack_dir=examples/ai-stack
readonly stack_files=(-f docker-compose.yml -f docker-compose.offline.yml)
readonly wait_seconds=30
export NGINX_PORT="$port"
# The stack's aicd-metrics sidecar reads aicd's socket from this directory.
export AICD_SOCKET_DIR="$demo_dir"

step() { printf '\n==> %s\n' "$*"; }

aicd_answers() {
  curl -fsS --max-time 2 --unix-socket "$socket" http://localhost/v1/version >/dev/null 2>&1
}

# Whether PID runs (a zombie does not: where nothing reaps, an exited aicd stays one).
is_alive() {
  kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
is_running_aicd() {
  [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == aicd ]] && is_alive "$1"
}

# The pid in the pid file when that process is still a running aicd.
demo_aicd_pid() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && is_running_aicd "$pid" && echo "$pid"
}

stop_demo_aicd() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < wait_seconds * 5; i++)); do
    is_running_aicd "$pid" || return 0
    sleep 0.2
  done
  echo "demo: aicd $pid did not stop within $wait_seconds s" >&2
  return 1
}

start_aicd() {
  mkdir -p "$demo_dir" "$state_dir"
  # Its own session, so it outlives this script; stderr too goes to the log (both append), for
  # errors from before the logger is set up.
  # shellcheck disable=SC2094
  setsid "$aicd" --socket "$socket" --state-dir "$state_dir" --log-file "$log" \
    </dev/null >>"$log" 2>&1 &
  local pid=$!
  echo "$pid" >"$pidfile"
  for ((i = 0; i < wait_seconds * 5; i++)); do
    if aicd_answers; then
      echo "demo: aicd $pid answers on $socket (log: $log)"
      return 0
    fi
    if ! is_alive "$pid"; then
      echo "demo: aicd exited; the end of $log:" >&2
      tail -n 20 "$log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  echo "demo: aicd did not answer on $socket within $wait_seconds s; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  return 1
}

step "Installing missing packages"
bash scripts/install-deps.sh

if [[ -n "${AIC_BIN_DIR:-}" ]]; then
  bin_dir="$AIC_BIN_DIR"
  step "Using aic and aicd from $bin_dir"
else
  bin_dir=build/bin
  step "Building aic and aicd (build/)"
  # Only the two binaries, and no cache options changed, so scripts/test.sh's build stays as it
  # is (RelWithDebInfo unless configured otherwise).
  cmake -S . -B build -G Ninja >/dev/null
  cmake --build build --target aic aicd
fi
readonly aic="$bin_dir/aic" aicd="$bin_dir/aicd"
aic_abs=$(realpath "$aic")
readonly aic_abs
for b in "$aic" "$aicd"; do
  [[ -x "$b" ]] || { echo "demo: $b not found" >&2; exit 1; }
done

step "Making sure a Docker engine answers"
bash scripts/start-dockerd.sh

step "Making sure aicd answers on $socket"
if pid=$(demo_aicd_pid) && [[ "$aicd" -nt "$pidfile" ]]; then
  echo "demo: restarting aicd $pid on the new build (its containers keep running)"
  stop_demo_aicd "$pid"
fi
if aicd_answers; then
  echo "demo: aicd already answers on $socket"
else
  start_aicd
fi
export AIC_HOST="unix://$socket"

step "The stack's images, built here without a registry (scripts/ai-stack-images.sh)"
# The first run debootstraps a Debian base and compiles the inference service: several minutes.
bash scripts/ai-stack-images.sh

step "aic up -d --wait (in $stack_dir: docker-compose.yml + docker-compose.offline.yml)"
if ! (cd "$stack_dir" && "$aic_abs" "${stack_files[@]}" up -d --wait --wait-timeout 300 \
  --progress plain); then
  echo "demo: aic up failed; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  if [[ "$port" == 8080 ]]; then
    echo "demo: if port 8080 is taken, run NGINX_PORT=8081 bash scripts/demo.sh" >&2
  fi
  exit 1
fi

step "A prediction through nginx: POST 127.0.0.1:$port/predict"
row=$(seq 1 64 | awk '{ printf "%s%.2f", (NR > 1 ? "," : ""), ($1 % 9) / 4 - 1 }')
curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' \
  -d "{\"inputs\": [[$row]]}" "http://127.0.0.1:$port/predict"
echo
curl -fsS --max-time 5 "http://127.0.0.1:$port/info"
echo

step "The project's containers"
(cd "$stack_dir" && "$aic_abs" "${stack_files[@]}" ps)

if pid=$(demo_aicd_pid); then
  stop_aicd="kill $pid   # pid in $pidfile"
else
  stop_aicd="# (not started by demo.sh: stop it the way it was started)"
fi
cat <<EOF

==> Done: the AI stack runs under aicd.

  nginx (the front door):  http://127.0.0.1:$port/predict  /health  /info  /metrics
  inference (direct):      http://127.0.0.1:${INFERENCE_PORT:-8000}
  prometheus:              http://127.0.0.1:${PROMETHEUS_PORT:-9090}  (targets: inference, aicd)
  aicd:                    unix://$socket   log: $log

  export AIC_HOST=unix://$socket
  cd $stack_dir
  $aic_abs ${stack_files[*]} ps                  # state and health
  $aic_abs ${stack_files[*]} logs -f inference   # the service's log
  $aic_abs gpus                                  # GPUs (none here: the service runs on the CPU)
  $aic_abs ${stack_files[*]} down -v             # stop, and remove containers, network, volumes
  $stop_aicd   # stop aicd (the containers keep running)

  More: examples/ai-stack/README.md; a smaller stack: examples/quickstart/README.md
EOF
