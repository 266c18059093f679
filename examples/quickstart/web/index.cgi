#!/bin/sh
# The quickstart page: which container served it and the counter the worker keeps in the store.
store=${STORE_URL:-http://store:7000/cgi-bin/kv}
# (timeout, not wget -T: busybox 1.35's wget crashes with -T)
if counter=$(timeout 2 wget -q -O - "$store?counter" 2>/dev/null); then
  count="the worker has counted to $counter"
else
  count="the store did not answer"
fi
printf 'Content-Type: text/plain\r\n\r\n'
cat <<PAGE
Hello from the aic quickstart!

served by: $(hostname) at $(date -u '+%Y-%m-%d %H:%M:%S UTC')
store:     $store
counter:   $count
PAGE
