#!/bin/sh
# Adds one to the store's "counter" key every second, resuming from the stored value, so the
# count survives restarts for as long as the volume lives. Each successful write touches
# /tmp/last-write, which the healthcheck reads.
store=${STORE_URL:-http://store:7000/cgi-bin/kv}
trap 'exit 0' TERM INT

n=$(wget -q -O - "$store?counter" 2>/dev/null)
case $n in '' | *[!0-9]*) n=0 ;; esac
echo "worker: starting at counter=$n, store $store"
while :; do
  next=$((n + 1))
  if wget -q -O /dev/null --post-data "$next" "$store?counter"; then
    n=$next
    touch /tmp/last-write
  else
    echo "worker: could not write counter=$next" >&2
  fi
  sleep 1
done
