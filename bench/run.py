#!/usr/bin/env python3
"""The orchestration benchmark (issue 9), driven by bench/run: for each shape and size, alternating
runs of aic, the engine's floor (bench/floor/floor.py) and docker-compose on generated projects
(bench/stacks/gen.py): `up -d` until every service runs (is healthy, for the healthy shape),
`ps`, `down -v`. Prints a markdown report; --json keeps the raw samples.

Times are wall clock around whole processes. For the healthy shape the end of `up` is the later
of the command's exit and the engine's last `health_status: healthy` event for the project, read
from the engine's own event stream, the same way for every tool. The reaction to health is the
time from the engine's event for a service's last dependency turning healthy to aic's `Starting`
progress event for the service (or the floor's start call).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOCKET = os.environ.get("DOCKER_SOCKET", "/var/run/docker.sock")
FLOOR = {"flat": "inflight", "layers": "inflight", "healthy": "inflight", "chain": "serial"}


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, timeout=60):
        super().__init__("localhost", timeout=timeout)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(SOCKET)


def engine_get(path):
    conn = UnixConnection()
    conn.request("GET", "/v1.41" + path)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status}")
    return json.loads(body)


def label_filter(label):
    return urllib.parse.quote(json.dumps({"label": [label]}))


class Events:
    """The engine's container events for one label, with their engine timestamps."""

    def __init__(self, label):
        self.lock = threading.Lock()
        self.events = []  # (unix seconds, action, container name)
        filters = urllib.parse.quote(json.dumps({"type": ["container"], "label": [label]}))
        self.conn = UnixConnection(timeout=None)
        self.conn.request("GET", "/v1.41/events?filters=" + filters)
        self.resp = self.conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    return
                e = json.loads(line)
                name = e.get("Actor", {}).get("Attributes", {}).get("name", "")
                with self.lock:
                    self.events.append((e.get("timeNano", 0) / 1e9, e.get("status", ""), name))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return

    def healthy(self):
        """First healthy time by container name."""
        out = {}
        with self.lock:
            for t, action, name in self.events:
                if action == "health_status: healthy" and name not in out:
                    out[name] = t
        return out

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def run_process(argv, cwd, env, on_line=None):
    """Runs argv; returns (seconds, peak RSS in KiB, CPU seconds). Raises on a non-zero exit. `on_line` sees
    each line of its output (stdout and stderr: aic writes progress to stderr, as Compose)."""
    # Peak RSS through GNU time: a child forked from this Python would report Python's own
    # ~20 MB as its high-water mark.
    rss_file = os.path.join(cwd, ".maxrss")
    t0 = time.time()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tail = []
    for line in proc.stdout:
        if on_line:
            on_line(time.time(), line)
        tail = (tail + [line])[-20:]
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.time() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} (in {cwd}) exited {proc.returncode}: "
                           f"{b''.join(tail).decode(errors='replace')}")
    with open(rss_file) as f:
        rss = int(f.read().split()[-1])
    return elapsed, rss, usage.ru_utime + usage.ru_stime


