#!/usr/bin/env python3
"""Times aic's Docker Engine client against curl and the docker CLI on the same engine, in one
run, and prints markdown tables. bench/run_engine.sh creates the containers and calls this.

Usage: run_engine.py ENGINE_BENCH SOCKET API_VERSION PROJECT_LABEL LOG_CONTAINER
                     [REQUESTS] [CONCURRENCY] [ROUNDS] [LOG_ROUNDS]

List: each of ROUNDS rounds runs engine_bench (DockerClient, sequential and concurrent, and its
bare HttpTransport, unfiltered and filtered on PROJECT_LABEL), one curl process per request, and
one curl process for all REQUESTS URLs (one keep-alive connection: the HTTP floor), in an order
that rotates. Logs: each of LOG_ROUNDS rounds runs engine_bench logs, `docker logs` and curl on
the raw multiplexed stream, alternating. Medians over rounds.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

TICKS = os.sysconf("SC_CLK_TCK")
CLIENTS = {"docker_client": "aic DockerClient",
           "transport": "aic HttpTransport, body not decoded"}
ORDER = [CLIENTS["docker_client"], CLIENTS["transport"], "curl, one process per request",
         "curl, one process, keep-alive"]


def dockerd_pid():
    """The local dockerd's pid, or "" when it does not run on this machine (a remote engine)."""
    try:
        pids = subprocess.run(["pidof", "dockerd"], capture_output=True, text=True).stdout.split()
    except OSError:
        return ""
    return pids[0] if len(pids) == 1 else ""


def dockerd_cpu():
    """CPU seconds dockerd has used so far (all threads), or None when it is not visible here."""
    pid = dockerd_pid()
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (wall seconds, CPU seconds of the child, stdout or None, stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    out = proc.stdout.read() if stdout == subprocess.PIPE else None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed:\n{err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, out, err


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 1))  # nearest rank
    return ordered[int(rank) - 1]


def parse_fields(line):
    words = line.split()
    return words[0], dict(w.split("=", 1) for w in words[1:])


def list_urls(api, label):
    base = f"http://d/v{api}/containers/json?all=1"
    filters = urllib.parse.quote('{"label":["%s"]}' % label, safe="")
    return {"none": base, "label": f"{base}&filters={filters}"}


