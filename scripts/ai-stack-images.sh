#!/usr/bin/env bash
# Builds the AI stack's offline images (examples/ai-stack/docker-compose.offline.yml) on this
# machine without an image registry: each from examples/ai-stack/offline/<name>/Dockerfile, on
# the local Debian base image, with Debian's packages (the build's apt-get needs the Debian
# mirror, not a registry). Idempotent: an image whose io.aic.offline.version label matches its
# recipe (its files, the base image's id and the version below) is left as it is, so a re-run
# takes seconds. Prints how long each image took and its size. Also builds the inference image
# (examples/ai-stack/inference, target runtime) on the same base, as `aic up` with the offline
# override would: the first build takes several minutes (LibTorch), later ones seconds.
#
#   bash scripts/ai-stack-images.sh [NAME...]    # NAME: postgres, redis, nginx, prometheus,
#                                                #       inference
#
#   BASE_IMAGE=aic-base/debian:bookworm   the base (made with debootstrap when missing; see
#                                         scripts/base-image.sh)
#   AIC_OFFLINE_REBUILD=1                 build every named image again, without the cache
#   AIC_OFFLINE_VERBOSE=1                 show the builds' output (otherwise only on failure)
#
# The images: aic-offline/postgres:15, aic-offline/redis:7, aic-offline/nginx:1.22 and
# aic-offline/prometheus:2.42 (examples/ai-stack/README.md, "Offline images"), and
# aic-example/inference:latest.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly offline_dir=examples/ai-stack/offline
# Bump when the way the images are built here changes (their files are hashed anyway).
readonly recipe_version="ai-stack-offline-v1"
readonly label=io.aic.offline.version
export DOCKER_BUILDKIT=0
base_log_name=ai-stack-images
# shellcheck source=scripts/base-image.sh
source scripts/base-image.sh

declare -A image_of=(
  [postgres]=aic-offline/postgres:15
  [redis]=aic-offline/redis:7
  [nginx]=aic-offline/nginx:1.22
  [prometheus]=aic-offline/prometheus:2.42
  [inference]=aic-example/inference:latest
)
# Where each image's build context is, and the stage built (inference only).
declare -A dir_of=(
  [postgres]=$offline_dir/postgres
  [redis]=$offline_dir/redis
  [nginx]=$offline_dir/nginx
  [prometheus]=$offline_dir/prometheus
  [inference]=examples/ai-stack/inference
)
declare -A target_of=([inference]=runtime)
readonly all_names=(postgres redis nginx prometheus inference)

build_log=""
cleanup() {
  base_image_cleanup
  if [[ -n "$build_log" ]]; then rm -f "$build_log"; fi
}
trap cleanup EXIT

timings=()
# timed NAME COMMAND...: runs COMMAND and records how long it took.
timed() {
  local name="$1" start=$SECONDS
  shift
  "$@"
  timings+=("$(printf '%-34s %5d s' "$name" $((SECONDS - start)))")
}

size_of() {
  docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1 / 1e6}'
}

# The files that make image NAME: what its build context sends (for inference, what its
# .dockerignore admits: the Dockerfile, CMakeLists.txt and src/).
recipe_files() {
  local dir="${dir_of[$1]}"
  if [[ "$1" == inference ]]; then
    find "$dir/Dockerfile" "$dir/.dockerignore" "$dir/CMakeLists.txt" "$dir/src" -type f
  else
    find "$dir" -type f
  fi
}

# The recipe of offline image NAME: this script's version, the base image's id, and the name,
# mode and contents of every file in its directory.
content_version() {
  local dir="${dir_of[$1]}" f
  {
    echo "$recipe_version"
    docker image inspect --format '{{.Id}}' "$base_image"
    while IFS= read -r f; do
      printf '%s %s\n' "${f#"$dir"/}" "$(stat -c %a "$f")"
      cat "$f"
    done < <(recipe_files "$1" | LC_ALL=C sort)
  } | sha256sum | cut -c1-16
}

image_version() {
  docker image inspect --format "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null || true
}

# build_image NAME: builds aic-offline/NAME unless it is current.
build_image() {
  local name="$1" image="${image_of[$1]}" version old_id new_id
  version=$(content_version "$name")
  if [[ "${AIC_OFFLINE_REBUILD:-0}" != 1 && "$(image_version "$image")" == "$version" ]]; then
    echo "ai-stack-images: $image is up to date ($(size_of "$image"))"
    return 0
  fi
  old_id=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  local dir="${dir_of[$name]}"
  echo "ai-stack-images: building $image from $dir"
  local args=(--build-arg "BASE_IMAGE=$base_image" --label "$label=$version" -t "$image")
  [[ -z "${target_of[$name]:-}" ]] || args+=(--target "${target_of[$name]}")
  [[ "${AIC_OFFLINE_REBUILD:-0}" != 1 ]] || args+=(--no-cache)
  if [[ "${AIC_OFFLINE_VERBOSE:-0}" == 1 ]]; then
    docker build "${args[@]}" "$dir"
  else
    build_log=$(mktemp "${TMPDIR:-/tmp}/aic-offline-build.XXXXXX")
    if ! docker build "${args[@]}" "$dir" >"$build_log" 2>&1; then
      echo "ai-stack-images: building $image failed; the end of its output:" >&2
      grep -v -e 'DEPRECATED: The legacy builder' -e 'Install the buildx component' \
        -e 'https://docs.docker.com/go/buildx' -e 'BuildKit is currently disabled' \
        -e 'environment-variable\.$' -e '^ *$' "$build_log" | tail -n 40 >&2
      return 1
    fi
    rm -f "$build_log"
    build_log=""
  fi
  new_id=$(docker image inspect --format '{{.Id}}' "$image")
  # The image this one replaces, unless a container or another tag still uses it.
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || true
  fi
  echo "ai-stack-images: built $image ($(size_of "$image"))"
}

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  names=("${all_names[@]}")
fi
for name in "${names[@]}"; do
  if [[ -z "${image_of[$name]:-}" ]]; then
    echo "ai-stack-images: unknown image '$name' (one of: ${all_names[*]})" >&2
    exit 2
  fi
done

ensure_base_image timed "base image (debootstrap + import)" make_base_image
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  echo "ai-stack-images: the base image $base_image is missing" >&2
  exit 1
fi
for name in "${names[@]}"; do
  timed "${image_of[$name]}" build_image "$name"
done

echo
echo "ai-stack-images: timings and sizes"
for i in "${!timings[@]}"; do
  line="${timings[$i]}"
  image="${line%% *}"
  if [[ "$image" == aic-offline/* ]]; then
    line="$line   $(size_of "$image")"
  fi
  printf '  %s\n' "$line"
done
