#!/usr/bin/env python3
"""Times `aic config` against `docker-compose config` on the same generated project, in one run.

Usage: compare_config.py AIC COMPOSE_FILE [RUNS]

Runs are alternated (aic, docker-compose, aic, ...) so that machine noise hits both alike.
Prints a markdown table with the median, min and max wall time and the peak RSS of each tool,
and the ratio of the medians. docker-compose is whatever is on PATH (Debian's 1.29).
"""
import os
import shutil
import statistics
import subprocess
import sys
import time


def run_once(argv, cwd):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{argv[0]} failed:\n{err}")
    return elapsed, usage.ru_maxrss / 1024.0  # seconds, MiB


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    aic, compose_file = sys.argv[1], os.path.abspath(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    cwd = os.path.dirname(compose_file)
    env_note = "PORT_BASE=20"
    os.environ["PORT_BASE"] = "20"
    tools = {"aic config": [aic, "-p", "bench", "-f", compose_file, "config", "-q"]}
    dc = shutil.which("docker-compose")
    if dc:
        tools["docker-compose config"] = [dc, "-p", "bench", "-f", compose_file, "config", "-q"]
    results = {name: [] for name in tools}
    for name, argv in tools.items():  # warm-up: page cache, Python bytecode
        run_once(argv, cwd)
    for _ in range(runs):
        for name, argv in tools.items():
            results[name].append(run_once(argv, cwd))
    services = sum(1 for line in open(compose_file) if line.startswith("  svc-"))
    print(f"`config -q` on {services} services ({env_note}), {runs} alternating runs each:\n")
    print("| tool | median | min | max | peak RSS |")
    print("| --- | ---: | ---: | ---: | ---: |")
    medians = {}
    for name, samples in results.items():
        times = [t for t, _ in samples]
        medians[name] = statistics.median(times)
        rss = max(r for _, r in samples)
        print(f"| {name} | {medians[name] * 1000:.0f} ms | {min(times) * 1000:.0f} ms "
              f"| {max(times) * 1000:.0f} ms | {rss:.0f} MiB |")
    if "docker-compose config" in medians:
        ratio = medians["aic config"] / medians["docker-compose config"]
        print(f"\naic / docker-compose (median wall time): {ratio:.3f}")
    else:
        print("\n(docker-compose not found: no ratio)")


if __name__ == "__main__":
    main()
