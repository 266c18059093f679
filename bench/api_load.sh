#!/usr/bin/env bash
# Load on aicd's REST API with wrk: GET /v1/projects/{p} (aicd asks the engine for the project's
# containers on every request) against the floor of that same engine call (GET /containers/json
# with the project's label filter, through socat to the engine socket), while 200 clients hold
# GET /v1/events open. Checks: no wrk errors or non-2xx answers, every event stream still open
# at the end, and aicd's open file descriptors back at their baseline once the clients leave.
# Prints a markdown table. aicd serves at most 256 connections (a 257th gets 503 at once), so
# CONNECTIONS + SSE_CLIENTS must stay below that.
#   bash bench/api_load.sh [SECONDS] [CONNECTIONS] [SSE_CLIENTS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
connections="${2:-48}" # + 200 event streams stays under aicd's 256-connection cap
sse_clients="${3:-200}"
build="${BENCH_BUILD_DIR:-$root/build-bench}"

for tool in wrk socat; do
  if ! command -v $tool >/dev/null 2>&1; then
    echo "api_load: installing $tool" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null
  fi
done
bash "$root/scripts/e2e-image.sh" >/dev/null
if [[ -z "${BENCH_BUILD_DIR:-}" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
    -DAIC_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target aic aicd >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work="$(mktemp -d "${TMPDIR:-/tmp}/aic-bench-api.XXXXXX")"
port=$(free_port)
floor_port=$(free_port)
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token" >"$work/token"
chmod 600 "$work/token"
"$build/bin/aicd" --socket "$work/aicd.sock" --state-dir "$work/state" --log-file "$work/aicd.log" \
  --listen "127.0.0.1:$port" --token-file "$work/token" &
aicd_pid=$!
socat "TCP-LISTEN:$floor_port,bind=127.0.0.1,reuseaddr,fork" UNIX-CONNECT:/var/run/docker.sock &
socat_pid=$!
project="aicbenchapi$$"
cleanup() {
  AIC_HOST="unix://$work/aicd.sock" "$build/bin/aic" -p "$project" down >/dev/null 2>&1 || true
  kill $aicd_pid $socat_pid 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do [[ -S "$work/aicd.sock" ]] && break; sleep 0.1; done
export AIC_HOST="unix://$work/aicd.sock"

mkdir -p "$work/p"
cat >"$work/p/compose.yaml" <<YAML
name: $project
services:
  web: {image: aic-test/busybox:latest, command: [sleep, '3600'], stop_signal: SIGKILL}
  api: {image: aic-test/busybox:latest, command: [sleep, '3600'], stop_signal: SIGKILL}
  db: {image: aic-test/busybox:latest, command: [sleep, '3600'], stop_signal: SIGKILL}
YAML
(cd "$work/p" && "$build/bin/aic" up -d --progress quiet)

fds() { ls "/proc/$aicd_pid/fd" | wc -l; }
# wrk_run URL [HEADER]: "requests/s p50 p99 errors non2xx"
wrk_run() {
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency ${2:+-H "$2"} "$1")
  local rps p50 p99 errors non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors/ {n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i; print n}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$rps ${p50:-?} ${p99:-?} ${errors:-0} ${non2xx:-0}"
}

# Warm up first, so the baseline includes aicd's pooled engine connections.
wrk -t2 -c"$connections" -d2s -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/v1/projects/$project" >/dev/null
sleep 1
fd_base=$(fds)
python3 "$root/bench/sse_clients.py" 127.0.0.1 "$port" "$token" "$sse_clients" \
  "$work/sse.ready" "$work/sse.stop" "$work/sse.json" &
sse_pid=$!
for _ in $(seq 300); do [[ -e "$work/sse.ready" ]] && break; sleep 0.1; done
fd_held=$(fds)

aicd_result=$(wrk_run "http://127.0.0.1:$port/v1/projects/$project" "Authorization: Bearer $token")
filter=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"label":["com.docker.compose.project="+sys.argv[1]]})))' "$project")
floor_result=$(wrk_run "http://127.0.0.1:$floor_port/containers/json?all=1&filters=$filter")
# Events while the streams are open: a stop and a start reach every client.
"$build/bin/aic" -p "$project" stop web >/dev/null 2>&1
"$build/bin/aic" -p "$project" start web >/dev/null 2>&1
sleep 1
fd_after_load=$(fds)
touch "$work/sse.stop"
wait $sse_pid
sleep 1
fd_end=$(fds)
sse=$(cat "$work/sse.json")

read -r a_rps a_p50 a_p99 a_err a_non <<<"$aicd_result"
read -r f_rps f_p50 f_p99 f_err f_non <<<"$floor_result"
ratio=$(python3 -c "print(f'{float(\"$a_rps\") / float(\"$f_rps\"):.2f}')")
echo "| target ($connections connections, ${seconds}s, $sse_clients event streams held) | req/s | p50 | p99 | errors | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
echo "| aicd \`GET /v1/projects/{p}\` | $a_rps | $a_p50 | $a_p99 | $a_err | $a_non |"
echo "| engine floor \`GET /containers/json\` (label filter, via socat) | $f_rps | $f_p50 | $f_p99 | $f_err | $f_non |"
echo
echo "aicd / floor throughput: $ratio"
echo "event streams: $sse"
echo "aicd open fds: $fd_base before, $fd_held with the streams held, $fd_after_load after the load, $fd_end after the streams closed"
status=0
[[ "$a_err" == 0 && "$a_non" == 0 ]] || { echo "FAIL: aicd answered with errors" >&2; status=1; }
python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r['failed']==0 and r['still_open']==r['opened']==$sse_clients and r['frames']>=$sse_clients else 1)" "$sse" ||
  { echo "FAIL: not every event stream stayed open and got the events" >&2; status=1; }
((fd_end <= fd_base + 2)) || { echo "FAIL: aicd's fds grew from $fd_base to $fd_end" >&2; status=1; }
exit $status
