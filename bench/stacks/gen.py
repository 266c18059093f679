#!/usr/bin/env python3
"""Generates the benchmark projects: a compose file of N busybox services in one of four shapes,
and the same containers as raw Engine API bodies for the floor (bench/floor/floor.py).

Shapes:
  flat     no dependencies
  chain    each service depends on the one before it
  layers   a DAG of depth ~log2 N: service i sits in layer floor(log2(i + 1)) and depends on
           its parent (i - 1) // 2 and, when there is one, that parent's right neighbour
  healthy  layers, every service with a healthcheck and `condition: service_healthy` (probing
           every 0.5 s, or every N / 20 s when N > 10: see health_interval_s)

Every shape has one network, a named volume on every other service and a few ports published
on 127.0.0.1 (ephemeral host ports, so runs never collide).

  gen.py SHAPE N PROJECT OUTDIR     writes OUTDIR/docker-compose.yml and OUTDIR/floor.json
"""
import json
import math
import os
import sys

SHAPES = ("flat", "chain", "layers", "healthy")
IMAGE = "aic-test/busybox:latest"
PUBLISHED = 3  # services s0..s2 publish a port
PROBES_PER_S = 20  # all healthchecks together, once every service is up


def health_interval_s(n):
    """Half a second, or longer for large N: every probe is an exec in the engine, and a 2-CPU
    engine probing 100 containers twice a second has no time left to start containers (their
    probes time out and they turn unhealthy). At most PROBES_PER_S probes a second in all."""
    return max(0.5, n / PROBES_PER_S)


def layer_of(i):
    return int(math.floor(math.log2(i + 1)))


def dependencies(shape, i):
    if shape == "flat" or i == 0:
        return []
    if shape == "chain":
        return [i - 1]
    parent = (i - 1) // 2
    deps = [parent]
    neighbour = parent + 1
    if layer_of(neighbour) == layer_of(parent) and neighbour < i:
        deps.append(neighbour)
    return deps


def compose_file(shape, n):
    out = ["services:"]
    for i in range(n):
        out += [f"  s{i}:",
                f"    image: {IMAGE}",
                "    command: [sleep, '3600']",
                "    stop_signal: SIGKILL",
                "    networks: [net]"]
        if i % 2 == 0:
            out.append(f"    volumes: ['data{i}:/data']")
        if i < PUBLISHED:
            out.append("    ports: ['127.0.0.1::8080']")
        if shape == "healthy":
            out += ["    healthcheck:",
                    "      test: [CMD, /bin/busybox, 'true']",
                    f"      interval: {int(health_interval_s(n) * 1000)}ms",
                    "      timeout: 5s",
                    "      retries: 3"]
        deps = dependencies(shape, i)
        if deps:
            out.append("    depends_on:")
            for d in deps:
                condition = "service_healthy" if shape == "healthy" else "service_started"
                out += [f"      s{d}:", f"        condition: {condition}"]
    out += ["networks:", "  net: {}", "volumes:"]
    out += [f"  data{i}: {{}}" for i in range(0, n, 2)]
    return "\n".join(out) + "\n"


def floor_plan(shape, n, project):
    """The same resources as Engine API calls: what Compose would send, minus its labels."""
    network = f"{project}_net"
    label = {"io.aic.bench": project}
    containers = []
    for i in range(n):
        host = {"NetworkMode": network}
        if i % 2 == 0:
            host["Binds"] = [f"{project}_data{i}:/data"]
        body = {"Image": IMAGE, "Cmd": ["sleep", "3600"], "StopSignal": "SIGKILL",
                "Labels": label, "HostConfig": host}
        if i < PUBLISHED:
            body["ExposedPorts"] = {"8080/tcp": {}}
            host["PortBindings"] = {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
        if shape == "healthy":
            ns = int(health_interval_s(n) * 1e9)
            body["Healthcheck"] = {"Test": ["CMD", "/bin/busybox", "true"], "Interval": ns,
                                   "Timeout": 5_000_000_000, "Retries": 3}
        containers.append({"name": f"{project}-s{i}-1", "body": body,
                           "depends_on": [f"{project}-s{d}-1" for d in dependencies(shape, i)]})
    return {"shape": shape, "project": project, "network": network, "labels": label,
            "volumes": [f"{project}_data{i}" for i in range(0, n, 2)],
            "containers": containers}


def main(argv):
    if len(argv) != 5 or argv[1] not in SHAPES or not argv[2].isdigit():
        sys.exit(f"usage: {argv[0]} {{{','.join(SHAPES)}}} N PROJECT OUTDIR")
    shape, n, project, outdir = argv[1], int(argv[2]), argv[3], argv[4]
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "docker-compose.yml"), "w") as f:
        f.write(compose_file(shape, n))
    with open(os.path.join(outdir, "floor.json"), "w") as f:
        json.dump(floor_plan(shape, n, project), f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
