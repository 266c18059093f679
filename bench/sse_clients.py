#!/usr/bin/env python3
"""Holds N Server-Sent Events streams of aicd open and reports on them.

    sse_clients.py HOST PORT TOKEN N READY_FILE STOP_FILE REPORT_FILE

Opens N connections to GET /v1/events, checks each answers 200 text/event-stream, writes
READY_FILE, keeps reading every stream until STOP_FILE appears, then writes a JSON report
(opened, failed, still_open, bytes, frames) to REPORT_FILE and closes them all.
"""
import json
import os
import selectors
import socket
import sys
import time


def main():
    host, port, token, n, ready, stop, report = sys.argv[1:8]
    port, n = int(port), int(n)
    sel = selectors.DefaultSelector()
    socks, failed, received, frames = [], 0, 0, 0
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall((f"GET /v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                   "Accept: text/event-stream\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
        if not head.startswith(b"HTTP/1.1 200") or b"text/event-stream" not in head.lower():
            failed += 1
            s.close()
            continue
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    open(ready, "w").close()
    closed = set()
    while not os.path.exists(stop):
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if not data:
                closed.add(key.fileobj.fileno())
                sel.unregister(key.fileobj)
                continue
            received += len(data)
            frames += data.count(b"\n\n")
    result = {"opened": len(socks), "failed": failed, "still_open": len(socks) - len(closed),
              "bytes": received, "frames": frames}
    with open(report, "w") as f:
        json.dump(result, f)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
