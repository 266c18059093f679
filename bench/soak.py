#!/usr/bin/env python3
"""The driver of bench/soak.sh: a time-bounded soak of one aicd that soak.sh started.

    soak.py --socket SOCK --aic AIC --aicd-pid PID --minutes M --clients N
            --project-s S --project-c C --dir-c DIR --services-c N [--think-ms MS]
            [--probe-interval DURATION]

For MINUTES, at the same time:
  - CLIENTS threads send mixed API traffic over the unix socket (each its own keep-alive
    connection; SSE reads and `aic ps` besides), every answer checked against the statuses
    expected of its endpoint (EXPECTED below), its body checked for shape;
  - project C is brought up (`aic up -d`) and down (`aic down`) in a loop by the real CLI;
  - every 10-20 s the healthcheck of one settled service of project S is broken
    (`docker exec CONTAINER rm /tmp/ok`) and recorded;
  - aicd's RSS and open file descriptors are sampled every 10 s.
Then every injected failure is matched against aicd's supervision records of project S
(GET /v1/projects/S -> supervision[].recent, polled every 2 s, and .restarts), a markdown summary
is printed, and the exit status is 1 when any check failed (130 when interrupted).
Standard library only.
"""
import argparse
import collections
import concurrent.futures
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

TIMEOUT_S = 10.0  # an answer slower than this is an error (but see FLOOR_BOUND)
HANG_S = 30.0  # how long a client waits for any answer: none by then is an error everywhere
# The engine doing what one logs?tail=5 asks of it, timed beside the traffic (floor_probe).
FLOOR_LOGS = "engine: what one logs?tail=5 asks (a list of S, then its logs at once)"
# Endpoints whose answer is engine work that itself takes longer than TIMEOUT_S on a saturated
# engine (a logs read opens a stream per container; the engine answers a container's logs
# late while it starts or restarts it): endpoint -> the floor probe doing the same calls. Their
# answers past TIMEOUT_S are not errors one by one; their p99 must stay within FLOOR_RATIO of
# the engine's own p99 for the same calls (a shared read may wait for the one under way).
FLOOR_BOUND = {"GET /v1/projects/S/logs?tail=5": FLOOR_LOGS}
FLOOR_RATIO = 1.5
WARMUP_S = 60.0  # resource samples before this are left out of the verdict
SAMPLE_EVERY_S = 10.0
FD_REST_ALLOWANCE = 10  # open fds at rest after the soak may exceed those before by this much
MONITOR_EVERY_S = 2.0

