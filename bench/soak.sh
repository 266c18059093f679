#!/usr/bin/env bash
# A soak of aicd, bounded in time: for MINUTES, at once,
#   - project S ("supervised", 8 services with a healthcheck and x-aic.restart_on_unhealthy):
#     every 10-20 s the healthcheck of one random healthy service is broken (`docker exec rm
#     /tmp/ok`); at the end every injected failure must be matched by exactly one `unhealthy`
#     restart in aicd's supervision records (GET /v1/projects/S), none missing, none extra;
#   - project C ("cycled", SERVICES services): `aic up -d` then `aic down` through the real CLI,
#     in a loop; every cycle must succeed;
#   - CLIENTS threads of mixed API traffic over the unix socket (version, projects, project S
#     with and without labels, its config, project C, /metrics, /v1/gpus, short reads of S's
#     events and logs, a few `aic ps`), every answer checked against its endpoint's expected
#     statuses (bench/soak.py, EXPECTED); anything else (5xx, 429, refused/reset connections,
#     no answer within 30 s, answers slower than 10 s, bodies of the wrong shape) is an error;
#     the logs reads, whose engine calls themselves pass 10 s on a saturated engine, are
#     judged against the engine instead: their p99 within 1.5 x that of the engine doing the
#     same calls beside the traffic (bench/soak.py, FLOOR_BOUND);
#   - aicd's RSS and open fds sampled every 10 s: RSS "flat" when, after the first minute, the
#     last third's mean is within +20 % of the first third's; no descriptor leaked when aicd's
#     open fds at rest after the traffic are within +10 of those at rest before it.
# Prints a markdown summary; exits non-zero when any check failed. Everything it creates (its
# aicd, both projects' containers and networks, its temp dir) is removed at the end, also on
# Ctrl-C. The driver is bench/soak.py (Python 3, standard library only).
#   bash bench/soak.sh [MINUTES=30] [CLIENTS=50] [SERVICES=30]
# BENCH_BUILD_DIR=DIR uses the aic and aicd of DIR/bin instead of building build-bench;
# SOAK_THINK_MS (default 100) is each client's mean pause between requests; SOAK_PROBE_INTERVAL
# (default 1s) is how often project S's healthchecks run (each probe is an exec the engine runs
# through runc: 8 a second take much of a 2-CPU machine).
# aicd allows 64 requests in progress per client (per uid on the unix socket, so all of these
# clients together): CLIENTS must stay below about 60 for the no-429 check to mean anything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes="${1:-30}"
clients="${2:-50}"
services="${3:-30}"
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ && "$clients" =~ ^[1-9][0-9]*$ && "$services" =~ ^[1-9][0-9]*$ ]] ||
  { echo "usage: bash bench/soak.sh [MINUTES=30] [CLIENTS=50] [SERVICES=30]" >&2; exit 2; }
((clients <= 60)) || echo "soak: warning: $clients clients can reach aicd's 64 requests in progress per client (429)" >&2
build="${BENCH_BUILD_DIR:-$root/build-bench}"
probe_interval="${SOAK_PROBE_INTERVAL:-1s}"
[[ "$probe_interval" =~ ^[0-9]+(ms|s|m)$ ]] ||
  { echo "soak: SOAK_PROBE_INTERVAL must be a duration like 1s or 500ms, not $probe_interval" >&2; exit 2; }

