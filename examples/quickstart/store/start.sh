#!/bin/sh
# Runs httpd in the foreground under a shell that forwards SIGTERM: as PID 1, httpd alone would
# ignore it and `down` would wait for the stop timeout.
httpd -f -p "${STORE_PORT:-7000}" -h /srv/store &
pid=$!
trap 'kill "$pid"; wait "$pid"; exit 0' TERM INT
wait "$pid"