class Tool:
    def __init__(self, who, shape, n, workdir, args):
        self.who, self.shape, self.n, self.args = who, shape, n, args
        self.project = f"{who}{shape}{n}"
        self.dir = os.path.join(workdir, self.project)
        subprocess.run([sys.executable, os.path.join(HERE, "stacks", "gen.py"), shape, str(n),
                        self.project, self.dir], check=True)
        with open(os.path.join(self.dir, "floor.json")) as f:
            self.plan = json.load(f)
        self.label = (f"io.aic.bench={self.project}" if who == "floor"
                      else f"com.docker.compose.project={self.project}")
        self.env = dict(os.environ)

    def cmd(self, step):
        if self.who == "floor":
            mode = FLOOR[self.shape]
            return [sys.executable, os.path.join(HERE, "floor", "floor.py"), step, mode,
                    os.path.join(self.dir, "floor.json")]
        base = ([self.args.aic, "-p", self.project] if self.who == "aic"
                else ["docker-compose", "-p", self.project])
        if step == "up":
            return base + (["up", "-d", "--progress", "json"] if self.who == "aic"
                           else ["up", "-d"])
        if step == "down":
            return base + ["down", "-v"] + (["--progress", "quiet"] if self.who == "aic" else [])
        return base + ["ps"]

    def up(self):
        events = Events(self.label)
        starting = {}

        def on_line(t, line):
            try:
                e = json.loads(line)
            except ValueError:
                return
            if isinstance(e, dict) and e.get("status") == "Starting":
                starting.setdefault(e.get("name", ""), t)
            elif isinstance(e, dict) and "start" in e:
                starting.setdefault(e["start"], e["t"])

        daemons0 = {k: proc_cpu_seconds(pid) for k, pid in self.args.daemons.items()}
        t0 = time.time()
        elapsed, rss, cpu = run_process(self.cmd("up"), self.dir, self.env, on_line)
        self.cpu = {k: proc_cpu_seconds(pid) - daemons0[k] for k, pid in self.args.daemons.items()}
        self.cpu["client"] = cpu
        end = t0 + elapsed
        lags = []
        if self.shape == "healthy":
            deadline = time.time() + 300
            while len(events.healthy()) < self.n and time.time() < deadline:
                time.sleep(0.05)
            healthy = events.healthy()
            if len(healthy) < self.n:
                raise RuntimeError(f"{self.project}: only {len(healthy)} of {self.n} healthy")
            end = max(end, max(healthy.values()))
            for c in self.plan["containers"]:
                name = self.name(c["name"])
                deps = [self.name(d) for d in c["depends_on"]]
                if deps and name in starting:
                    lags.append(starting[name] - max(healthy[d] for d in deps))
        events.close()
        return end - t0, rss, lags

    def name(self, floor_name):
        """The container name this tool gives the plan's container."""
        if self.who == "floor":
            return floor_name
        service = floor_name.split("-")[1]
        return f"{self.project}_{service}_1" if self.who == "compose" else \
            f"{self.project}-{service}-1"

    def step(self, step):
        return run_process(self.cmd(step), self.dir, self.env)[:2]

    def ps_floor(self):
        t0 = time.perf_counter()
        engine_get(f"/containers/json?all=1&filters={label_filter(self.label)}")
        return time.perf_counter() - t0

    def leftovers(self):
        q = label_filter(self.label)
        left = len(engine_get(f"/containers/json?all=1&filters={q}"))
        left += len(engine_get(f"/networks?filters={q}"))
        left += len(engine_get(f"/volumes?filters={q}").get("Volumes") or [])
        return left


def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])  # KiB
    return 0


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1], "n": len(xs)}


def fmt(s, unit="s"):
    if not s:
        return "–"
    if unit == "ms":
        return f"{s['median'] * 1000:.1f} ({s['min'] * 1000:.1f}–{s['max'] * 1000:.1f})"
    return f"{s['median']:.2f} ({s['min']:.2f}–{s['max']:.2f})"


def ratio(a, b):
    return f"{a['median'] / b['median']:.2f}" if a and b and b["median"] > 0 else "–"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aic", required=True)
    ap.add_argument("--aicd-pid", type=int, required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--shapes", default="flat,chain,layers,healthy")
    ap.add_argument("--sizes", default="10,30,100")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--ps-per-run", type=int, default=3)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--no-compose", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    args.daemons = {"aicd": args.aicd_pid}
    try:
        with open("/var/run/docker.pid") as f:
            args.daemons["dockerd"] = int(f.read().strip())
    except (OSError, ValueError):
        pass
    compose = not args.no_compose
    who_all = ["aic", "floor"] + (["compose"] if compose else [])
    results, aicd = [], {}
    for shape in args.shapes.split(","):
        for n in [int(x) for x in args.sizes.split(",")]:
            tools = {w: Tool(w, shape, n, args.workdir, args) for w in who_all}
            samples = {w: {"up": [], "down": [], "ps": [], "lag": [], "rss": {}} for w in who_all}
            for r in range(args.runs):
                order = who_all[r % len(who_all):] + who_all[:r % len(who_all)]
                for w in order:
                    t = tools[w]
                    s = samples[w]
                    up, rss, lags = t.up()
                    s["up"].append(up)
                    for k, v in t.cpu.items():
                        s.setdefault("cpu", {}).setdefault(k, []).append(v)
                    s["lag"] += lags
                    s["rss"]["up"] = max(s["rss"].get("up", 0), rss)
                    for _ in range(args.ps_per_run if w != "floor" else 0):
                        ps, rss = t.step("ps")
                        s["ps"].append(ps)
                        s["rss"]["ps"] = max(s["rss"].get("ps", 0), rss)
                    if w == "floor":
                        s["ps"] += [t.ps_floor() for _ in range(args.ps_per_run)]
                    if w == "aic" and r == 0:
                        time.sleep(1)
                        c0, t0 = proc_cpu_seconds(args.aicd_pid), time.time()
                        time.sleep(args.idle_seconds)
                        c1, t1 = proc_cpu_seconds(args.aicd_pid), time.time()
                        aicd[f"{shape}/{n}"] = {
                            "rss_kib": proc_status(args.aicd_pid, "VmRSS"),
                            "idle_cpu": (c1 - c0) / (t1 - t0)}
                    down, rss = t.step("down")
                    s["down"].append(down)
                    if w != "floor":
                        s["rss"]["down"] = max(s["rss"].get("down", 0), rss)
                    left = t.leftovers()
                    if left:
                        raise RuntimeError(f"{t.project}: {left} resources left after down")
                    print(f"{shape} {n} run {r + 1}/{args.runs} {w}: up {up:.2f} s, "
                          f"down {down:.2f} s", file=sys.stderr, flush=True)
            results.append({"shape": shape, "n": n, "floor": FLOOR[shape],
                            "samples": samples})
    aicd_hwm = proc_status(args.aicd_pid, "VmHWM")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "aicd": aicd, "aicd_hwm_kib": aicd_hwm}, f, indent=1)
    report(results, aicd, aicd_hwm, compose, args)