bash "$root/scripts/e2e-image.sh" >/dev/null
if [[ -z "${BENCH_BUILD_DIR:-}" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
    -DAIC_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target aic aicd >/dev/null
fi
[[ -x "$build/bin/aic" && -x "$build/bin/aicd" ]] || { echo "soak: no aic/aicd in $build/bin" >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-bench-soak.XXXXXX")"
aic="$work/aic"
prefix="aicsoak$$"
project_s="${prefix}s"
project_c="${prefix}c"
aicd_pid=""
driver_pid=""
cleanup() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM # the cleanup runs to its end
  set +e
  if [[ -n "$driver_pid" ]] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -TERM "$driver_pid" 2>/dev/null
    wait "$driver_pid" 2>/dev/null
  fi
  if [[ -n "$aicd_pid" ]] && kill -0 "$aicd_pid" 2>/dev/null; then
    for p in "$project_c" "$project_s"; do
      # 409 while an `up` the interrupted driver started still runs in aicd: try again
      for _ in $(seq 15); do
        AIC_HOST="unix://$work/aicd.sock" timeout 120 "$aic" -p "$p" down -v \
          --remove-orphans --progress quiet >/dev/null 2>&1 && break
        sleep 2
      done
    done
    kill "$aicd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$aicd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$aicd_pid" 2>/dev/null
    wait "$aicd_pid" 2>/dev/null
  fi
  # whatever aicd did not remove (it died, an operation was cut short): by the Compose label
  for p in "$project_c" "$project_s"; do
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$p" 2>/dev/null)
    [[ -n "$ids" ]] && docker rm -f $ids >/dev/null 2>&1
    ids=$(docker network ls -q --filter "label=com.docker.compose.project=$p" 2>/dev/null)
    [[ -n "$ids" ]] && docker network rm $ids >/dev/null 2>&1
    ids=$(docker volume ls -q --filter "label=com.docker.compose.project=$p" 2>/dev/null)
    [[ -n "$ids" ]] && docker volume rm -f $ids >/dev/null 2>&1
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The CLI runs hundreds of times: a copy, so a rebuild of the tree during the soak cannot cut in.
# (aicd is started once; its running image is kept whatever happens to the file.)
cp "$build/bin/aic" "$aic"

"$build/bin/aicd" --socket "$work/aicd.sock" --state-dir "$work/state" --log-file "$work/aicd.log" &
aicd_pid=$!
for _ in $(seq 100); do [[ -S "$work/aicd.sock" ]] && break; sleep 0.1; done
[[ -S "$work/aicd.sock" ]] || { echo "soak: aicd did not open its socket" >&2; exit 1; }
export AIC_HOST="unix://$work/aicd.sock"

# Project S: healthchecks, opted into aicd's restart on unhealthy with a budget the soak cannot
# spend (the defaults allow 5 restarts in 10 minutes, fewer than the injections a service gets).
mkdir -p "$work/s" "$work/c"
{
  echo "name: $project_s"
  echo "services:"
  for i in $(seq 8); do
    cat <<YAML
  s$i:
    image: aic-test/busybox:latest
    command: [sh, -c, 'touch /tmp/ok; exec sleep 86400']
    stop_signal: SIGKILL
    restart: always
    healthcheck: {test: [CMD, test, -f, /tmp/ok], interval: $probe_interval, timeout: 10s, retries: 2}
    x-aic:
      restart_on_unhealthy: {max_attempts: 1000, window: 10m, backoff: 1s, max_backoff: 4s}
YAML
  done
} >"$work/s/compose.yaml"
{
  echo "name: $project_c"
  echo "services:"
  for i in $(seq "$services"); do
    cat <<YAML
  c$i:
    image: aic-test/busybox:latest
    command: [sleep, '86400']
    stop_signal: SIGKILL
YAML
  done
} >"$work/c/compose.yaml"
(cd "$work/s" && "$aic" up -d --wait --wait-timeout 300 --progress quiet)

echo "soak: $minutes min, $clients clients, $services cycled services; aicd pid $aicd_pid," \
  "projects $project_s and $project_c, work dir $work" >&2
set +e
python3 "$root/bench/soak.py" --socket "$work/aicd.sock" --aic "$aic" \
  --aicd-pid "$aicd_pid" --minutes "$minutes" --clients "$clients" --project-s "$project_s" \
  --project-c "$project_c" --dir-c "$work/c" --services-c "$services" \
  --probe-interval "$probe_interval" &
driver_pid=$!
wait "$driver_pid"
status=$?
driver_pid=""
set -e

# aicd's own complaints during the run
if [[ -s "$work/aicd.log" ]]; then
  warnings=$(grep -cE '\[(warning|warn)\]' "$work/aicd.log" || true)
  errors=$(grep -cE '\[(error|critical)\]' "$work/aicd.log" || true)
  echo
  echo "aicd's log: $warnings warning and $errors error lines."
  if ((errors > 0)); then
    echo
    grep -E '\[(error|critical)\]' "$work/aicd.log" | head -5 | sed 's/^/    /'
  fi
fi
if [[ -n "${SOAK_KEEP_LOG:-}" ]]; then cp "$work/aicd.log" "$SOAK_KEEP_LOG"; fi
exit "$status"