def bench_list(engine_bench, socket, api, label, requests, concurrency, rounds):
    urls = list_urls(api, label)
    rows = {}  # (tool, filter, concurrency) -> list of (rps, p50 ms, p99 ms, CPU µs/request)
    dockerd = {}  # tool -> list of dockerd CPU µs per request
    containers = {}

    def add(key, sample, dockerd_before):
        rows.setdefault(key, []).append(sample)
        after = dockerd_cpu()
        if dockerd_before is not None and after is not None:
            dockerd.setdefault(key, []).append((after - dockerd_before) / requests * 1e6)

    with tempfile.NamedTemporaryFile("w", suffix=".curlrc") as config_none, \
            tempfile.NamedTemporaryFile("w", suffix=".curlrc") as config_label:
        configs = {"none": config_none, "label": config_label}
        for name, config in configs.items():
            config.write(f'url = "{urls[name]}"\n' * requests)
            config.flush()

        def client():
            argv = [engine_bench, "list", "--requests", str(requests), "--concurrency",
                    str(concurrency), "--label", label]
            if dockerd_pid():
                argv += ["--dockerd-pid", dockerd_pid()]
            _, _, out, _ = run(argv, stdout=subprocess.PIPE)
            for line in out.decode().splitlines():
                _, f = parse_fields(line)
                if f["client"] == "docker_client":
                    containers[f["filter"]] = int(f["items"])
                key = (CLIENTS[f["client"]], f["filter"], int(f["concurrency"]))
                rows.setdefault(key, []).append((float(f["rps"]), float(f["p50_ms"]),
                                                 float(f["p99_ms"]), float(f["cpu_us_per_req"])))
                if float(f["dockerd_us_per_req"]) >= 0:
                    dockerd.setdefault(key, []).append(float(f["dockerd_us_per_req"]))

        def curl_per_process():
            for name in ("none", "label"):
                before = dockerd_cpu()
                walls, cpu = [], 0.0
                start = time.perf_counter()
                for _ in range(requests):
                    wall, used, _, _ = run(["curl", "-sSf", "--unix-socket", socket, "-o",
                                            "/dev/null", urls[name]])
                    walls.append(wall * 1e3)
                    cpu += used
                total = time.perf_counter() - start
                add(("curl, one process per request", name, 1),
                    (requests / total, percentile(walls, 0.5), percentile(walls, 0.99),
                     cpu / requests * 1e6), before)

        def curl_keep_alive():
            for name in ("none", "label"):
                before = dockerd_cpu()
                wall, used, _, err = run(["curl", "-sSf", "--unix-socket", socket, "-K",
                                          configs[name].name, "-w",
                                          "%{stderr}%{time_total} %{num_connects}\\n"])
                times = [float(line.split()[0]) * 1e3 for line in err.decode().splitlines()]
                connects = sum(int(line.split()[1]) for line in err.decode().splitlines())
                if len(times) != requests or connects != 1:
                    sys.exit(f"curl keep-alive run: {len(times)} transfers, {connects} connects")
                add(("curl, one process, keep-alive", name, 1),
                    (requests / wall, percentile(times, 0.5), percentile(times, 0.99),
                     used / requests * 1e6), before)

        # The order rotates from round to round, so that a slow spell of the machine does not
        # always fall on the same client.
        steps = [client, curl_keep_alive, curl_per_process]
        for round_number in range(rounds):
            print(f"run_engine: list round {round_number + 1}/{rounds}", file=sys.stderr)
            for step in steps[round_number % 3:] + steps[:round_number % 3]:
                step()

    print(f"`GET /containers/json?all=1`, {requests} requests per row and round, {rounds} rounds "
          f"(medians); filter `label` matches the bench project's {containers.get('label', '?')} "
          f"containers, `none` returns all {containers.get('none', '?')} on the engine:\n")
    print("| client | filter | concurrency | requests/s | p50 | p99 | client CPU / request "
          "| dockerd CPU / request |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    medians = {}
    for key in sorted(rows, key=lambda k: (k[1] != "label", ORDER.index(k[0]), k[2])):
        samples = rows[key]
        rps, p50, p99, cpu = (statistics.median(s[i] for s in samples) for i in range(4))
        medians[key] = rps
        daemon = f"{statistics.median(dockerd[key]):.0f} µs" if key in dockerd else "—"
        print(f"| {key[0]} | {key[1]} | {key[2]} | {rps:.0f} | {p50:.2f} ms | {p99:.2f} ms "
              f"| {cpu:.0f} µs | {daemon} |")
    print()
    print("Requests/s ratios (sequential unless noted):\n")
    for name in ("label", "none"):
        ours = medians[(CLIENTS["docker_client"], name, 1)]
        raw = medians[(CLIENTS["transport"], name, 1)]
        floor = medians[("curl, one process, keep-alive", name, 1)]
        per_process = medians[("curl, one process per request", name, 1)]
        parallel = medians.get((CLIENTS["docker_client"], name, concurrency), ours)
        print(f"- filter `{name}`: DockerClient / curl keep-alive {ours / floor:.2f}, "
              f"HttpTransport / curl keep-alive {raw / floor:.2f}, "
              f"DockerClient / curl per process {ours / per_process:.2f}, "
              f"DockerClient concurrency {concurrency} / sequential {parallel / ours:.2f}")
    print()


def bench_logs(engine_bench, socket, api, container, rounds):
    tools = {
        "aic DockerClient (engine_bench logs)": [engine_bench, "logs", "--container", container],
        "docker logs": ["docker", "logs", container],
        "curl (raw multiplexed stream)": [
            "curl", "-sSf", "--unix-socket", socket, "-o", "/dev/null", "-w", "%{size_download}",
            f"http://d/v{api}/containers/{container}/logs?stdout=1&stderr=1"],
    }
    samples = {name: [] for name in tools}
    payload = wire = None
    run(tools["curl (raw multiplexed stream)"], stdout=subprocess.PIPE)  # into the page cache
    for round_number in range(rounds):
        print(f"run_engine: logs round {round_number + 1}/{rounds}", file=sys.stderr)
        for name, argv in tools.items():
            before = dockerd_cpu()
            wall, used, out, _ = run(argv, stdout=subprocess.PIPE if name != "docker logs"
                                     else subprocess.DEVNULL)
            after = dockerd_cpu()
            daemon = after - before if before is not None and after is not None else None
            samples[name].append((wall, used, daemon))
            if name.startswith("aic"):
                payload = int(parse_fields(out.decode())[1]["bytes"])
            elif name.startswith("curl"):
                wire = int(out.decode())
    print(f"All logs of one container (follow=false; {payload / 1e6:.0f} MB of payload in "
          f"{payload // 71} lines of 71 bytes, {wire / 1e6:.0f} MB multiplexed on the wire), "
          f"{rounds} alternating runs each, whole processes, output discarded:\n")
    print("| tool | median | min | max | MB/s (payload, median) | client CPU | dockerd CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    medians = {}
    for name, runs in samples.items():
        walls = [w for w, _, _ in runs]
        medians[name] = statistics.median(walls)
        cpu = statistics.median(c for _, c, _ in runs)
        daemons = [d for _, _, d in runs if d is not None]
        daemon = f"{statistics.median(daemons):.2f} s" if daemons else "—"
        print(f"| {name} | {medians[name]:.2f} s | {min(walls):.2f} s | {max(walls):.2f} s "
              f"| {payload / 1e6 / medians[name]:.0f} | {cpu:.2f} s | {daemon} |")
    ours = medians["aic DockerClient (engine_bench logs)"]
    print(f"\n- median wall time: DockerClient / docker logs {ours / medians['docker logs']:.2f}, "
          f"DockerClient / curl {ours / medians['curl (raw multiplexed stream)']:.2f}")


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    engine_bench, socket, api, label, log_container = sys.argv[1:6]
    requests = int(sys.argv[6]) if len(sys.argv) > 6 else 500
    concurrency = int(sys.argv[7]) if len(sys.argv) > 7 else 8
    rounds = int(sys.argv[8]) if len(sys.argv) > 8 else 5
    log_rounds = int(sys.argv[9]) if len(sys.argv) > 9 else 3
    bench_list(engine_bench, socket, api, label, requests, concurrency, rounds)
    bench_logs(engine_bench, socket, api, log_container, log_rounds)


if __name__ == "__main__":
    main()
