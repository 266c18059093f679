#!/usr/bin/env bash
# Creates aic-quickstart/busybox:1, the base image of the quickstart services, from the host's
# static busybox (Debian's busybox-static), so the quickstart runs where no image registry is
# reachable. Idempotent: does nothing when the image exists with the current contents version.
# Talks to the engine the docker CLI finds (DOCKER_HOST or /var/run/docker.sock).
#
# The image: /bin/busybox, a symlink for every applet at the path `busybox --list-full` names
# (as `busybox --install -s` does), /tmp (1777), /etc/passwd and /etc/group with root, www-data
# and nobody, PATH set and CMD ["sh"].
set -euo pipefail

readonly image="${AIC_QUICKSTART_BASE:-aic-quickstart/busybox:1}"
# Bump when the contents below change, so existing hosts re-import.
readonly version="quickstart-busybox-v1"
readonly busybox="${BUSYBOX:-/bin/busybox}"

current_version() {
  docker image inspect --format '{{index .Config.Labels "io.aic.quickstart.image"}}' "$image" \
    2>/dev/null || true
}

if [[ "$(current_version)" == "$version" ]]; then
  echo "base-image: $image is up to date"
  exit 0
fi

if [[ ! -x "$busybox" ]]; then
  echo "base-image: $busybox not found (apt-get install busybox-static)" >&2
  exit 1
fi
# ldd exits non-zero for a static binary; a dynamic busybox would not run in an empty rootfs.
if ldd "$busybox" >/dev/null 2>&1; then
  echo "base-image: $busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/aic-quickstart-rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,var/run,var/www}
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
cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
www-data:x:33:
nogroup:x:65534:
nobody:x:65534:
GROUP

tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . |
  docker import \
    --message "aic quickstart base image ($version) from $("$busybox" | head -n 1)" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' \
    --change "LABEL io.aic.quickstart.image=$version" \
    - "$image" >/dev/null

if [[ "$(current_version)" != "$version" ]]; then
  echo "base-image: docker import did not produce $image" >&2
  exit 1
fi
echo "base-image: created $image"
