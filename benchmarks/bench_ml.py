"""The generated ML services under concurrent load: micro-batching on vs off, FastAPI vs Flask
(issue 10).

    python benchmarks/bench_ml.py [--duration 4] [--rounds 3] [--connections 64] [--call-ms 0,1,4]

Renders the ML shape for both frameworks (`purpose=ml-serving`), installs each project's runtime
environment (`uv sync --no-dev`, like the Dockerfile), and serves each app with the server of its
production command, one worker process each (uvicorn[standard] for FastAPI, granian WSGI with
the settings' BLOCKING_THREADS for Flask), APP_ENV=production, LOG_LEVEL=INFO, the default
INFERENCE_THREADS=2, BATCH_MAX_ITEMS=64, BATCH_MAX_WAIT_MS=2.

The model is the project's own demo model wrapped so that every *call* costs `--call-ms` on top
of its rows (each value in the list is measured in turn; 0 is the plain demo model): a sleep,
which releases the GIL like a native runtime, a GPU launch or a remote accelerator would. That
is the kind of model micro-batching is for: its per-call cost is dominated by fixed overhead.
The pure-Python demo alone costs microseconds per call, so there the HTTP stack is everything
and batching can only add its wait. The wrapper is loaded through
`create_app(settings, loader)`, the same seam the generated tests use; a small launcher module
(written into each project) builds the app and adds `GET /_bench/stats` (model calls and rows so
far, for the average batch size).

wrk loads `POST /predict` (one row per request) with `--connections` keep-alive clients, four
sides interleaved, `--rounds` runs of `--duration` seconds each; it prints requests/s (median of
the rounds), p50/p99 latency, average rows per model call, and the ratios against the aim:
batching >= 2x unbatched throughput at 64 clients. wrk and the servers share the machine's cores.

A benchmark, not a gate: it exits 0 whatever the ratios (non-zero only if it could not measure).
Needs `wrk` (apt-get install -y wrk) and uv.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wrk_output import parse as parse_wrk  # noqa: E402 (beside this script)

from tests.support.projects import free_port, project_env, render  # noqa: E402

FRAMEWORKS = ("fastapi", "flask")
BODY = '{"features": [6.0, 2.8, 4.5, 1.4]}'
AIM = 2.0

LAUNCHER = '''"""bench_ml.py's launcher: the generated app; each model call costs CALL_MS."""

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from {package}.app import create_app
from {package}.model import Model, Prediction, Row, load_model

CALL_SECONDS = float(os.environ["BENCH_CALL_MS"]) / 1000
STATS = {{"calls": 0, "rows": 0}}
_LOCK = threading.Lock()


class FixedCostModel:
    """The demo model plus a fixed cost per call (a sleep releases the GIL, like native code)."""

    def __init__(self, inner: Model) -> None:
        self.inner = inner
        self.name, self.version, self.n_features = inner.name, inner.version, inner.n_features

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        with _LOCK:
            STATS["calls"] += 1
            STATS["rows"] += len(rows)
        time.sleep(CALL_SECONDS)
        return self.inner.predict(rows)


def loader(path: Path) -> Model:
    return FixedCostModel(load_model(path))


