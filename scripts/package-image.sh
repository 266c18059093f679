#!/usr/bin/env bash
# Builds the aicd container image (the top-level Dockerfile) on this machine without an image
# registry, then smoke-tests it. Idempotent; prints how long each step took.
#
#  1. base image: when aic-base/debian:bookworm is missing, makes a Debian bookworm root
#     filesystem with debootstrap (minbase) from the mirror apt uses here and `docker import`s it
#     (scripts/base-image.sh; needs root, and the mirror reachable: from here for debootstrap,
#     from containers for the build's apt-get);
#  2. image: docker build --build-arg BASE_IMAGE=aic-base/debian:bookworm -t aic/aicd:dev .
#     (the classic builder, so no registry is asked for anything; cached layers make reruns fast);
#  3. smoke test: runs the image with the host's docker socket and a temporary /run/aic, waits
#     for GET /v1/version on aicd's socket (from the host) and for the HEALTHCHECK to report
#     healthy, runs `aic version` inside, and removes the container.
#
#   BASE_IMAGE=aic-base/debian:bookworm   the base image (made with debootstrap when missing)
#   AIC_IMAGE=aic/aicd:dev                the image to build
#   DEBIAN_MIRROR=URL                     the mirror for debootstrap (default: apt's, see below)
#   BUILD_JOBS=N                          compile jobs in the image build (default: ninja's)
#   AIC_PACKAGE_SMOKE=0                   skip the smoke test
set -euo pipefail
cd "$(dirname "$0")/.."

readonly base_image="${BASE_IMAGE:-aic-base/debian:bookworm}"
readonly image="${AIC_IMAGE:-aic/aicd:dev}"
readonly wait_seconds=60
export DOCKER_BUILDKIT=0
base_log_name=package-image
# shellcheck source=scripts/base-image.sh
source scripts/base-image.sh

timings=()
# timed NAME COMMAND...: runs COMMAND and records how long it took.
timed() {
  local name="$1" start=$SECONDS
  shift
  "$@"
  timings+=("$(printf '%-34s %5d s' "$name" $((SECONDS - start)))")
}
print_timings() {
  echo
  echo "package-image: timings"
  printf '  %s\n' "${timings[@]}"
}

cleanup() {
  base_image_cleanup
  if [[ -n "${container:-}" ]]; then
    docker rm -f -v "$container" >/dev/null 2>&1 || true
  fi
  if [[ -n "${run_dir:-}" ]]; then
    rm -rf "$run_dir"
  fi
}
trap cleanup EXIT

build_image() {
  local args=(--build-arg "BASE_IMAGE=$base_image" -t "$image")
  [[ -z "${BUILD_JOBS:-}" ]] || args+=(--build-arg "BUILD_JOBS=$BUILD_JOBS")
  # The legacy builder's deprecation notice is noise here; the build's own output is kept.
  docker build "${args[@]}" . 2> >(grep -v -e 'DEPRECATED: The legacy builder' \
    -e 'Install the buildx component' -e 'https://docs.docker.com/go/buildx' \
    -e 'BuildKit is currently disabled' -e 'environment-variable\.$' -e '^ *$' >&2)
  echo "package-image: built $image ($(docker image inspect --format '{{.Size}}' "$image" |
    awk '{printf "%.0f MB", $1 / 1e6}'))"
}

smoke_test() {
  local docker_sock=/var/run/docker.sock
  if [[ -n "${DOCKER_HOST:-}" && "$DOCKER_HOST" == unix://* ]]; then
    docker_sock=${DOCKER_HOST#unix://}
  fi
  local uid gid
  uid=$(docker run --rm --entrypoint id "$image" -u)
  gid=$(docker run --rm --entrypoint id "$image" -g)
  run_dir=$(mktemp -d "${TMPDIR:-/tmp}/aic-package-run.XXXXXX")
  # The image's aic user creates the socket there.
  chown "$uid:$gid" "$run_dir" 2>/dev/null || chmod 0777 "$run_dir"

  container=$(docker run -d --name "aic-package-smoke-$$" \
    -v "$docker_sock:/var/run/docker.sock" --group-add "$(stat -c %g "$docker_sock")" \
    -v "$run_dir:/run/aic" "$image")
  local version="" health="" start=$SECONDS
  while ((SECONDS - start < wait_seconds)); do
    if [[ -z "$version" ]]; then
      version=$(curl -fsS --max-time 2 --unix-socket "$run_dir/aicd.sock" \
        http://localhost/v1/version 2>/dev/null) || version=""
      [[ -z "$version" ]] ||
        echo "package-image: GET /v1/version answers after $((SECONDS - start)) s: $version"
    fi
    health=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' \
      "$container")
    if [[ -n "$version" && "$health" == healthy ]]; then
      break
    fi
    if [[ "$(docker inspect --format '{{.State.Running}}' "$container")" != true ]]; then
      break
    fi
    sleep 0.2
  done
  if [[ -z "$version" || "$health" != healthy ]]; then
    echo "package-image: smoke test failed (version: '${version}', health: '${health}');" \
      "the container's log:" >&2
    docker logs --tail 30 "$container" >&2 || true
    return 1
  fi
  if [[ "$version" != *'"engine":{'* ]]; then
    echo "package-image: aicd does not report the engine: $version" >&2
    return 1
  fi
  echo "package-image: HEALTHCHECK reports healthy after $((SECONDS - start)) s;" \
    "aic in the image: $(docker exec "$container" aic version | head -n 1)"
  docker rm -f -v "$container" >/dev/null
  container=""
  rm -rf "$run_dir"
  run_dir=""
}

ensure_base_image timed "base image (debootstrap + import)" make_base_image
timed "image build ($image)" build_image
if [[ "${AIC_PACKAGE_SMOKE:-1}" != 0 ]]; then
  timed "smoke test" smoke_test
fi
print_timings
