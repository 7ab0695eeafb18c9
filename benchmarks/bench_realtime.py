"""Real-time benchmark of the generated services' WebSocket rooms (issue 11).

    python benchmarks/bench_realtime.py [--subscribers 100] [--burst 200] [--rate 20] [--seconds 3]

Renders the FastAPI and the Flask template with websockets=True, creates each project's own
environment (`uv sync --no-dev`), and for each framework and broker starts servers with the
project's production command (`python -m <pkg>`, APP_ENV=production) on 127.0.0.1:

- in-process rooms: ONE server process (rooms in memory cannot span two; production refuses
  them with several workers);
- Redis broker: TWO server processes on two ports sharing one Redis ($PYAPI_TEST_REDIS_URL, or
  a throw-away redis-server started here), the subscribers split evenly between them.

`--subscribers` clients join one room (asyncio `websockets` clients in this process), plus one
publisher on the first server. Two phases, each bounded in time:

- latency: the publisher sends `--rate` messages per second for `--seconds`; each delivery's
  latency is receive time minus send time (one clock, one process): p50 / p99 over all deliveries;
- throughput: `--burst` messages back to back; messages/s = burst / time until every subscriber
  has every message (deliveries/s = that x subscribers).

Everything shares the machine's cores (clients, servers, Redis) over loopback. A benchmark, not
a gate: it exits 0 whatever it measures (non-zero only if it could not measure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.projects import free_port, project_env, render  # noqa: E402

PHASE_TIMEOUT = 60.0


@dataclass
class Result:
    framework: str
    broker: str
    processes: int
    p50_ms: float
    p99_ms: float
    messages_per_s: float
    deliveries_per_s: float


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"not ready: {url}")


@contextmanager
def _server(project: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    package = project.name.replace("-", "_")
    server_env = project_env(
        {**env, "HOST": "127.0.0.1", "PORT": str(port), "APP_ENV": "production"}
    )
    python = project / ".venv" / "bin" / "python"
    proc = subprocess.Popen(
        [str(python), "-m", package],
        cwd=project,
        env=server_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/health/ready")
        yield f"ws://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)


@contextmanager
def _redis() -> Iterator[str]:
    if url := os.environ.get("PYAPI_TEST_REDIS_URL"):
        yield url
        return
    server = shutil.which("redis-server")
    if not server:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        argv = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", directory]
        proc = subprocess.Popen([*argv, "--save", "", "--appendonly", "no"])
        try:
            time.sleep(0.5)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


async def _join(url: str, room: str) -> ClientConnection:
    ws = await connect(f"{url}/ws/rooms/{room}", open_timeout=30, max_queue=None)
    joined = json.loads(await ws.recv())
    assert joined == {"type": "joined", "room": room}, joined
    return ws


async def _collect(ws: ClientConnection, expected: int, latencies: list[float]) -> float:
    """Receive `expected` messages; record each latency; return the last arrival time."""
    last = 0.0
    for _ in range(expected):
        frame = json.loads(await ws.recv())
        last = time.perf_counter()
        latencies.append(last - float(frame["data"].split()[1]))
    return last


async def _phase(
    publisher: ClientConnection,
    subscribers: list[ClientConnection],
    count: int,
    interval: float,
    tag: str,
) -> tuple[list[float], float]:
    latencies: list[float] = []
    # The publisher is in the room too: drain its own copies so they never pile up.
    tasks = [asyncio.create_task(_collect(ws, count, latencies)) for ws in subscribers]
    own = asyncio.create_task(_collect(publisher, count, []))
    start = time.perf_counter()
    for number in range(count):
        await publisher.send(f"{tag}{number} {time.perf_counter()!r}")
        if interval:
            await asyncio.sleep(interval)
    done = await asyncio.wait_for(asyncio.gather(*tasks), PHASE_TIMEOUT)
    await asyncio.wait_for(own, PHASE_TIMEOUT)
    return latencies, max(done) - start


async def _measure(urls: list[str], args: argparse.Namespace) -> tuple[float, float, float]:
    room = f"bench-{os.getpid()}"
    subscribers = [
        await _join(urls[number % len(urls)], room) for number in range(args.subscribers)
    ]
    publisher = await _join(urls[0], room)
    try:
        count = max(1, int(args.rate * args.seconds))
        latencies, _ = await _phase(publisher, subscribers, count, 1 / args.rate, "l")
        _, elapsed = await _phase(publisher, subscribers, args.burst, 0, "t")
    finally:
        for ws in [*subscribers, publisher]:
            await ws.close()
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return p50, p99, args.burst / elapsed


def _project(parent: Path, framework: str) -> Path:
    name = f"bench-rt-{framework}"
    project = render(parent, project_name=name, framework=framework, websockets=True)
    subprocess.run(
        ["uv", "sync", "--quiet", "--no-dev"],
        cwd=project,
        env=project_env(),
        check=True,
        timeout=600,
    )
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    env = {
        "LOG_LEVEL": "WARNING",
        # The benchmark's publisher sends far faster than a person: lift the per-connection limit.
        "WS_MESSAGES_PER_SECOND": "1000000",
        # Flask: one thread per open WebSocket (all of them on one process when in-process).
        "THREADS": str(args.subscribers + 16),
    }
    results: list[Result] = []
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp, ExitStack() as stack:
        redis_url = stack.enter_context(_redis())
        for framework in ("fastapi", "flask"):
            project = _project(Path(tmp) / framework, framework)
            for broker in ("in-process", "redis"):
                with ExitStack() as servers:
                    if broker == "redis":
                        extra = {**env, "REDIS_URL": redis_url}
                        urls = [servers.enter_context(_server(project, extra)) for _ in "ab"]
                    else:
                        urls = [servers.enter_context(_server(project, env))]
                    p50, p99, rate = asyncio.run(_measure(urls, args))
                results.append(
                    Result(framework, broker, len(urls), p50, p99, rate, rate * args.subscribers)
                )
                print(f"{framework:8} {broker:10} done", file=sys.stderr)
    print(
        f"# bench_realtime {started:%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; "
        f"{args.subscribers} subscribers, latency at {args.rate:g} msg/s for {args.seconds:g} s, "
        f"burst {args.burst}"
    )
    print("| framework | broker | server processes | p50 | p99 | messages/s | deliveries/s |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.framework} | {r.broker} | {r.processes} | {r.p50_ms:.1f} ms | "
            f"{r.p99_ms:.1f} ms | {r.messages_per_s:.0f} | {r.deliveries_per_s:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
