#!/bin/sh
# The entrypoint of aic-offline/redis:7, doing what the official redis image's does.
#  - Protected mode off when redis-server is given no configuration file: the official image
#    builds redis with protected mode off by default, Debian's binary has it on, and then
#    answers every client from another container with a DENIED error (no password is set). The
#    option goes before the caller's, so `--protected-mode yes` still wins. redis-server's own
#    default binds every interface (`* -::*`); only Debian's redis.conf, not used here, binds
#    127.0.0.1.
#  - As root: the working directory (/data) becomes redis's, and redis-server runs as redis.
# A first argument that is an option or a *.conf file is redis-server's.
set -eu

case "${1:-}" in
  -* | *.conf) set -- redis-server "$@" ;;
esac

if [ "${1:-}" = redis-server ]; then
  shift
  if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    config="$1"
    shift
    set -- redis-server "$config" "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"
