#!/usr/bin/env bash
# `aic up -d` / `aic down` against the engine's own floor and Debian's docker-compose 1.29, in one
# run, alternating, on generated projects of N busybox services (a network, a named volume on
# every other service), flat and chain-shaped. Prints a markdown table of medians (min–max) and
# the ratios. The floor is the same create and start calls made with curl straight to the
# engine socket, everything in flight (flat) or one at a time (chain), with no orchestration.
#   bash bench/run_up.sh [SERVICES] [RUNS]        (issue 9 grows this into the full harness)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
services="${1:-20}"
runs="${2:-3}"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
sock=/var/run/docker.sock

if ! command -v docker-compose >/dev/null 2>&1; then
  echo "run_up: installing Debian's docker-compose for the comparison" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
fi
bash "$root/scripts/e2e-image.sh" >/dev/null
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIC_BUILD_TESTS=OFF \
  -DAIC_BUILD_BENCH=ON >/dev/null
cmake --build "$build" --target aic aicd >/dev/null

work="$(mktemp -d "${TMPDIR:-/tmp}/aic-bench-up.XXXXXX")"
"$build/bin/aicd" --socket "$work/aicd.sock" --state-dir "$work/state" --log-file "$work/aicd.log" &
aicd_pid=$!
trap 'kill $aicd_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [[ -S "$work/aicd.sock" ]] && break; sleep 0.1; done
export AIC_HOST="unix://$work/aicd.sock"

# gen SHAPE: a compose file of $services services.
gen() {
  local shape="$1" f="$work/$1/docker-compose.yml"
  mkdir -p "$work/$shape"
  {
    echo "version: '3.8'"
    echo "services:"
    for ((i = 0; i < services; i++)); do
      echo "  s$i:"
      echo "    image: aic-test/busybox:latest"
      echo "    command: [sleep, '3600']"
      echo "    stop_signal: SIGKILL"
      echo "    networks: [net]"
      if ((i % 2 == 0)); then echo "    volumes: [data$i:/data]"; fi
      if [[ "$shape" == chain && $i -gt 0 ]]; then echo "    depends_on: [s$((i - 1))]"; fi
    done
    echo "networks:"
    echo "  net: {}"
    echo "volumes:"
    for ((i = 0; i < services; i += 2)); do echo "  data$i: {}"; done
  } >"$f"
}

now() { date +%s.%N; }

# floor SHAPE: raw Engine API, the same containers, network and volumes; prints up and down times.
floor() {
  local shape="$1" p="floor$shape" t0 t1 t2 ids=()
  t0=$(now)
  curl -fsS --unix-socket $sock -XPOST -H 'Content-Type: application/json' \
    -d "{\"Name\":\"${p}_net\"}" http://localhost/v1.41/networks/create >/dev/null
  create_start() {
    local i="$1" body binds=""
    if ((i % 2 == 0)); then binds=",\"Binds\":[\"${p}_data$i:/data\"]"; fi
    body="{\"Image\":\"aic-test/busybox:latest\",\"Cmd\":[\"sleep\",\"3600\"],\"StopSignal\":\"SIGKILL\",\"HostConfig\":{\"NetworkMode\":\"${p}_net\"$binds}}"
    curl -fsS --unix-socket $sock -XPOST -H 'Content-Type: application/json' -d "$body" \
      "http://localhost/v1.41/containers/create?name=$p-s$i-1" >/dev/null
    curl -fsS --unix-socket $sock -XPOST "http://localhost/v1.41/containers/$p-s$i-1/start" >/dev/null
  }
  for ((i = 0; i < services; i++)); do
    if [[ "$shape" == chain ]]; then create_start "$i"; else create_start "$i" & fi
  done
  wait
  t1=$(now)
  for ((i = services - 1; i >= 0; i--)); do
    curl -fsS --unix-socket $sock -XDELETE "http://localhost/v1.41/containers/$p-s$i-1?force=1" >/dev/null &
  done
  wait
  curl -fsS --unix-socket $sock -XDELETE "http://localhost/v1.41/networks/${p}_net" >/dev/null
  for ((i = 0; i < services; i += 2)); do
    curl -fsS --unix-socket $sock -XDELETE "http://localhost/v1.41/volumes/${p}_data$i" >/dev/null
  done
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.3f %.3f\n", b - a, c - b }'
}

tool() {
  local which="$1" shape="$2" t0 t1 t2
  cd "$work/$shape"
  t0=$(now)
  if [[ "$which" == aic ]]; then
    "$build/bin/aic" -p "aic$shape" up -d --progress quiet >/dev/null
  else
    docker-compose -p "dc$shape" up -d >/dev/null 2>&1
  fi
  t1=$(now)
  if [[ "$which" == aic ]]; then
    "$build/bin/aic" -p "aic$shape" down -v --progress quiet >/dev/null
  else
    docker-compose -p "dc$shape" down -v >/dev/null 2>&1
  fi
  t2=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "%.3f %.3f\n", b - a, c - b }'
}

declare -A up down
for shape in flat chain; do
  gen "$shape"
  for ((r = 0; r < runs; r++)); do
    for who in floor aic compose; do
      if [[ "$who" == floor ]]; then read -r u d < <(floor "$shape")
      elif [[ "$who" == aic ]]; then read -r u d < <(tool aic "$shape")
      else read -r u d < <(tool compose "$shape"); fi
      up[$shape,$who]+="$u "
      down[$shape,$who]+="$d "
    done
  done
done

stats() { # "median (min–max)" of the numbers in $1
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {printf "%.2f (%.2f–%.2f)", a[int((NR+1)/2)], a[1], a[NR]}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "up/down of $services busybox services, $runs runs each, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, engine $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short)"
echo
echo "| shape | step | floor (s) | aic (s) | docker-compose (s) | aic/floor | aic/docker-compose |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for shape in flat chain; do
  for step in up down; do
    if [[ $step == up ]]; then f=${up[$shape,floor]}; a=${up[$shape,aic]}; c=${up[$shape,compose]}
    else f=${down[$shape,floor]}; a=${down[$shape,aic]}; c=${down[$shape,compose]}; fi
    echo "| $shape | $step | $(stats "$f") | $(stats "$a") | $(stats "$c") | $(ratio "$(median "$a")" "$(median "$f")") | $(ratio "$(median "$a")" "$(median "$c")") |"
  done
done
