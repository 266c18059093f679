#!/bin/sh
# The store's one endpoint, /cgi-bin/kv?KEY: GET reads KEY, POST writes the request body to it
# (atomically: a temporary file renamed over the old value). Without a key, GET lists the keys,
# which is what the healthcheck calls. Keys are [a-z0-9_-]+, one file each in $STORE_DIR.
dir=${STORE_DIR:-/data}
key=${QUERY_STRING:-}

reply() { # STATUS BODY
  printf 'Status: %s\r\nContent-Type: text/plain\r\n\r\n%s\n' "$1" "$2"
}

case $key in
  *[!a-z0-9_-]*) reply "400 Bad Request" "bad key"; exit 0 ;;
esac

case $REQUEST_METHOD in
  GET | HEAD)
    if [ -z "$key" ]; then
      printf 'Content-Type: text/plain\r\n\r\n'
      ls "$dir"
    elif [ -f "$dir/$key" ]; then
      printf 'Content-Type: text/plain\r\n\r\n'
      cat "$dir/$key"
    else
      reply "404 Not Found" "no such key: $key"
    fi
    ;;
  POST)
    [ -n "$key" ] || { reply "400 Bad Request" "no key"; exit 0; }
    tmp="$dir/.$key.$$"
    if head -c "${CONTENT_LENGTH:-0}" >"$tmp" && mv "$tmp" "$dir/$key"; then
      reply "200 OK" "ok"
    else
      rm -f "$tmp"
      reply "500 Internal Server Error" "could not write $key"
    fi
    ;;
  *) reply "405 Method Not Allowed" "GET or POST" ;;
esac
