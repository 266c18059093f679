#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: install what is missing, build aic and aicd, make
# sure a Docker engine and an aicd answer, print the bundled AI stack (examples/ai-stack with
# its GPU override) as `docker compose config` would, then bring up the quickstart stack
# (examples/quickstart, no registry needed) with `aic up -d --wait` and show its page and
# containers. Idempotent: a second run reuses the running engine, aicd and containers.
#
#   AIC_DEMO_DIR=/tmp/aic-demo   where aicd's socket, state, log and pid file live
#   QUICKSTART_PORT=8080         the quickstart page's port on 127.0.0.1
#   AIC_BIN_DIR=DIR              use aic and aicd from DIR (e.g. /usr/local/bin, see
#                                packaging/README.md) instead of building them in build/
set -euo pipefail
cd "$(dirname "$0")/.."

readonly demo_dir="${AIC_DEMO_DIR:-/tmp/aic-demo}"
readonly socket="$demo_dir/aicd.sock"
readonly state_dir="$demo_dir/state"
readonly log="$demo_dir/aicd.log"
readonly pidfile="$demo_dir/aicd.pid"
readonly port="${QUICKSTART_PORT:-8080}"
readonly quickstart=examples/quickstart/compose.yaml
readonly wait_seconds=30
export QUICKSTART_PORT="$port"

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

step "The AI stack with its GPU override, resolved (aic config on examples/ai-stack)"
"$aic" -f examples/ai-stack/compose.yaml -f examples/ai-stack/compose.gpu.yaml config

step "The quickstart's base image (aic-quickstart/busybox:1, from the host's busybox)"
bash examples/quickstart/base-image.sh

step "aic -f $quickstart up -d --wait"
if ! "$aic" -f "$quickstart" up -d --wait --progress plain; then
  echo "demo: aic up failed; the end of $log:" >&2
  tail -n 20 "$log" >&2 || true
  if [[ "$port" == 8080 ]]; then
    echo "demo: if port 8080 is taken, run QUICKSTART_PORT=8081 bash scripts/demo.sh" >&2
  fi
  exit 1
fi

step "The page: curl -fsS 127.0.0.1:$port"
curl -fsS --max-time 5 "127.0.0.1:$port"

step "The project's containers"
if "$aic" ps --help >/dev/null 2>&1; then
  "$aic" -f "$quickstart" ps
else
  docker ps --filter label=com.docker.compose.project=quickstart \
    --format 'table {{.Names}}\t{{.Status}}\t{{.Ports}}'
fi

if pid=$(demo_aicd_pid); then
  stop_aicd="kill $pid   # pid in $pidfile"
else
  stop_aicd="# (not started by demo.sh: stop it the way it was started)"
fi
cat <<EOF

==> Done: the quickstart runs under aicd. Next steps:

  # point aic at this aicd:
  export AIC_HOST=unix://$socket
  # the page again (the counter has moved on):
  curl 127.0.0.1:$port
  # stop the quickstart and remove its containers, network and volume:
  $aic -f $quickstart down -v
  # stop aicd (the containers it started keep running):
  $stop_aicd

  aicd's log: $log
  More: examples/quickstart/README.md
EOF
