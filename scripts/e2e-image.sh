#!/usr/bin/env bash
# Creates the image the end-to-end tests run, aic-test/busybox:latest, from the host's static
# busybox (Debian's busybox-static), because no image registry is reachable. Idempotent: does
# nothing when the image exists with the current contents version. Talks to the engine the
# docker CLI finds (DOCKER_HOST or /var/run/docker.sock).
#
# The image: /bin/busybox, a symlink for every applet at the path `busybox --list-full` names
# (as `busybox --install -s` does), /tmp (1777), /etc/passwd and /etc/group with root and
# nobody, no /etc/hosts (the engine provides it), PATH set and CMD ["sh"].
set -euo pipefail

readonly image="${AIC_E2E_IMAGE:-aic-test/busybox:latest}"
# Bump when the contents below change, so existing hosts re-import.
readonly version="busybox-v1"
readonly busybox="${BUSYBOX:-/bin/busybox}"

current_version() {
  docker image inspect --format '{{index .Config.Labels "io.aic.test.image"}}' "$image" \
    2>/dev/null || true
}

if [[ "$(current_version)" == "$version" ]]; then
  exit 0
fi

# Serialise concurrent runs (several test processes may start at once).
lock="${TMPDIR:-/tmp}/aic-e2e-image.lock"
exec 9>"$lock"
flock -w 120 9 || {
  echo "e2e-image: could not take $lock within 120 s" >&2
  exit 1
}
if [[ "$(current_version)" == "$version" ]]; then
  exit 0
fi

if [[ ! -x "$busybox" ]]; then
  echo "e2e-image: $busybox not found (install busybox-static)" >&2
  exit 1
fi
# ldd exits non-zero for a static binary; a dynamic busybox would not run in an empty rootfs.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "e2e-image: $busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/aic-e2e-rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,var/run}
install -m 0755 "$busybox" "$rootfs/bin/busybox"
# One perl process instead of a fork per applet (perl-base is Essential on Debian).
"$busybox" --list-full | perl -e '
  my $root = shift;
  while (my $p = <STDIN>) {
    chomp $p;
    next if $p eq "" || $p eq "bin/busybox";
    symlink("/bin/busybox", "$root/$p") or die "symlink $p: $!\n";
  }' "$rootfs"
mkdir -m 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nobody:x:65534:
EOF

tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' \
    --change "LABEL io.aic.test.image=$version" \
    - "$image" >/dev/null

if [[ "$(current_version)" != "$version" ]]; then
  echo "e2e-image: docker import did not produce $image" >&2
  exit 1
fi
echo "e2e-image: created $image"