# What each endpoint may answer. Every other status, a 429 included (the clients' requests in
# progress stay below aicd's 64 per client), a connection failure, no answer within HANG_S, an
# answer slower than TIMEOUT_S (outside FLOOR_BOUND) or a body of the wrong shape is an error.
# No 409: nothing in this traffic is an operation on a busy project (the GETs are not
# operations, and only the cycler operates on C, one operation at a time).
EXPECTED = {
    "GET /v1/version": ({200}, "200"),
    "GET /v1/projects": ({200}, "200"),
    "GET /v1/projects/S": ({200}, "200"),
    "GET /v1/projects/S?labels=false": ({200}, "200"),
    "GET /v1/projects/S/config": ({200}, "200"),
    "GET /v1/projects/C": ({200, 404}, "200; 404 between cycles"),
    "GET /metrics": ({200}, "200"),
    "GET /v1/gpus": ({200}, "200"),
    "GET /v1/projects/S/events (SSE, short read)": ({200}, "200 text/event-stream"),
    "GET /v1/projects/S/logs?tail=5": ({200}, "200 NDJSON"),
    "aic -p S ps -a (CLI)": ({0}, "exit 0"),
    "monitor: GET /v1/projects/S": ({200}, "200"),
    "cycle: aic up -d (C)": ({0}, "exit 0"),
    "cycle: aic down (C)": ({0}, "exit 0"),
}
# The clients' mix: endpoint -> weight.
MIX = [
    ("GET /v1/version", 10),
    ("GET /v1/projects", 10),
    ("GET /v1/projects/S", 14),
    ("GET /v1/projects/S?labels=false", 14),
    ("GET /v1/projects/S/config", 8),
    ("GET /v1/projects/C", 10),
    ("GET /metrics", 8),
    ("GET /v1/gpus", 8),
    ("GET /v1/projects/S/events (SSE, short read)", 4),
    ("GET /v1/projects/S/logs?tail=5", 8),
    ("aic -p S ps -a (CLI)", 0.4),
]


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=TIMEOUT_S):
        super().__init__("aicd", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class BadBody(Exception):
    pass


class Stats:
    """Per-thread tallies, merged at the end (no lock on the hot path)."""

    def __init__(self):
        self.codes = collections.defaultdict(collections.Counter)  # endpoint -> code -> n
        self.lat = collections.defaultdict(list)  # endpoint -> [ms]
        self.errors = collections.defaultdict(list)  # endpoint -> [(kind, example)]
        self.error_count = collections.Counter()  # endpoint -> n
        self.backoff = False  # the last answer was a 429: wait its Retry-After (1 s)

    def add(self, endpoint, code, ms, error=None):
        self.backoff = code == 429
        self.codes[endpoint][code] += 1
        self.lat[endpoint].append(ms)
        if error is not None:
            self.error_count[endpoint] += 1
            if len(self.errors[endpoint]) < 3 and error not in self.errors[endpoint]:
                self.errors[endpoint].append(error)

    def merge(self, other):
        for k, c in other.codes.items():
            self.codes[k].update(c)
        for k, v in other.lat.items():
            self.lat[k].extend(v)
        for k, v in other.errors.items():
            for e in v:
                if len(self.errors[k]) < 3 and e not in self.errors[k]:
                    self.errors[k].append(e)
        self.error_count.update(other.error_count)


def pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


class Soak:
    def __init__(self, a):
        self.a = a
        self.stop = threading.Event()
        self.abort = threading.Event()  # Ctrl-C / SIGTERM: end at once, no settling
        self.lock = threading.Lock()
        self.all_stats = []
        self.env = dict(os.environ, AIC_HOST=f"unix://{a.socket}")
        self.s_services = []
        self.s_containers = {}  # service -> container name
        # supervision, as the monitor saw it
        self.records = {}  # key -> record (project S, every reason)
        self.sup = {}  # service -> latest supervision entry
        self.health = {}  # service -> health of its container
        self.monitor_ok = 0
        # injections
        self.injections = []  # (service, container, t_ns)
        self.inject_failed = []  # (service, rc, output)
        self.inject_skipped = 0
        # cycles
        self.c_ops = []  # (start_ns, end_ns or None): project C's up and down, wall clock
        self.cycles = []  # dicts: up_s, down_s, up_rc, down_rc, up_state_ok, down_state_ok
        self.cycle_problems = []
        # resources
        self.samples = []  # (t_rel_s, rss_kb, fds)
        self.aicd_died = None
        self.fds_rest = [None, None]  # aicd's open fds with no traffic: before, after the soak
        # project S's events, as a follower saw them live: service -> [(t_ns, kind)]
        self.timeline = collections.defaultdict(list)
        self.follower_gaps = 0
        self.follower_reconnects = 0
        # the engine's own latency, for comparison: name -> [ms]
        self.floor = collections.defaultdict(list)
        self.floor_errors = collections.Counter()
        self.engine_calls = None
        self.routes = None

    # ---- plumbing --------------------------------------------------------------------------

    def request(self, conn, path, stats, endpoint, check=None, allowed=None):
        """One GET on a kept-alive connection; returns the (maybe new) connection."""
        allowed = allowed or EXPECTED[endpoint][0]
        t0 = time.monotonic()
        try:
            if conn is None:
                conn = UnixConnection(self.a.socket, timeout=HANG_S)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            ms = (time.monotonic() - t0) * 1000
            code = resp.status
            err = None
            if code == 429:
                err = ("429 too_many_requests", body[:300].decode(errors="replace"))
            elif code not in allowed:
                err = (f"unexpected status {code}", body[:300].decode(errors="replace"))
            elif ms > TIMEOUT_S * 1000 and endpoint not in FLOOR_BOUND:
                err = ("slower than 10 s", f"{ms:.0f} ms")
            elif check is not None:
                try:
                    check(code, resp, body)
                except (BadBody, ValueError, KeyError, TypeError) as e:
                    err = ("bad body", f"{e}: {body[:200]!r}")
            if resp.will_close or resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
            stats.add(endpoint, code, ms, err)
            return conn
        except (OSError, http.client.HTTPException) as e:
            ms = (time.monotonic() - t0) * 1000
            kind = type(e).__name__
            if isinstance(e, socket.timeout) or isinstance(e, TimeoutError):
                kind = f"timeout ({HANG_S:g} s)"
            stats.add(endpoint, kind, ms, (kind, str(e)[:300]))
            if conn is not None:
                conn.close()
            return None

    def get_json(self, conn, path):
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (json.loads(body) if body else None)

    # ---- body checks -----------------------------------------------------------------------

    def check_project(self, name, n_containers=None):
        def check(code, resp, body):
            if code != 200:
                return
            v = json.loads(body)
            if v.get("name") != name:
                raise BadBody(f"name {v.get('name')!r}, not {name}")
            if n_containers is not None and len(v.get("containers", [])) != n_containers:
                raise BadBody(f"{len(v.get('containers', []))} containers, not {n_containers}")
        return check

    def check_labels_false(self, code, resp, body):
        v = json.loads(body)
        self.check_project(self.a.project_s, len(self.s_services))(code, resp, body)
        if any(c.get("labels") for c in v["containers"]):
            raise BadBody("labels=false answered labels")

    def check_projects(self, code, resp, body):
        v = json.loads(body)
        if not isinstance(v, list) or self.a.project_s not in {p.get("name") for p in v}:
            raise BadBody("project S missing from the list")

    def check_version(self, code, resp, body):
        v = json.loads(body)
        if v.get("api_version") != "v1" or not v.get("engine"):
            raise BadBody("no api_version v1 / engine")

    def check_config(self, code, resp, body):
        v = json.loads(body)
        if set(v["services"]) != set(self.s_services):
            raise BadBody("config services differ")

    def check_metrics(self, code, resp, body):
        if b"aic_api_requests_total" not in body or b"aic_engine_up 1" not in body:
            raise BadBody("no aic_api_requests_total / aic_engine_up 1")

    def check_gpus(self, code, resp, body):
        v = json.loads(body)
        if "source" not in v or "devices" not in v:
            raise BadBody("no source/devices")

    def check_logs(self, code, resp, body):
        for line in body.splitlines():
            if line.strip():
                json.loads(line)["line"]

    # ---- the clients -----------------------------------------------------------------------

    def sse_read(self, stats):
        endpoint = "GET /v1/projects/S/events (SSE, short read)"
        replay = random.random() < 0.5
        q = "?since_id=0&types=supervisor,operation" if replay else ""
        path = f"/v1/projects/{self.a.project_s}/events{q}"
        hold = random.uniform(0.3, 1.5)
        t0 = time.monotonic()
        conn = UnixConnection(self.a.socket)
        try:
            conn.request("GET", path, headers={"Accept": "text/event-stream"})
            resp = conn.getresponse()
            ms = (time.monotonic() - t0) * 1000  # time to the head
            code = resp.status
            err = None
            if code == 429:
                err = ("429 too_many_requests", resp.read(300).decode(errors="replace"))
            elif code not in EXPECTED[endpoint][0]:
                err = (f"unexpected status {code}", resp.read(300).decode(errors="replace"))
            elif "text/event-stream" not in (resp.getheader("Content-Type") or ""):
                err = ("bad body", f"content type {resp.getheader('Content-Type')}")
            else:
                # read for `hold`, and at least until the first frame (retry:) came
                data = b""
                end = time.monotonic() + hold
                hard_end = t0 + TIMEOUT_S
                while True:
                    now = time.monotonic()
                    left = (end if b"\n\n" in data else hard_end) - now
                    if left <= 0:
                        if b"\n\n" not in data:
                            err = ("timeout (10 s)", f"no first frame: {data[:80]!r}")
                        break
                    conn.sock.settimeout(left)
                    try:
                        chunk = resp.read1(65536)
                    except (socket.timeout, TimeoutError):
                        continue
                    if not chunk:
                        err = ("stream ended early", f"after {len(data)} bytes")
                        break
                    data += chunk
                if err is None and b"\n\n" in data:
                    if not data.startswith(b"retry: 2000\n\n"):
                        err = ("bad body", f"no retry: 2000 first: {data[:80]!r}")
                    else:
                        # whole frames only; a frame cut by the end of the hold is fine
                        for frame in data.split(b"\n\n")[:-1]:
                            lines = frame.split(b"\n")
                            # A replay from id 0 once aicd's event buffer has overflowed starts
                            # with a `gap` frame saying how many events are gone (docs/api.md).
                            gap = b"event: gap" in lines
                            for line in lines:
                                if line.startswith(b"data:"):
                                    try:
                                        ev = json.loads(line[5:])
                                    except ValueError as e:
                                        err = ("bad body", f"frame not JSON: {e}: {line[:120]!r}")
                                        break
                                    if gap:
                                        if not (replay and ev.get("reason") == "overflow" and
                                                ev.get("after_id") == 0 and
                                                ev.get("lost", 0) > 0 and
                                                ev.get("first_id", 0) > ev.get("lost", 0)):
                                            err = ("bad body", f"unexpected gap {line[:120]!r}")
                                    elif ev.get("project") != self.a.project_s:
                                        err = ("bad body", f"another project's event {line[:120]!r}")
            stats.add(endpoint, code, ms, err)
        except (OSError, http.client.HTTPException) as e:
            ms = (time.monotonic() - t0) * 1000
            kind = type(e).__name__
            if isinstance(e, (socket.timeout, TimeoutError)):
                kind = "timeout (10 s)"
            stats.add(endpoint, kind, ms, (kind, str(e)[:300]))
        finally:
            conn.close()

    def aic_ps(self, stats):
        endpoint = "aic -p S ps -a (CLI)"
        t0 = time.monotonic()
        try:
            p = subprocess.run([self.a.aic, "-p", self.a.project_s, "ps", "-a"], env=self.env,
                               capture_output=True, text=True, timeout=TIMEOUT_S)
            ms = (time.monotonic() - t0) * 1000
            err = None
            if p.returncode != 0:
                err = (f"exit {p.returncode}", (p.stderr or p.stdout)[-300:])
                if "too_many_requests" in p.stderr or "requests in progress" in p.stderr:
                    err = ("429 too_many_requests (aic)", p.stderr[-300:])
            else:
                missing = [c for c in self.s_containers.values() if c not in p.stdout]
                if missing:
                    err = ("bad output", f"missing {missing[:3]}: {p.stdout[-200:]}")
            stats.add(endpoint, p.returncode, ms, err)
        except subprocess.TimeoutExpired:
            ms = (time.monotonic() - t0) * 1000
            stats.add(endpoint, "timeout (10 s)", ms, ("timeout (10 s)", "aic ps"))

    def client(self, idx, deadline):
        stats = Stats()
        with self.lock:
            self.all_stats.append(stats)
        rnd = random.Random(idx * 7919 + os.getpid())
        names = [m[0] for m in MIX]
        weights = [m[1] for m in MIX]
        s, c = self.a.project_s, self.a.project_c
        plain = {
            "GET /v1/version": ("/v1/version", self.check_version),
            "GET /v1/projects": ("/v1/projects", self.check_projects),
            "GET /v1/projects/S": (f"/v1/projects/{s}", self.check_project(s, len(self.s_services))),
            "GET /v1/projects/S?labels=false": (f"/v1/projects/{s}?labels=false",
                                                self.check_labels_false),
            "GET /v1/projects/S/config": (f"/v1/projects/{s}/config", self.check_config),
            "GET /v1/projects/C": (f"/v1/projects/{c}", self.check_project(c)),
            "GET /metrics": ("/metrics", self.check_metrics),
            "GET /v1/gpus": ("/v1/gpus", self.check_gpus),
            "GET /v1/projects/S/logs?tail=5": (f"/v1/projects/{s}/logs?tail=5", self.check_logs),
        }
        conn = None
        think = self.a.think_ms / 1000.0
        while not self.stop.is_set() and time.monotonic() < deadline:
            endpoint = rnd.choices(names, weights)[0]
            if endpoint in plain:
                path, check = plain[endpoint]
                conn = self.request(conn, path, stats, endpoint, check)
            elif endpoint.startswith("GET /v1/projects/S/events"):
                self.sse_read(stats)
            else:
                self.aic_ps(stats)
            if stats.backoff:  # as a polite client does: Retry-After: 1
                self.stop.wait(1.0)
            elif think > 0:
                self.stop.wait(rnd.uniform(0, 2 * think))
        if conn is not None:
            conn.close()

    # ---- project C: up / down through the CLI -----------------------------------------------

    def cli(self, args, cwd, timeout):
        t0 = time.monotonic()
        with self.lock:
            self.c_ops.append((time.time_ns(), None))
            slot = len(self.c_ops) - 1
        try:
            p = subprocess.run([self.a.aic, *args], cwd=cwd, env=self.env, capture_output=True,
                               text=True, timeout=timeout)
            return p.returncode, time.monotonic() - t0, p.stderr + p.stdout
        except subprocess.TimeoutExpired:
            return "timeout", time.monotonic() - t0, f"no exit within {timeout} s"
        finally:
            with self.lock:
                self.c_ops[slot] = (self.c_ops[slot][0], time.time_ns())

    def project_state(self, conn, name):
        conn.request("GET", f"/v1/projects/{name}?labels=false")
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (json.loads(body) if resp.status == 200 else None)

    def cycler(self, deadline):
        stats = Stats()
        with self.lock:
            self.all_stats.append(stats)
        n = self.a.services_c
        while not self.abort.is_set() and time.monotonic() < deadline:
            cyc = {}
            rc, dt, out = self.cli(["up", "-d", "--progress", "quiet"], self.a.dir_c, 600)
            cyc.update(up_rc=rc, up_s=dt)
            stats.add("cycle: aic up -d (C)", rc, dt * 1000,
                      None if rc == 0 else (f"exit {rc}", out[-400:]))
            if self.abort.is_set():
                break
            try:
                conn = UnixConnection(self.a.socket)
                code, v = self.project_state(conn, self.a.project_c)
                conn.close()
                running = [x for x in (v or {}).get("containers", []) if x.get("state") == "running"]
                cyc["up_state_ok"] = code == 200 and len(running) == n
                if rc == 0 and not cyc["up_state_ok"]:
                    self.cycle_problems.append(
                        f"after up: {code}, {len(running)} of {n} containers running")
            except (OSError, http.client.HTTPException, ValueError) as e:
                cyc["up_state_ok"] = False
                self.cycle_problems.append(f"after up: {type(e).__name__}: {e}")
            # Plain progress: a network the engine refuses to remove is a warning line.
            rc, dt, out = self.cli(["down", "--progress", "plain"], self.a.dir_c, 600)
            cyc.update(down_rc=rc, down_s=dt, down_warned="Resource is still in use" in out)
            stats.add("cycle: aic down (C)", rc, dt * 1000,
                      None if rc == 0 else (f"exit {rc}", out[-400:]))
            if self.abort.is_set():
                break
            try:
                conn = UnixConnection(self.a.socket)
                code, _ = self.project_state(conn, self.a.project_c)
                conn.close()
                left = subprocess.run(
                    ["docker", "ps", "-aq", "--filter",
                     f"label=com.docker.compose.project={self.a.project_c}"],
                    capture_output=True, text=True, timeout=30).stdout.split()
                cyc["down_state_ok"] = code == 404 and not left
                cyc["networks_left"] = len(subprocess.run(
                    ["docker", "network", "ls", "-q", "--filter",
                     f"label=com.docker.compose.project={self.a.project_c}"],
                    capture_output=True, text=True, timeout=30).stdout.split())
                if rc == 0 and not cyc["down_state_ok"]:
                    self.cycle_problems.append(
                        f"after down: GET answered {code}, {len(left)} containers left")
            except (OSError, http.client.HTTPException, subprocess.TimeoutExpired) as e:
                cyc["down_state_ok"] = False
                self.cycle_problems.append(f"after down: {type(e).__name__}: {e}")
            with self.lock:
                self.cycles.append(cyc)

    # ---- project S: supervision --------------------------------------------------------------

    def absorb(self, v):
        with self.lock:
            for sup in v.get("supervision", []):
                self.sup[sup["service"]] = sup
                for r in sup.get("recent", []):
                    key = (r.get("service"), r.get("container"), r.get("time"), r.get("reason"),
                           r.get("attempt"), r.get("error", ""))
                    self.records.setdefault(key, r)
            for c in v.get("containers", []):
                self.health[c["service"]] = (c.get("state"), c.get("health"))

    def monitor(self):
        stats = Stats()
        with self.lock:
            self.all_stats.append(stats)
        conn = None
        endpoint = "monitor: GET /v1/projects/S"
        while not self.abort.is_set():
            holder = {}

            def keep(code, resp, body):
                holder["v"] = json.loads(body)
            conn = self.request(conn, f"/v1/projects/{self.a.project_s}?labels=false", stats,
                                endpoint, keep)
            if "v" in holder:
                self.absorb(holder["v"])
                self.monitor_ok += 1
            if self.abort.wait(MONITOR_EVERY_S):
                break
            if self.stop.is_set() and getattr(self, "monitor_done", False):
                break
        if conn is not None:
            conn.close()

    def unhealthy_records(self, service):
        with self.lock:
            return [r for r in self.records.values()
                    if r.get("service") == service and r.get("reason") == "unhealthy"
                    and not r.get("error")]

    def settled(self, service):
        """Healthy, supervision ok, and every injection so far already answered by a restart."""
        with self.lock:
            state, health = self.health.get(service, ("", ""))
            sup = self.sup.get(service, {})
            injected = sum(1 for i in self.injections if i[0] == service)
        if state != "running" or health != "healthy" or sup.get("state") != "ok":
            return False
        restarts = sup.get("restarts", 0) - self.baseline.get(service, 0)
        if restarts != injected or len(self.unhealthy_records(service)) < injected:
            return False
        # aicd's view is up to 2 s old: ask the engine too
        try:
            p = subprocess.run(["docker", "inspect", "-f", "{{.State.Health.Status}}",
                                self.s_containers[service]], capture_output=True, text=True,
                               timeout=TIMEOUT_S)
            return p.returncode == 0 and p.stdout.strip() == "healthy"
        except subprocess.TimeoutExpired:
            return False

    def injector(self, deadline):
        rnd = random.Random()
        while not self.stop.is_set():
            if self.stop.wait(rnd.uniform(10, 20)) or time.monotonic() >= deadline:
                break
            candidates = [s for s in rnd.sample(self.s_services, len(self.s_services))]
            target = next((s for s in candidates if self.settled(s)), None)
            if target is None:
                self.inject_skipped += 1
                continue
            container = self.s_containers[target]
            t_ns = time.time_ns()
            try:
                p = subprocess.run(["docker", "exec", container, "rm", "/tmp/ok"],
                                   capture_output=True, text=True, timeout=30)
                rc, out = p.returncode, (p.stderr + p.stdout)[-300:]
            except subprocess.TimeoutExpired:
                rc, out = "timeout", "docker exec did not end within 30 s"
            with self.lock:
                if rc == 0:
                    self.injections.append((target, container, t_ns))
                else:
                    # not counted as injected: a restart that follows shows as extra
                    self.inject_failed.append((target, rc, out))

    def follower(self):
        """Follows S's container and supervisor events, to time each repair's steps."""
        last_id = None
        wanted = {"health_status: unhealthy": "unhealthy", "health_status: healthy": "healthy",
                  "restarting": "restarting", "restarted": "restarted", "start": "start"}
        while not self.abort.is_set() and not getattr(self, "monitor_done", False):
            conn = UnixConnection(self.a.socket, timeout=20)
            try:
                headers = {"Accept": "text/event-stream"}
                if last_id is not None:
                    headers["Last-Event-ID"] = str(last_id)
                conn.request("GET", f"/v1/projects/{self.a.project_s}/events?types=container,"
                             "supervisor", headers=headers)
                resp = conn.getresponse()
                if resp.status != 200:
                    raise OSError(f"events answered {resp.status}")
                event = None
                while not self.abort.is_set() and not getattr(self, "monitor_done", False):
                    line = resp.readline()  # keep-alive every 15 s < the 20 s timeout
                    if not line:
                        raise OSError("events stream ended")
                    line = line.rstrip(b"\n")
                    if line.startswith(b"event:"):
                        event = line[6:].strip()
                        if event == b"gap":
                            self.follower_gaps += 1
                    elif line.startswith(b"data:") and event != b"gap":
                        e = json.loads(line[5:])
                        last_id = e.get("id", last_id)
                        kind = wanted.get(e.get("action"))
                        if kind and e.get("service"):
                            with self.lock:
                                self.timeline[e["service"]].append((parse_time(e["time"]), kind))
            except (OSError, http.client.HTTPException, ValueError):
                if self.abort.is_set() or getattr(self, "monitor_done", False):
                    break
                self.follower_reconnects += 1
                self.abort.wait(1)
            finally:
                conn.close()

    def floor_probe(self):
        """Times the engine itself (docker.sock), every 5 s: what aicd asks for one logs?tail=5
        (a list of S, its logs at once), a list of all, the logs one after another."""
        logs = [f"/containers/{c}/logs?tail=5&stdout=1&stderr=1"
                for c in self.s_containers.values()]
        calls = {"engine: GET /version": ["/version"],
                 "engine: GET /containers/json?all=1": ["/containers/json?all=1"],
                 f"engine: {len(logs)} x GET /containers/{{id}}/logs?tail=5, one after another":
                     logs}
        as_aicd = FLOOR_LOGS
        s_list = ("/containers/json?all=1&filters=" + urllib.parse.quote(json.dumps(
            {"label": [f"com.docker.compose.project={self.a.project_s}"]})))

        def get(path):
            conn = UnixConnection(self.a.docker_socket, timeout=30)
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise OSError(f"status {resp.status}")
            finally:
                conn.close()

        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                get(s_list)
                with concurrent.futures.ThreadPoolExecutor(len(logs)) as pool:
                    for f in [pool.submit(get, path) for path in logs]:
                        f.result()
                self.floor[as_aicd].append((time.monotonic() - t0) * 1000)
            except (OSError, http.client.HTTPException):
                self.floor_errors[as_aicd] += 1
            for name, paths in calls.items():
                t0 = time.monotonic()
                try:
                    for path in paths:
                        get(path)
                    self.floor[name].append((time.monotonic() - t0) * 1000)
                except (OSError, http.client.HTTPException):
                    self.floor_errors[name] += 1
            if self.stop.wait(5):
                break

    # ---- aicd's resources --------------------------------------------------------------------

    def sampler(self, t_start):
        pid = self.a.aicd_pid
        while True:
            try:
                with open(f"/proc/{pid}/status") as f:
                    rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
                fds = len(os.listdir(f"/proc/{pid}/fd"))
                with self.lock:
                    self.samples.append((time.monotonic() - t_start, rss, fds))
            except (OSError, StopIteration):
                if self.aicd_died is None:
                    self.aicd_died = time.monotonic() - t_start
            if self.stop.wait(SAMPLE_EVERY_S):
                break

    def fds_at_rest(self):
        """aicd's open descriptors with nothing of the soak in flight: the least of 3 looks 1 s
        apart (a connection closing at the first look is gone by the next); None if unreadable."""
        seen = []
        for _ in range(3):
            time.sleep(1)
            try:
                seen.append(len(os.listdir(f"/proc/{self.a.aicd_pid}/fd")))
            except OSError:
                pass
        return min(seen) if seen else None

    # ---- the run -----------------------------------------------------------------------------

    def discover(self):
        conn = UnixConnection(self.a.socket)
        code, v = self.get_json(conn, f"/v1/projects/{self.a.project_s}?labels=false")
        conn.close()
        if code != 200:
            raise SystemExit(f"soak: GET project S answered {code}")
        self.s_services = sorted({c["service"] for c in v["containers"]})
        self.s_containers = {c["service"]: c["name"] for c in v["containers"]}
        self.absorb(v)
        # restarts before the soak (none expected) are left out of the accounting
        self.baseline = {s.get("service"): s.get("restarts", 0) for s in v.get("supervision", [])}
        if any(self.baseline.values()):
            print(f"soak: project S had restarts before the soak: {self.baseline}", file=sys.stderr)

    def run(self):
        a = self.a
        self.discover()
        self.fds_rest[0] = self.fds_at_rest()
        t_start = time.monotonic()
        self.wall_start = time.time()
        deadline = t_start + a.minutes * 60
        threads = []

        def spawn(target, *args):
            t = threading.Thread(target=target, args=args, daemon=True)
            t.start()
            threads.append(t)
            return t

        sampler = spawn(self.sampler, t_start)
        monitor = spawn(self.monitor)
        follower = spawn(self.follower)
        spawn(self.floor_probe)
        injector = spawn(self.injector, deadline)
        cycler = spawn(self.cycler, deadline)
        clients = [spawn(self.client, i, deadline) for i in range(a.clients)]
        progress_at = t_start + 60
        while time.monotonic() < deadline and not self.abort.is_set():
            time.sleep(0.5)
            if time.monotonic() >= progress_at:
                progress_at += 60
                self.progress(t_start)
        self.stop.set()
        self.traffic_s = time.monotonic() - t_start
        for t in clients:
            t.join()
        injector.join()
        print("soak: traffic over; finishing the last up/down cycle and settling supervision",
              file=sys.stderr)
        cycler.join()
        # settle: every injection answered (or 90 s), then 5 s more to catch extra restarts
        settle_deadline = time.monotonic() + 90
        while time.monotonic() < settle_deadline and not self.abort.is_set():
            if all(len(self.unhealthy_records(s)) >= sum(1 for i in self.injections if i[0] == s)
                   for s in self.s_services):
                break
            time.sleep(1)
        self.abort.wait(5)
        self.monitor_done = True
        monitor.join(timeout=15)
        sampler.join(timeout=15)
        follower.join(timeout=25)
        self.final_metrics()
        self.fds_rest[1] = self.fds_at_rest()
        self.elapsed_s = time.monotonic() - t_start

    def progress(self, t_start):
        with self.lock:
            n = sum(sum(c.values()) for st in self.all_stats for c in st.codes.values())
            e = sum(sum(st.error_count.values()) for st in self.all_stats)
            cyc = len(self.cycles)
            inj = len(self.injections)
            last = self.samples[-1] if self.samples else (0, 0, 0)
        print(f"soak: {int(time.monotonic() - t_start)} s: {n} requests, {e} errors, {cyc} cycles, "
              f"{inj} health failures injected, RSS {last[1] // 1024} MiB, {last[2]} fds",
              file=sys.stderr)

    def final_metrics(self):
        """aic_restarts_total of project S, and one more look at the supervision."""
        self.metric_restarts = None
        try:
            conn = UnixConnection(self.a.socket)
            code, v = self.get_json(conn, f"/v1/projects/{self.a.project_s}?labels=false")
            if code == 200:
                self.absorb(v)
            conn.request("GET", "/metrics")
            resp = conn.getresponse()
            text = resp.read().decode()
            conn.close()
            total = collections.Counter()
            pat = re.compile(r'^aic_restarts_total\{(.*)\}\s+([0-9.e+]+)$')
            for line in text.splitlines():
                m = pat.match(line)
                if not m:
                    continue
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
                if labels.get("project") == self.a.project_s:
                    total[labels.get("reason")] += float(m.group(2))
            self.metric_restarts = total
            calls = collections.defaultdict(lambda: [0.0, 0.0, collections.Counter()])
            for line in text.splitlines():
                m = re.match(r'^aic_engine_call_(duration_seconds_count|duration_seconds_sum|'
                             r'errors_total)\{(.*)\}\s+([0-9.e+-]+)$', line)
                if not m:
                    continue
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
                key = f"{labels.get('method')} {labels.get('endpoint')}"
                if m.group(1) == "errors_total":
                    calls[key][2][labels.get("code")] += float(m.group(3))
                else:
                    calls[key][m.group(1) == "duration_seconds_sum"] += float(m.group(3))
            self.engine_calls = dict(calls)
            routes = collections.defaultdict(lambda: [0.0, 0.0, 0.0])  # count, sum s, <= 10 s
            for line in text.splitlines():
                m = re.match(r'^aic_api_request_duration_seconds_(count|sum|bucket)\{(.*)\}'
                             r'\s+([0-9.e+-]+)$', line)
                if not m:
                    continue
                labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
                key = f"{labels.get('method')} {labels.get('route')}"
                if m.group(1) == "count":
                    routes[key][0] += float(m.group(3))
                elif m.group(1) == "sum":
                    routes[key][1] += float(m.group(3))
                elif labels.get("le") in ("10", "10.0", "1e+01", "1e+1"):
                    routes[key][2] += float(m.group(3))
            self.routes = dict(routes)
        except (OSError, http.client.HTTPException, ValueError) as e:
            print(f"soak: final look failed: {e}", file=sys.stderr)

    # ---- the report ---------------------------------------------------------------------------

    def account(self):
        """Matches injections to restart records, per service."""
        out = {"missing": [], "extra": [], "failed": [], "latency_s": [], "matched": 0,
               "count_mismatch": []}
        with self.lock:
            records = list(self.records.values())
            injections = list(self.injections)
            sup = dict(self.sup)
        for r in records:
            if r.get("error"):
                out["failed"].append(r)
        good = [r for r in records if not r.get("error")]
        for r in good:
            if r.get("reason") != "unhealthy":
                out["extra"].append((r, "reason is not unhealthy"))
        for svc in self.s_services:
            inj = sorted(t for s, _, t in injections if s == svc)
            recs = sorted((parse_time(r["time"]), r) for r in good
                          if r.get("service") == svc and r.get("reason") == "unhealthy")
            bounds = inj + [float("inf")]
            for t, r in recs:
                if not inj or t < inj[0]:
                    out["extra"].append((r, "before any injection"))
            for i, t_inj in enumerate(inj):
                hits = [(t, r) for t, r in recs if t_inj <= t < bounds[i + 1]]
                if not hits:
                    out["missing"].append((svc, t_inj))
                else:
                    out["matched"] += 1
                    out["latency_s"].append((hits[0][0] - t_inj) / 1e9)
                    for _, r in hits[1:]:
                        out["extra"].append((r, "a second restart for one injection"))
            restarts = sup.get(svc, {}).get("restarts", 0) - self.baseline.get(svc, 0)
            if restarts != len(inj):
                out["count_mismatch"].append(
                    f"{svc}: supervision.restarts {restarts}, injected {len(inj)}")
        return out

    def repair_steps(self):
        """Per injection: failure -> engine unhealthy -> aicd restarting -> restarted -> healthy."""
        kinds = ("unhealthy", "restarting", "start", "restarted", "healthy")
        out = collections.OrderedDict((k, []) for k in (
            "probe broken -> engine's `health_status: unhealthy`",
            "engine's unhealthy -> aicd's `restarting` (aicd's reaction)",
            "  the same, while a `up`/`down` of project C ran",
            "  the same, while none ran",
            "`restarting` -> engine's `start` (the engine's restart)",
            "engine's `start` -> aicd's `restarted`",
            "`restarted` -> engine's `healthy`",
            "probe broken -> healthy again (whole repair)"))
        names = list(out)
        with self.lock:
            timeline = {k: sorted(v) for k, v in self.timeline.items()}
            injections = list(self.injections)
            ops = list(self.c_ops)
        for svc, _, t0 in injections:
            events = timeline.get(svc, [])
            t, marks = t0, []
            for kind in kinds:
                hit = next((te for te, k in events if k == kind and te >= t), None)
                if hit is None:
                    break
                marks.append(hit)
                t = hit
            step = [names[0], names[1], names[4], names[5], names[6]]
            prev = t0
            for i, m in enumerate(marks):
                out[step[i]].append((m - prev) / 1e9)
                prev = m
            if len(marks) >= 2:
                a, b = marks[0], marks[1]
                during = any(s < b and (e is None or e > a) for s, e in ops)
                out[names[2] if during else names[3]].append((b - a) / 1e9)
            if len(marks) == 5:
                out[names[7]].append((marks[4] - t0) / 1e9)
        if not (out[names[2]] and out[names[3]]):
            out[names[2]], out[names[3]] = [], []  # C ran the whole time (or never): no split
        return [(k, v) for k, v in out.items() if v]

    def report(self):
        a = self.a
        total = Stats()
        for st in self.all_stats:
            total.merge(st)
        checks = []  # (ok, text)

        def check(ok, text):
            checks.append((bool(ok), text))
            return ok

        client_eps = [m[0] for m in MIX]
        n_requests = sum(sum(total.codes[e].values()) for e in client_eps)
        n_errors = sum(total.error_count.values())
        n429 = sum(c.get(429, 0) for c in total.codes.values())
        print(f"## aic soak: {a.minutes:g} min, {a.clients} clients, {a.services_c} cycled services\n")
        print("| | |\n|---|---|")
        print(f"| duration | traffic {fmt_s(self.traffic_s)}, whole run {fmt_s(self.elapsed_s)} "
              f"(last cycle and settling included) |")
        print(f"| clients | {a.clients} threads, think time 0-{2 * a.think_ms} ms, "
              f"one keep-alive unix-socket connection each |")
        print(f"| project S | {len(self.s_services)} services, healthcheck every "
              f"{a.probe_interval} |")
        print(f"| requests | {n_requests} from the clients, {n_requests / self.traffic_s:.1f}/s "
              f"(plus {sum(total.codes['monitor: GET /v1/projects/S'].values())} monitor polls) |")
        print(f"| errors | {n_errors} |")
        print(f"| 429 answers | {n429} |")

        print("\n### API traffic\n")
        print("| endpoint | expected | count | statuses | p50 ms | p99 ms | max ms | errors |")
        print("|---|---|---:|---|---:|---:|---:|---:|")
        for e in list(EXPECTED):
            codes = total.codes.get(e, {})
            if not codes:
                continue
            lat = total.lat[e]
            sts = ", ".join(f"{k}: {v}" for k, v in sorted(codes.items(), key=lambda kv: str(kv[0])))
            print(f"| {e} | {EXPECTED[e][1]} | {sum(codes.values())} | {sts} | {pct(lat, 0.5):.1f} "
                  f"| {pct(lat, 0.99):.1f} | {max(lat):.0f} | {total.error_count.get(e, 0)} |")
        if self.floor:
            print("\nThe engine itself over the same time (docker.sock, every 5 s; for comparison):\n")
            print("| call | n | p50 ms | p99 ms | max ms | over 10 s | errors |\n"
                  "|---|---:|---:|---:|---:|---:|---:|")
            for name, vals in sorted(self.floor.items()):
                over = sum(1 for v in vals if v > TIMEOUT_S * 1000)
                print(f"| {name} | {len(vals)} | {pct(vals, 0.5):.1f} | {pct(vals, 0.99):.1f} | "
                      f"{max(vals):.0f} | {over} | {self.floor_errors.get(name, 0)} |")
        if self.engine_calls:
            top = sorted(self.engine_calls.items(), key=lambda kv: -kv[1][0])[:8]
            print("\naicd's engine calls (its /metrics at the end, the busiest):\n")
            print("| call | count | mean ms | errors (by engine status) |\n|---|---:|---:|---|")
            for k, (n, total_s, errs) in top:
                e = ", ".join(f"{c}: {v:.0f}" for c, v in sorted(errs.items())) or "0"
                print(f"| {k} | {n:.0f} | {1000 * total_s / n if n else 0:.1f} | {e} |")
        if self.routes:
            slow = sorted(self.routes.items(), key=lambda kv: -(kv[1][0] - kv[1][2]))
            slow = [(k, v) for k, v in slow if v[0] - v[2] > 0 and "events" not in k]
            if slow:
                print("\nRoutes with answers over 10 s, as aicd timed them (its /metrics). A "
                      f"client gives up on a GET at {HANG_S:g} s; aicd goes on serving it, and it "
                      "still counts against the 64 requests in progress per client:\n")
                print("| route | answered | over 10 s | mean ms |\n|---|---:|---:|---:|")
                for k, (n, total_s, le10) in slow:
                    print(f"| {k} | {n:.0f} | {n - le10:.0f} | {1000 * total_s / n:.0f} |")
        check(n_errors == 0, f"no unexpected statuses, connection errors, timeouts or bad bodies "
              f"({n_errors}); every answer within 10 s but those judged against the engine below")
        for e, floor_name in FLOOR_BOUND.items():
            lat, floor = total.lat.get(e), self.floor.get(floor_name)
            if not lat or not floor:
                check(False, f"{e}: answers past 10 s judged against the engine's own calls "
                      f"(nothing to compare: {len(lat or [])} answers, {len(floor or [])} "
                      f"engine samples)")
                continue
            p99, floor_p99 = pct(lat, 0.99), pct(floor, 0.99)
            over = sum(1 for v in lat if v > TIMEOUT_S * 1000)
            floor_over = sum(1 for v in floor if v > TIMEOUT_S * 1000)
            check(p99 <= TIMEOUT_S * 1000 or p99 <= FLOOR_RATIO * floor_p99,
                  f"{e}: p99 {p99:.0f} ms, within 10 s or {FLOOR_RATIO:g} x the engine's own p99 "
                  f"for the same calls ({floor_p99:.0f} ms); past 10 s: {over} of {len(lat)} "
                  f"({100 * over / len(lat):.2f} %), the engine's own: {floor_over} of "
                  f"{len(floor)} ({100 * floor_over / len(floor):.2f} %)")
        check(n429 == 0, f"no 429 ({n429})")
        check(all(total.codes.get(e) for e in client_eps if e != "aic -p S ps -a (CLI)"),
              "every client endpoint was exercised")

        print("\n### Project C: `aic up -d` / `aic down` cycles\n")
        cycles = self.cycles
        ups = [c["up_s"] for c in cycles if c.get("up_rc") == 0]
        downs = [c["down_s"] for c in cycles if c.get("down_rc") == 0]
        good = [c for c in cycles if c.get("up_rc") == 0 and c.get("down_rc") == 0
                and c.get("up_state_ok") and c.get("down_state_ok")]
        print("| | up -d | down |\n|---|---:|---:|")
        print(f"| succeeded | {len(ups)} / {len(cycles)} | {len(downs)} / {len(cycles)} |")
        print(f"| median s | {med(ups)} | {med(downs)} |")
        print(f"| max s | {mx(ups)} | {mx(downs)} |")
        print(f"\n{len(good)} of {len(cycles)} full cycles succeeded ({a.services_c} services; after "
              f"`up` all running, after `down` GET 404 and no container left).")
        check(cycles and len(good) == len(cycles),
              f"every up/down cycle succeeded ({len(good)} of {len(cycles)})")
        # The engine sometimes keeps a stale endpoint and refuses to remove the network ("has
        # active endpoints" with no container attached); `down` must say so, as Compose does.
        left = [c for c in cycles if c.get("networks_left")]
        silent = [c for c in left if not c.get("down_warned")]
        print(f"\nNetworks the engine refused to remove after `down`: {len(left)} of "
              f"{len(cycles)} cycles, {len(silent)} of them without `down`'s warning "
              f"(\"Resource is still in use\"); the next `up` reuses the network.")
        check(not silent, f"every network left behind was reported by `down` "
              f"({len(left) - len(silent)} of {len(left)})")

        print("\n### Project S: injected health failures vs restarts\n")
        acc = self.account()
        n_inj = len(self.injections)
        unhealthy_metric = (self.metric_restarts or {}).get("unhealthy", 0)
        print("| injected | restarts accounted | missing | extra | failed restarts | "
              "failure -> restart median s | max s | skipped ticks | aic_restarts_total |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        metric_text = ", ".join(f"{k}: {v:g}" for k, v in sorted((self.metric_restarts or {}).items())) \
            if self.metric_restarts is not None else "n/a"
        print(f"| {n_inj} | {acc['matched']} | {len(acc['missing'])} | {len(acc['extra'])} | "
              f"{len(acc['failed'])} | {med(acc['latency_s'])} | {mx(acc['latency_s'])} | "
              f"{self.inject_skipped} | {metric_text or '0'} |")
        per = collections.Counter(s for s, _, _ in self.injections)
        print("\nper service: " + ", ".join(
            f"{s} {per.get(s, 0)}/{self.sup.get(s, {}).get('restarts', 0) - self.baseline.get(s, 0)}"
            f" ({self.sup.get(s, {}).get('state', '?')})" for s in self.s_services)
              + " (injected/restarts (state))")
        steps = self.repair_steps()
        if steps:
            print("\nEach repair, from the live event stream (engine's `health_status` events, "
                  "aicd's `supervisor` events):\n")
            print("| step | median s | p90 s | max s | n |\n|---|---:|---:|---:|---:|")
            for name, vals in steps:
                print(f"| {name} | {med(vals)} | {pct(vals, 0.9):.2f} | {mx(vals)} | {len(vals)} |")
            print(f"\n(event stream: {self.follower_gaps} gaps, {self.follower_reconnects} "
                  "reconnects)")
        check(n_inj > 0, f"health failures were injected ({n_inj})")
        check(not self.inject_failed, f"every injection's docker exec worked "
              f"({len(self.inject_failed)} failed)")
        check(acc["matched"] == n_inj and not acc["missing"] and not acc["extra"]
              and not acc["count_mismatch"],
              f"every restart accounted for: {acc['matched']} of {n_inj} injections matched by "
              f"exactly one unhealthy restart, {len(acc['missing'])} missing, "
              f"{len(acc['extra'])} extra")
        check(not acc["failed"], f"no failed restart calls ({len(acc['failed'])})")
        check(self.metric_restarts is not None and unhealthy_metric == n_inj
              and sum(self.metric_restarts.values()) == n_inj,
              f"/metrics aic_restarts_total for S equals the injections ({metric_text or 0})")
        states_ok = all(self.sup.get(s, {}).get("state") == "ok" for s in self.s_services)
        healthy = all(self.health.get(s) == ("running", "healthy") for s in self.s_services)
        check(states_ok and healthy, "at the end every S service is running, healthy, "
              "supervision state ok")

        print("\n### aicd's resources (sampled every 10 s)\n")
        samples = self.samples
        print("| | first | max | last | mean, first third | mean, last third | verdict |")
        print("|---|---:|---:|---:|---:|---:|---|")
        after = [s for s in samples if s[0] >= WARMUP_S]
        k = len(after) // 3
        if k >= 1:
            f_rss = statistics.mean(s[1] for s in after[:k])
            l_rss = statistics.mean(s[1] for s in after[-k:])
            f_fd = statistics.mean(s[2] for s in after[:k])
            l_fd = statistics.mean(s[2] for s in after[-k:])
            rss_flat = l_rss <= f_rss * 1.2
            rss_v = "flat" if rss_flat else "GROWING (> +20 %)"
        else:
            f_rss = l_rss = f_fd = l_fd = float("nan")
            rss_flat = None
            rss_v = f"n/a: {len(after)} samples after the first minute"
        # Descriptors in use follow the requests and streams in flight; a leak is what is still
        # open once they are all over. The allowance is the engine client's pool of idle
        # keep-alive connections (at most 8, HttpTransport::kMaxIdleConnections) and 2 more.
        rest_before, rest_after = self.fds_rest
        fd_flat = None if rest_before is None or rest_after is None else \
            rest_after <= rest_before + FD_REST_ALLOWANCE
        fd_v = "n/a" if fd_flat is None else (
            f"at rest {rest_before} -> {rest_after}: " +
            ("no leak" if fd_flat else f"LEAK (> +{FD_REST_ALLOWANCE})"))
        if samples:
            rss = [s[1] / 1024 for s in samples]
            fds = [s[2] for s in samples]
            print(f"| RSS MiB | {rss[0]:.1f} | {max(rss):.1f} | {rss[-1]:.1f} | {f_rss / 1024:.1f} "
                  f"| {l_rss / 1024:.1f} | {rss_v} |")
            print(f"| open fds | {fds[0]} | {max(fds)} | {fds[-1]} | {f_fd:.1f} | {l_fd:.1f} "
                  f"| {fd_v} |")
        print(f"\n{len(samples)} samples. RSS: the verdict compares the first and last third of "
              f"those after the first minute (within +20 %). Descriptors follow the traffic in "
              f"flight; their verdict compares aicd at rest before the traffic and after it ended "
              f"(within +{FD_REST_ALLOWANCE}: the engine client's 8 idle connections and 2).")
        check(self.aicd_died is None, "aicd stayed up" + (
            "" if self.aicd_died is None else f" (gone at {self.aicd_died:.0f} s)"))
        if rss_flat is not None:
            check(rss_flat, f"RSS flat ({f_rss / 1024:.1f} -> {l_rss / 1024:.1f} MiB)")
        if fd_flat is not None:
            check(fd_flat, f"no descriptor left open: {rest_before} at rest before the traffic, "
                  f"{rest_after} after it")

        print("\n### Checks\n")
        for ok, text in checks:
            print(f"- {'PASS' if ok else 'FAIL'}: {text}")

        problems = []
        for e, errs in total.errors.items():
            for kind, example in errs:
                problems.append(f"{e}: {kind}: {example}")
        for p in self.cycle_problems[:10]:
            problems.append(f"cycle: {p}")
        for svc, t in acc["missing"][:10]:
            problems.append(f"missing restart: {svc}, failure injected at {iso(t)}")
        for r, why in acc["extra"][:10]:
            problems.append(f"extra restart ({why}): {json.dumps(r)}")
        for r in acc["failed"][:10]:
            problems.append(f"failed restart: {json.dumps(r)}")
        problems.extend(f"count: {m}" for m in acc["count_mismatch"])
        for svc, rc, out in self.inject_failed[:10]:
            problems.append(f"injection into {svc} failed ({rc}): {out.strip()}")
        if problems:
            print("\n### Examples of what went wrong\n")
            for p in problems:
                print(f"- {p.replace(chr(10), ' ')[:600]}")
        return all(ok for ok, _ in checks)


def parse_time(text):
    # RFC 3339 with nanoseconds, UTC ("...Z") -> unix ns
    import datetime
    base, _, frac = text.rstrip("Z").partition(".")
    t = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 10**9 + int((frac + "000000000")[:9])


def iso(t_ns):
    return time.strftime("%H:%M:%S", time.gmtime(t_ns / 1e9)) + f".{int(t_ns % 10**9) // 10**6:03d}Z"


def fmt_s(s):
    return f"{int(s // 60)} min {s % 60:.0f} s"


def med(values):
    return f"{statistics.median(values):.2f}" if values else "n/a"


def mx(values):
    return f"{max(values):.2f}" if values else "n/a"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--aic", required=True)
    p.add_argument("--aicd-pid", type=int, required=True)
    p.add_argument("--minutes", type=float, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--project-s", required=True)
    p.add_argument("--project-c", required=True)
    p.add_argument("--dir-c", required=True)
    p.add_argument("--services-c", type=int, required=True)
    p.add_argument("--docker-socket", default="/var/run/docker.sock")
    p.add_argument("--think-ms", type=int, default=int(os.environ.get("SOAK_THINK_MS", "100")))
    p.add_argument("--probe-interval", default="1s", help="project S's healthcheck interval "
                   "(soak.sh writes it into the compose file; shown in the summary)")
    a = p.parse_args()
    soak = Soak(a)

    def interrupted(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        soak.run()
    except KeyboardInterrupt:
        soak.abort.set()
        soak.stop.set()
        print("soak: interrupted", file=sys.stderr)
        sys.exit(130)
    ok = soak.report()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
