"""What the `hiraku bench` commands share: a free loopback port, timed GETs against a
server they started, waiting until it serves, and latency figures."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 120) -> tuple[float, int, bytes]:
    """(seconds, status, body) of one GET on the loopback server."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"User-Agent": "hiraku-bench"})
        response = conn.getresponse()
        body = response.read()
        return time.perf_counter() - started, response.status, body
    finally:
        conn.close()


def wait_until_serving(port: int, server: subprocess.Popen, probe_path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited before serving")
        try:
            http_get(port, probe_path)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start serving in time")


@dataclass
class Figures:
    latencies: list[float]  # seconds
    seconds: float
    errors: int = 0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def fire(port: int, paths: list[str], concurrency: int) -> Figures:
    """GET every path from `concurrency` client threads; non-200 answers count as errors."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda path: http_get(port, path, timeout=60), paths))
    return Figures([r[0] for r in results], time.perf_counter() - started,
                   errors=sum(1 for r in results if r[1] != 200))


def time_each(func, items) -> Figures:
    latencies = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        func(item)
        latencies.append(time.perf_counter() - t0)
    return Figures(latencies, time.perf_counter() - started)
