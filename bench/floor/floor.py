#!/usr/bin/env python3
"""The engine's own floor: the containers, network and volumes of a bench/stacks plan created,
started and removed with raw Engine API calls over the unix socket, with no orchestration beyond
what the shape forces (start after the dependencies started, or turned healthy).

  floor.py up   inflight|serial PLAN     network, volumes, then every container
  floor.py down inflight|serial PLAN     containers (force), network, volumes

inflight: everything that may run at once is in flight at once (one keep-alive connection per
worker thread); dependencies are honoured by starting a container once every dependency has
started (or, for the healthy shape, once the engine reported each healthy). serial: one call at
a time, in plan order. Exits non-zero on the first failed call.
"""
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

SOCKET = os.environ.get("DOCKER_SOCKET", "/var/run/docker.sock")
API = "/v1.41"


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=120):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


_local = threading.local()
_print_lock = threading.Lock()


def call(method, path, body=None, ok=(200, 201, 204, 304)):
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = UnixConnection(SOCKET)
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, API + path, body=data, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    if resp.status not in ok:
        raise RuntimeError(f"{method} {path}: {resp.status} {payload[:300]!r}")
    return payload


class Health:
    """Follows the engine's event stream and signals each container's first `healthy`."""

    def __init__(self, labels):
        self.cond = threading.Condition()
        self.healthy = set()
        filters = {"type": ["container"], "label": [f"{k}={v}" for k, v in labels.items()]}
        self.conn = UnixConnection(SOCKET, timeout=None)
        self.conn.request("GET", API + "/events?filters=" + urllib.parse.quote(json.dumps(filters)))
        self.resp = self.conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            line = self.resp.readline()
            if not line:
                return
            event = json.loads(line)
            if event.get("status") == "health_status: healthy":
                name = event.get("Actor", {}).get("Attributes", {}).get("name", "")
                with self.cond:
                    self.healthy.add(name)
                    self.cond.notify_all()

    def wait(self, names):
        with self.cond:
            self.cond.wait_for(lambda: all(n in self.healthy for n in names), timeout=300)


def up(plan, inflight):
    call("POST", "/networks/create", {"Name": plan["network"], "Labels": plan["labels"]})
    containers = plan["containers"]
    healthy = plan["shape"] == "healthy"
    watcher = Health(plan["labels"]) if healthy else None

    def volume(name):
        call("POST", "/volumes/create", {"Name": name, "Labels": plan["labels"]})

    def create(c):
        call("POST", "/containers/create?name=" + c["name"], c["body"])

    started = {c["name"]: threading.Event() for c in containers}

    def start(c):
        if healthy:
            watcher.wait(c["depends_on"])
        else:
            for d in c["depends_on"]:
                started[d].wait()
        with _print_lock:  # when the call went out, for bench/run.py's reaction times
            print(json.dumps({"start": c["name"], "t": time.time()}), flush=True)
        call("POST", f"/containers/{c['name']}/start")
        started[c["name"]].set()

    if not inflight:
        for v in plan["volumes"]:
            volume(v)
        for c in containers:
            create(c)
            start(c)
    else:
        with ThreadPoolExecutor(max_workers=len(containers) + len(plan["volumes"])) as pool:
            list(pool.map(volume, plan["volumes"]))
            list(pool.map(create, containers))
            list(pool.map(start, containers))
    if healthy:
        watcher.wait([c["name"] for c in containers])
        missing = [c["name"] for c in containers if c["name"] not in watcher.healthy]
        if missing:
            raise RuntimeError(f"never healthy: {missing[:5]}")


def down(plan, inflight):
    def remove(c):
        call("DELETE", f"/containers/{c['name']}?force=1&v=0", ok=(204, 404))

    def volume(name):
        call("DELETE", f"/volumes/{name}", ok=(204, 404))

    containers = list(reversed(plan["containers"]))
    if inflight:
        with ThreadPoolExecutor(max_workers=len(containers) + len(plan["volumes"])) as pool:
            list(pool.map(remove, containers))
            call("DELETE", f"/networks/{plan['network']}", ok=(204, 404))
            list(pool.map(volume, plan["volumes"]))
    else:
        for c in containers:
            remove(c)
        call("DELETE", f"/networks/{plan['network']}", ok=(204, 404))
        for v in plan["volumes"]:
            volume(v)


def main(argv):
    if len(argv) != 4 or argv[1] not in ("up", "down") or argv[2] not in ("inflight", "serial"):
        sys.exit(f"usage: {argv[0]} up|down inflight|serial PLAN")
    with open(argv[3]) as f:
        plan = json.load(f)
    (up if argv[1] == "up" else down)(plan, argv[2] == "inflight")


if __name__ == "__main__":
    main(sys.argv)
