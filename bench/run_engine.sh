#!/usr/bin/env bash
# The Docker Engine client against curl and the docker CLI on the same engine, in one run:
# GET /containers/json with a project of 50 containers (requests/s, p50/p99 latency) and log
# streaming throughput (MB/s). Creates a project `aicbench-<pid>` of 50 sleeping containers of
# the e2e test image and one container with ~200 MB of logs, and removes them at the end.
#   bash bench/run_engine.sh                   # markdown on stdout
#   bash bench/run_engine.sh --update-readme   # also replaces the bench:engine block in README.md
#   REQUESTS=500 CONCURRENCY=8 ROUNDS=5 LOG_MB=200 LOG_ROUNDS=3 CONTAINERS=50 \
#     bash bench/run_engine.sh
# REQUESTS is per row and round. Takes about 15 minutes on 2 CPUs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
requests="${REQUESTS:-500}"
concurrency="${CONCURRENCY:-8}"
rounds="${ROUNDS:-5}"
log_mb="${LOG_MB:-200}"
log_rounds="${LOG_ROUNDS:-3}"
containers="${CONTAINERS:-50}"
image="${AIC_E2E_IMAGE:-aic-test/busybox:latest}"
socket="/var/run/docker.sock"
update_readme=0
case "${1:-}" in
  --update-readme) update_readme=1 ;;
  "") ;;
  *)
    echo "usage: bash bench/run_engine.sh [--update-readme]" >&2
    exit 2
    ;;
esac
if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" != "unix://$socket" ]]; then
  echo "run_engine: compares with curl on $socket; unset DOCKER_HOST" >&2
  exit 2
fi

generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DAIC_BUILD_TESTS=OFF -DAIC_BUILD_BENCH=ON -DAIC_BUILD_FUZZ=OFF >/dev/null
cmake --build "$build" --target engine_bench ${BENCH_JOBS:+-j "$BENCH_JOBS"} >/dev/null
bash "$root/scripts/e2e-image.sh"

project="aicbench-$$"
label="com.docker.compose.project=$project"
# On everything the bench creates (the log container is not part of the listed project).
owner="io.aic.bench=$project"
work="$(mktemp -d "${TMPDIR:-/tmp}/aic-engine-bench.XXXXXX")"
cleanup() {
  docker ps -aq --filter "label=$owner" | xargs -r docker rm -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The Compose labels a real project's containers carry, so the list bodies have their size.
echo "run_engine: creating $containers containers of project $project" >&2
seq 1 "$containers" | xargs -P 8 -I{} docker run -d --name "$project-sleeper-{}" \
  --label "$owner" --label "$label" --label com.docker.compose.service=sleeper \
  --label com.docker.compose.container-number={} --label com.docker.compose.oneoff=False \
  --label "com.docker.compose.project.working_dir=$work" "$image" sleep 3600 >/dev/null

echo "run_engine: writing ${log_mb} MB of logs" >&2
line=0123456789012345678901234567890123456789012345678901234567890123456789
log_container="$(docker run -d --name "$project-logs" --label "$owner" "$image" \
  sh -c "yes $line | head -c $((log_mb * 1000000))")"
start=$SECONDS
docker wait "$log_container" >/dev/null
echo "run_engine: the engine took $((SECONDS - start)) s to take the logs in" >&2

api="$(docker version --format '{{.Server.APIVersion}}')"
compiler="$(sed -n 's/^CMAKE_CXX_COMPILER:FILEPATH=//p' "$build/CMakeCache.txt")"
compiler="$("$compiler" --version | head -1)"
out="$work/engine.md"
load_start="$(cut -d' ' -f1 /proc/loadavg)"
python3 "$root/bench/run_engine.py" "$build/bin/engine_bench" "$socket" "$api" "$label" \
  "$log_container" "$requests" "$concurrency" "$rounds" "$log_rounds" >"$work/tables.md"
{
  echo "engine client benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs," \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
    "Docker Engine $(docker version --format '{{.Server.Version}}') (API $api)," \
    "$(docker info --format '{{.LoggingDriver}}') log driver, engine on the same CPUs," \
    "engine_bench built Release with $compiler; 1-minute load average $load_start at the" \
    "start, $(cut -d' ' -f1 /proc/loadavg) at the end"
  echo
  cat "$work/tables.md"
} >"$out"
cat "$out"

if ((update_readme)); then
  # The generated text goes between the two markers; what follows the end marker is prose.
  python3 - "$root/README.md" "$out" <<'PY'
import sys
readme_path, block_path = sys.argv[1], sys.argv[2]
readme = open(readme_path).read()
block = open(block_path).read().rstrip("\n")
begin, end = "<!-- bench:engine -->", "<!-- /bench:engine -->"
if begin in readme and end in readme:
    head, rest = readme.split(begin, 1)
    tail = rest.split(end, 1)[1]
    readme = f"{head}{begin}\n{block}\n{end}{tail}"
else:  # first run: at the end of the Performance section
    start = readme.index("## Performance")
    nxt = readme.find("\n## ", start + 1)
    nxt = len(readme) if nxt < 0 else nxt + 1
    readme = (readme[:nxt].rstrip("\n") + f"\n\n{begin}\n{block}\n{end}\n"
              + ("\n" + readme[nxt:] if nxt < len(readme) else ""))
open(readme_path, "w").write(readme)
PY
  echo "run_engine: README.md updated" >&2
fi