app = create_app(None, loader)
{route}
'''
ROUTES = {
    "fastapi": """

@app.get("/_bench/stats", include_in_schema=False)
async def stats() -> dict[str, int]:
    return dict(STATS)
""",
    "flask": """

def stats() -> dict[str, int]:
    return dict(STATS)


app.add_url_rule("/_bench/stats", "bench_stats", stats)
""",
}


@dataclass
class Side:
    framework: str
    batching: bool
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows_per_call: list[float] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.framework} batching {'on' if self.batching else 'off'}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sh(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(argv)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def get_json(url: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def prepare(tmp: Path) -> dict[str, Path]:
    """Render, sync and write the launcher: {framework: project}."""
    projects = {}
    for framework in FRAMEWORKS:
        package = f"bench_ml_{framework}"
        log(f"render + uv sync {framework}")
        project = render(tmp, project_name=package, framework=framework, purpose="ml-serving")
        sh(
            ["uv", "sync", "--no-dev", "--compile-bytecode", "--quiet"],
            cwd=project,
            env=project_env(),
        )
        (project / "bench_launch.py").write_text(
            LAUNCHER.format(package=package, route=ROUTES[framework])
        )
        projects[framework] = project
    return projects


def command(framework: str, project: Path, port: int) -> list[str]:
    python = str(project / ".venv" / "bin" / "python")
    if framework == "fastapi":  # what `python -m <pkg>` runs, with one worker
        return [
            python, "-m", "uvicorn", "bench_launch:app", "--host", "127.0.0.1", "--port",
            str(port), "--workers", "1", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
    threads = "64"  # the generated settings' BLOCKING_THREADS for concurrency: moderate
    return [
        python, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port",
        str(port), "--workers", "1", "--blocking-threads", threads, "--backpressure", threads,
        "--no-ws", "--log-level", "warning", "bench_launch:app",
    ]  # fmt: skip


@contextmanager
def serving(side: Side, project: Path, call_ms: float, log_path: Path) -> Iterator[str]:
    port = free_port()
    env = project_env(
        {
            "APP_ENV": "production",
            "LOG_LEVEL": "INFO",
            "BATCHING": "true" if side.batching else "false",
            "BENCH_CALL_MS": str(call_ms),
            "PYTHONPATH": str(project),
        }
    )
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            command(side.framework, project, port),
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # ready means: the model is loaded and warmed up
            if proc.poll() is not None:
                raise SystemExit(f"{side.name} exited:\n{log_path.read_text()[-3000:]}")
            try:
                if get_json(base + "/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{side.name} not ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wrk(
    base: str, script: Path, connections: int, duration: float
) -> tuple[float, float, float, str]:
    """One wrk run of POST /predict: (requests/s, p50 ms, p99 ms, problems)."""
    out = sh(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base + "/predict",
        ]
    )
    return parse_wrk(out)


def measure(
    sides: list[Side],
    projects: dict[str, Path],
    args: argparse.Namespace,
    tmp: Path,
    call_ms: float,
) -> None:
    script = tmp / "predict.lua"
    script.write_text(
        f"wrk.method = 'POST'\nwrk.body = '{BODY}'\n"
        "wrk.headers['Content-Type'] = 'application/json'\n"
    )
    for round_number in range(args.rounds):
        order = sides[round_number % len(sides) :] + sides[: round_number % len(sides)]
        for side in order:
            with serving(side, projects[side.framework], call_ms, tmp / "server.log") as base:
                wrk(base, script, args.connections, 1)  # warm-up
                before = get_json(base + "/_bench/stats")[1]
                rps, p50, p99, problems = wrk(base, script, args.connections, args.duration)
                after = get_json(base + "/_bench/stats")[1]
            assert isinstance(before, dict) and isinstance(after, dict)
            calls = after["calls"] - before["calls"]
            side.rows_per_call.append((after["rows"] - before["rows"]) / max(calls, 1))
            side.rps.append(rps)
            side.p50.append(p50)
            side.p99.append(p99)
            if problems:
                side.problems.append(problems)
            log(
                f"{call_ms:g} ms/call, round {round_number + 1}: {side.name}: {rps:.0f} req/s, "
                f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                f"{side.rows_per_call[-1]:.1f} rows/call {problems}"
            )


def report(sides: list[Side], args: argparse.Namespace, call_ms: float) -> None:
    median = {s.name: statistics.median(s.rps) for s in sides}
    print(
        f"\nPOST /predict, {args.connections} connections, model call cost {call_ms:g} ms "
        f"+ rows; median of {args.rounds} x {args.duration}s"
    )
    print(f"{'side':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'rows/call':>10}  problems")
    for side in sides:
        print(
            f"{side.name:<22} {median[side.name]:>8.0f} {statistics.median(side.p50):>8.1f} "
            f"{statistics.median(side.p99):>8.1f} {statistics.median(side.rows_per_call):>10.1f}  "
            f"{'; '.join(side.problems) or '-'}"
        )
    print()
    for framework in FRAMEWORKS:
        ratio = median[f"{framework} batching on"] / median[f"{framework} batching off"]
        verdict = "met" if ratio >= AIM else "missed"
        print(f"{framework}: batching on / off = {ratio:.2f}x (aim >= {AIM:g}x: {verdict})")
    for mode in ("on", "off"):
        ratio = median[f"flask batching {mode}"] / median[f"fastapi batching {mode}"]
        print(f"batching {mode}: flask / fastapi = {ratio:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=4, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per side")
    parser.add_argument("--connections", type=int, default=64, help="concurrent clients")
    parser.add_argument(
        "--call-ms", default="0,1,4", help="fixed costs of a model call to measure, in ms"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}, CPython {platform.python_version()}; wrk -t2 and the servers "
        "share the cores"
    )
    with tempfile.TemporaryDirectory(prefix="bench-ml-") as name:
        tmp = Path(name)
        projects = prepare(tmp)
        for call_ms in [float(value) for value in args.call_ms.split(",")]:
            sides = [Side(f, b) for f in FRAMEWORKS for b in (True, False)]
            measure(sides, projects, args, tmp, call_ms)
            report(sides, args, call_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
