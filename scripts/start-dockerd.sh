#!/usr/bin/env bash
# Makes sure a Docker engine answers on the host's socket, for the end-to-end tests. Idempotent:
# when the engine already answers (docker info, or GET /_ping on the socket) it does nothing.
# Otherwise it starts `dockerd` in the background (as root; log in /var/log/aic-dockerd.log, or
# $TMPDIR when that is not writable) and waits up to 60 s for /_ping. It never starts a second
# dockerd: when one is running but not answering yet, it only waits for it.
set -euo pipefail

readonly default_socket=/var/run/docker.sock
readonly wait_seconds=60

socket=$default_socket
if [[ -n "${DOCKER_HOST:-}" ]]; then
  if [[ "$DOCKER_HOST" != unix://* ]]; then
    echo "start-dockerd: DOCKER_HOST=$DOCKER_HOST is not a unix socket; start that engine yourself" >&2
    exit 1
  fi
  socket=${DOCKER_HOST#unix://}
fi

pings() {
  command -v curl >/dev/null &&
    [[ "$(curl -s --max-time 3 --unix-socket "$socket" http://localhost/_ping 2>/dev/null)" == OK ]]
}
answers() {
  pings || { command -v docker >/dev/null && docker info >/dev/null 2>&1; }
}

# The pid of a running dockerd that owns /var/run/docker.pid, if any.
running_dockerd() {
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] &&
    echo "$pid"
}

if answers; then
  echo "start-dockerd: the engine answers on $socket"
  exit 0
fi

log=/var/log/aic-dockerd.log
if ! { touch "$log"; } 2>/dev/null; then
  log="${TMPDIR:-/tmp}/aic-dockerd.log"
fi

if pid=$(running_dockerd); then
  echo "start-dockerd: dockerd $pid is running but not answering yet; waiting"
else
  if [[ "$socket" != "$default_socket" ]]; then
    echo "start-dockerd: nothing answers on $socket (DOCKER_HOST); start that engine yourself" >&2
    exit 1
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "start-dockerd: no engine on $socket and starting dockerd needs root" >&2
    exit 1
  fi
  if ! command -v dockerd >/dev/null; then
    echo "start-dockerd: dockerd is not installed (scripts/install-deps.sh installs docker.io)" >&2
    exit 1
  fi
  echo "start-dockerd: starting dockerd (log: $log)"
  # Its own session, so it outlives this script and the shell that ran it.
  setsid dockerd >>"$log" 2>&1 </dev/null &
  pid=$!
fi

for ((i = 0; i < wait_seconds * 2; i++)); do
  if answers; then
    echo "start-dockerd: the engine answers on $socket"
    exit 0
  fi
  # (setsid may have forked, so the pidfile's dockerd counts too)
  if ! kill -0 "$pid" 2>/dev/null && ! running_dockerd >/dev/null; then
    echo "start-dockerd: dockerd $pid exited; the end of $log:" >&2
    tail -n 30 "$log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "start-dockerd: the engine did not answer on $socket within $wait_seconds s; the end of $log:" >&2
tail -n 30 "$log" >&2 || true
exit 1