def report(results, aicd, aicd_hwm, compose, args):
    dc = "docker-compose" if compose else "docker-compose (not run)"
    print(f"| shape | N | step | floor (s) | aic (s) | {dc} (s) | aic/floor | aic/docker-compose |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        s = r["samples"]
        for step in ("up", "down"):
            f, a = stats(s["floor"][step]), stats(s["aic"][step])
            c = stats(s["compose"][step]) if compose else None
            print(f"| {r['shape']} | {r['n']} | {step} ({r['floor']} floor) | {fmt(f)} | "
                  f"{fmt(a)} | {fmt(c)} | {ratio(a, f)} | {ratio(a, c)} |")
    print()
    print("`ps` (wall ms, whole process; the floor is the engine's own list call, in process):")
    print()
    print(f"| shape | N | engine list (ms) | aic ps (ms) | {dc} ps (ms) | aic/docker-compose |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        s = r["samples"]
        f, a = stats(s["floor"]["ps"]), stats(s["aic"]["ps"])
        c = stats(s["compose"]["ps"]) if compose else None
        print(f"| {r['shape']} | {r['n']} | {fmt(f, 'ms')} | {fmt(a, 'ms')} | {fmt(c, 'ms')} | "
              f"{ratio(a, c)} |")
    print()
    print("CPU seconds during `up` (medians; the client is the aic, floor or docker-compose "
          "process; aicd and dockerd are the daemons' own, read from /proc):")
    print()
    print("| shape | N | tool | client | aicd | dockerd |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for r in results:
        for w, s in r["samples"].items():
            cpu = s.get("cpu", {})
            cell = lambda k: f"{statistics.median(cpu[k]):.2f}" if k in cpu else "–"
            print(f"| {r['shape']} | {r['n']} | {w} | {cell('client')} | {cell('aicd')} | "
                  f"{cell('dockerd')} |")
    print()
    lags = [x for r in results if r["shape"] == "healthy" for x in r["samples"]["aic"]["lag"]]
    flags = [x for r in results if r["shape"] == "healthy" for x in r["samples"]["floor"]["lag"]]
    if lags:
        print(f"Reaction to health (healthy shape): from the engine's event for a service's last "
              f"dependency turning healthy to aic's `Starting`: median "
              f"{statistics.median(lags) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms over "
              f"{len(lags)} services (floor, its own start call: median "
              f"{statistics.median(flags) * 1000:.0f} ms, max {max(flags) * 1000:.0f} ms).")
        print()
    print("Peak RSS of the `aic` process (KiB, largest over all runs): " + ", ".join(
        f"{step} {max(r['samples']['aic']['rss'].get(step, 0) for r in results)}"
        for step in ("up", "ps", "down")) + (
        "; docker-compose: " + ", ".join(
            f"{step} {max(r['samples']['compose']['rss'].get(step, 0) for r in results)}"
            for step in ("up", "ps", "down")) if compose else ""))
    print()
    for k, v in aicd.items():
        print(f"aicd with {k} up: RSS {v['rss_kib'] / 1024:.1f} MiB, CPU while idle "
              f"{v['idle_cpu'] * 100:.2f} % of a core ({args.idle_seconds:.0f} s)")
    print(f"aicd peak RSS over the whole run: {aicd_hwm / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
