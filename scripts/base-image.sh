#!/usr/bin/env bash
# Makes the local Debian base image, aic-base/debian:bookworm, when it is missing or was made
# from an older recipe: a Debian bookworm root filesystem made with debootstrap (minbase) from
# the mirror apt uses here, `docker import`ed (needs root, and the mirror reachable: from here
# for debootstrap, from containers for the apt-get of the images built on it). The images built
# on it (the top-level Dockerfile, the AI stack's offline images) need no image registry.
#
#   bash scripts/base-image.sh          # prints whether it made the image or found it current
#
#   BASE_IMAGE=aic-base/debian:bookworm   the image; one outside aic-base/ that exists is used
#                                         as it is
#   DEBIAN_MIRROR=URL                     the mirror for debootstrap (default: apt's)
#
# Sourced (scripts/package-image.sh, scripts/ai-stack-images.sh), it only defines base_image,
# base_version, apt_uri_for, base_current, make_base_image, ensure_base_image and
# base_image_cleanup; the sourcing script may set base_log_name first (its message prefix) and
# must call base_image_cleanup on exit.

: "${base_image:=${BASE_IMAGE:-aic-base/debian:bookworm}}"
: "${base_log_name:=base-image}"
base_suite=bookworm
# Bump when the base image's contents below change, so existing hosts re-create it.
base_version="debootstrap-minbase-bookworm-v1"
base_rootfs=""

# The first URI apt here uses for SUITE (one-line .list files and deb822 .sources files).
apt_uri_for() {
  local wanted="$1" f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    awk -v s="$wanted" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == s) { print $i; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk -v s="$wanted" '
      function flush() {
        if (!done && deb && enabled && uris != "") {
          n = split(suites, list, " ")
          for (k = 1; k <= n; k++) if (list[k] == s) {
            split(uris, u, " "); print u[1]; done = 1; exit
          }
        }
        deb = 0; enabled = 1; uris = ""; suites = ""
      }
      BEGIN { enabled = 1 }
      /^[ \t]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { for (k = 2; k <= NF; k++) if ($k == "deb") deb = 1 }
      tolower($1) == "uris:" { $1 = ""; uris = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "enabled:" { enabled = (tolower($2) != "no") }
      END { flush() }' "$f"
  done
}

# The recipe version the base image was made with; empty when it is missing or not ours.
base_current() {
  docker image inspect --format '{{index .Config.Labels "io.aic.base.image"}}' "$base_image" \
    2>/dev/null || true
}

# Removes what an interrupted make_base_image left behind.
base_image_cleanup() {
  if [[ -n "$base_rootfs" && -d "$base_rootfs" ]]; then
    local m
    for m in proc sys dev/pts dev; do
      if mountpoint -q "$base_rootfs/$m" 2>/dev/null; then umount -l "$base_rootfs/$m" || true; fi
    done
    rm -rf --one-file-system "$base_rootfs"
  fi
}

make_base_image() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "$base_log_name: debootstrap needs root (or make $base_image yourself)" >&2
    return 1
  fi
  if ! command -v debootstrap >/dev/null; then
    echo "$base_log_name: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
      >/dev/null || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
    }
  fi
  local mirror security
  mirror="${DEBIAN_MIRROR:-$(apt_uri_for "$base_suite" | head -n 1)}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  security="$(apt_uri_for "$base_suite-security" | head -n 1)"
  security="${security:-http://deb.debian.org/debian-security}"
  echo "$base_log_name: debootstrap $base_suite from $mirror (security: $security)"

  base_rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/aic-base-rootfs.XXXXXX")
  local rootfs="$base_rootfs"
  local log="$rootfs.log"
  if ! debootstrap --variant=minbase --components=main "$base_suite" "$rootfs" "$mirror" \
    >"$log" 2>&1; then
    echo "$base_log_name: debootstrap failed; the end of $log:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  rm -f "$log"
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $base_suite main
deb $mirror $base_suite-updates main
deb $security $base_suite-security main
EOF
  # What a container image has no use for: package caches and lists, logs of the bootstrap,
  # device nodes (the engine provides /dev), the host's resolver and name.
  rm -rf --one-file-system "${rootfs:?}"/var/cache/apt/archives/*.deb \
    "${rootfs:?}"/var/cache/apt/*.bin "${rootfs:?}"/var/lib/apt/lists/* "${rootfs:?}"/var/log/* \
    "${rootfs:?}"/dev/* "${rootfs:?}"/tmp/* "${rootfs:?}"/etc/resolv.conf "${rootfs:?}"/etc/hostname
  tar --numeric-owner --xattrs -C "$rootfs" -c . |
    docker import \
      --message "aic base: debootstrap --variant=minbase $base_suite from $mirror" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --change "LABEL io.aic.base.image=$base_version" \
      - "$base_image" >/dev/null
  rm -rf --one-file-system "$rootfs"
  base_rootfs=""
  echo "$base_log_name: created $base_image ($(docker image inspect --format '{{.Size}}' \
    "$base_image" | awk '{printf "%.0f MB", $1 / 1e6}'))"
}

# Makes the base image when it is missing or outdated; RUN (default: make_base_image) does the
# making, so a caller can time it.
ensure_base_image() {
  local run=("${@:-make_base_image}")
  if [[ "$(base_current)" == "$base_version" ]]; then
    echo "$base_log_name: $base_image is up to date"
  elif [[ "$base_image" != aic-base/* ]] && docker image inspect "$base_image" >/dev/null 2>&1
  then
    echo "$base_log_name: using $base_image as it is"
  else
    "${run[@]}"
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  trap base_image_cleanup EXIT
  ensure_base_image make_base_image
fi
