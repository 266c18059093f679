#!/usr/bin/env bash
# How fast aicd heals an unhealthy service, against the engine's own floor, in one run.
# TRIALS times, the healthcheck of one service (a different one each time) is broken with
# `docker exec rm`; the engine reports it unhealthy, aicd restarts it, and it turns healthy
# again. From the event stream (the engine's container events and aicd's supervisor events,
# both in GET /v1/projects/{p}/events): the reaction (engine's unhealthy report -> aicd begins the
# restart), the restart call (aicd's restarting -> restarted) and the whole repair (probe broken
# -> healthy again). The floor: `docker restart` of the same containers, timed the same way.
# Docker itself never restarts an unhealthy container and docker-compose has no daemon, so there
# is no peer to time; autoheal-style sidecars poll (5 s by default). Prints a markdown table.
#   bash bench/supervision.sh [TRIALS] [SERVICES]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trials="${1:-10}"
services="${2:-10}"
((trials <= services)) || { echo "supervision: TRIALS must not exceed SERVICES" >&2; exit 2; }
build="${BENCH_BUILD_DIR:-$root/build-bench}"

bash "$root/scripts/e2e-image.sh" >/dev/null
if [[ -z "${BENCH_BUILD_DIR:-}" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
    -DAIC_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target aic aicd >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-bench-supervision.XXXXXX")"
project="aicbenchsup$$"
"$build/bin/aicd" --socket "$work/aicd.sock" --state-dir "$work/state" --log-file "$work/aicd.log" &
aicd_pid=$!
cleanup() {
  AIC_HOST="unix://$work/aicd.sock" "$build/bin/aic" -p "$project" down >/dev/null 2>&1 || true
  kill $aicd_pid 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -S "$work/aicd.sock" ]] && break; sleep 0.1; done
export AIC_HOST="unix://$work/aicd.sock"

mkdir -p "$work/p"
{
  echo "name: $project"
  echo "services:"
  for i in $(seq "$services"); do
    cat <<YAML
  s$i:
    image: aic-test/busybox:latest
    command: [sh, -c, 'touch /tmp/ok; exec sleep 3600']
    stop_signal: SIGKILL
    restart: always
    healthcheck: {test: [CMD, test, -f, /tmp/ok], interval: 1s, timeout: 1s, retries: 1}
YAML
  done
} >"$work/p/compose.yaml"
(cd "$work/p" && "$build/bin/aic" up -d --wait --progress quiet)

now_ns() { date +%s%N; }
healthy_since() { # container, start marker: waits until it started after the marker and is healthy
  local c=$1 before=$2
  for _ in $(seq 300); do
    local s h
    s=$(docker inspect -f '{{.State.StartedAt}}' "$c")
    h=$(docker inspect -f '{{.State.Health.Status}}' "$c")
    [[ "$s" != "$before" && "$h" == healthy ]] && return 0
    sleep 0.05
  done
  echo "supervision: $c did not come back healthy" >&2
  return 1
}

: >"$work/aicd_trials"
for i in $(seq "$trials"); do
  c="$project-s$i-1"
  before=$(docker inspect -f '{{.State.StartedAt}}' "$c")
  t0=$(now_ns)
  docker exec "$c" rm /tmp/ok
  healthy_since "$c" "$before"
  echo "s$i $t0 $(now_ns)" >>"$work/aicd_trials"
done
curl -s --max-time 2 --unix-socket "$work/aicd.sock" \
  "http://aicd/v1/projects/$project/events?since_id=0&types=container,supervisor" \
  >"$work/events" || true

: >"$work/floor_trials"
for i in $(seq "$trials"); do
  c="$project-s$i-1"
  before=$(docker inspect -f '{{.State.StartedAt}}' "$c")
  t0=$(now_ns)
  docker restart "$c" >/dev/null
  t1=$(now_ns)
  healthy_since "$c" "$before"
  echo "s$i $t0 $t1 $(now_ns)" >>"$work/floor_trials"
done

python3 - "$work" "$trials" "$services" <<'PY'
import json, statistics, sys, datetime
work, trials, services = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def ns(text):
    # RFC 3339 with nanoseconds, UTC ("...Z")
    base, _, frac = text.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 10**9 + int((frac + "000000000")[:9])

events = []
for line in open(f"{work}/events"):
    if line.startswith("data:"):
        events.append(json.loads(line[5:]))
unhealthy, restarting, restarted = {}, {}, {}
for e in events:
    svc, action, t = e.get("service", ""), e.get("action", ""), ns(e["time"])
    if action == "health_status: unhealthy":
        unhealthy.setdefault(svc, t)
    elif e.get("type") == "supervisor" and action == "restarting":
        restarting.setdefault(svc, t)
    elif e.get("type") == "supervisor" and action == "restarted":
        restarted.setdefault(svc, t)

reaction, call, repair = [], [], []
for line in open(f"{work}/aicd_trials"):
    svc, t0, t1 = line.split()
    if svc in unhealthy and svc in restarting:
        reaction.append((restarting[svc] - unhealthy[svc]) / 1e6)
    if svc in restarting and svc in restarted:
        call.append((restarted[svc] - restarting[svc]) / 1e6)
    repair.append((int(t1) - int(t0)) / 1e6)
floor_call, floor_repair = [], []
for line in open(f"{work}/floor_trials"):
    svc, t0, t1, t2 = line.split()
    floor_call.append((int(t1) - int(t0)) / 1e6)
    floor_repair.append((int(t2) - int(t0)) / 1e6)

def row(name, values, floor=None, note=""):
    if not values:
        return f"| {name} | n/a | n/a | | {note} |"
    med = statistics.median(values)
    ratio = f"{med / statistics.median(floor):.2f}x" if floor else ""
    return f"| {name} | {med:.0f} | {max(values):.0f} | {ratio} | {note} |"

print(f"Supervision, {trials} trials over {services} services (healthcheck interval 1 s, retries 1)\n")
print("| measure | median ms | max ms | vs floor | notes |")
print("|---|---:|---:|---:|---|")
print(row("reaction: engine's unhealthy event -> aicd restarting", reaction, None,
          "target < 100 ms; autoheal polls every 5 s"))
print(row("aicd's restart call (restarting -> restarted)", call, floor_call,
          "floor: `docker restart` of the same container"))
print(row("floor: `docker restart` call", floor_call))
print(row("repair: probe broken -> healthy again (aicd)", repair, floor_repair,
          "includes up to 1 s to the next probe, and the probe after the restart"))
print(row("floor: `docker restart` -> healthy again", floor_repair))
missing = trials - len(reaction)
if missing:
    print(f"\n{missing} trial(s) had no matching events (ring overflow?)")
PY
