"""Server benchmarks of the generated services, measured (issues 3 and 4).

    python benchmarks/bench_servers.py [--duration 5] [--rounds 3] [--connections 64,256]

Renders the FastAPI and the Flask template with database=postgres, creates each project's own
environment (`uv sync --no-dev`, like the Dockerfile), starts a throw-away PostgreSQL
on 127.0.0.1 (scripts/pg-test-server; or uses $PYAPI_TEST_PG_URL), migrates and seeds each
database, then starts three servers on 127.0.0.1:

- generated FastAPI: `python -m <pkg>` in its own env (the Dockerfile's CMD): uvicorn[standard],
  APP_ENV=production, WEB_CONCURRENCY=2, LOG_LEVEL=INFO (the production default);
- bare FastAPI: benchmarks/bare_fastapi_app.py in the same env, same route, queries, engine
  options and uvicorn options, none of the generated extras (middleware, JSON logging, handlers);
- generated Flask: `python -m <pkg>` in its own env: granian WSGI, same settings.

and loads `GET /items?limit=10` (a count plus one page of 10 rows from PostgreSQL) with wrk,
interleaving the three sides, `--rounds` runs of `--duration` seconds per side and connection
count. wrk, PostgreSQL and the servers share the machine's cores. It prints requests/s (median
of the rounds), p50/p99 latency, the ratios and the aims:

- issue 3: generated FastAPI >= 0.9 x bare FastAPI;
- issue 4: generated Flask >= 0.8 x generated FastAPI.

A benchmark, not a gate: it exits 0 whatever the ratios (non-zero only if it could not measure).
Needs `wrk` (apt-get install -y wrk), uv, and PostgreSQL server binaries.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.projects import free_port, project_env, render  # noqa: E402

PATH = "/items?limit=10"
SEED_ITEMS = 100
# One payload per framework's example schema (they differ: quantity vs price).
SEED_PAYLOAD = {
    "fastapi": lambda n: {"name": f"item {n}", "description": f"item number {n}", "quantity": n},
    "flask": lambda n: {"name": f"item {n}", "description": f"item number {n}", "price": n + 0.5},
}
AIM_FASTAPI_VS_BARE = 0.9
AIM_FLASK_VS_FASTAPI = 0.8


@dataclass
class Side:
    key: str
    label: str
    server: str
    url: str = ""
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sh(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(argv)}` failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@contextmanager
def postgres() -> Iterator[str]:
    """The server URL (…/postgres): $PYAPI_TEST_PG_URL, or a throw-away server of our own."""
    if os.environ.get("PYAPI_TEST_PG_URL"):
        yield os.environ["PYAPI_TEST_PG_URL"]
        return
    out = sh([str(ROOT / "scripts" / "pg-test-server"), "start"])
    exports = dict(re.findall(r"export (\w+)=(\S+)", out))
    try:
        yield exports["PYAPI_TEST_PG_URL"]
    finally:
        sh([str(ROOT / "scripts" / "pg-test-server"), "stop", exports["PYAPI_TEST_PG_DIR"]])


def create_database(server_url: str, name: str) -> str:
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    sh([psql, server_url, "-qc", f"DROP DATABASE IF EXISTS {name}"])
    sh([psql, server_url, "-qc", f"CREATE DATABASE {name}"])
    return server_url.rsplit("/", 1)[0] + "/" + name


def http(method: str, url: str, body: dict[str, object] | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def server(argv: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> Iterator[str]:
    """Start a server in its own process group on a free port; yield its base URL."""
    port = free_port()
    full_env = project_env({**env, "HOST": "127.0.0.1", "PORT": str(port)})
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(
                    f"{argv} exited {proc.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                if http("GET", base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{argv} not ready:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(
    url: str, connections: int, duration: float, threads: int
) -> tuple[float, float, float, str]:
    """One wrk run: (requests/s, p50 ms, p99 ms, problems)."""
    out = sh(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            "10s",
            "--latency",
            url + PATH,
        ]
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    problems = []
    for pattern in (r"Non-2xx or 3xx responses: \d+", r"Socket errors: [^\n]+"):
        match = re.search(pattern, out)
        if match:
            problems.append(match.group(0))
    return rps, p50, p99, "; ".join(problems)


def prepare(tmp: Path, pg_server: str) -> dict[str, tuple[Path, str, str]]:
    """Render, sync, create and migrate: {framework: (project, package, database_url)}."""
    projects: dict[str, tuple[Path, str, str]] = {}
    for framework in ("fastapi", "flask"):
        package = f"bench_{framework}"
        log(f"render + uv sync {framework}")
        project = render(tmp, project_name=package, framework=framework, database="postgres")
        sh(
            ["uv", "sync", "--no-dev", "--compile-bytecode", "--quiet"],
            cwd=project,
            env=project_env(),
        )
        url = create_database(pg_server, package)
        env = project_env({"DATABASE_URL": url})
        if framework == "fastapi":
            sh([str(project / ".venv/bin/alembic"), "upgrade", "head"], cwd=project, env=env)
        else:
            sh([str(project / ".venv/bin/python"), "-m", package, "migrate"], cwd=project, env=env)
        projects[framework] = (project, package, url)
    return projects


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per side")
    parser.add_argument("--connections", default="64,256", help="comma-separated counts")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY of every server")
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    started = time.monotonic()
    sides = {
        "fastapi": Side("fastapi", "generated FastAPI", "uvicorn[standard]"),
        "bare": Side("bare", "bare FastAPI", "uvicorn[standard]"),
        "flask": Side("flask", "generated Flask", "granian WSGI"),
    }
    results: dict[tuple[str, int], Side] = {}
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        pg_server = stack.enter_context(postgres())
        projects = prepare(tmp, pg_server)
        production = {
            "APP_ENV": "production",
            "WEB_CONCURRENCY": str(args.workers),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "SECRET_KEY": "bench-" + "x" * 48,
        }
        fa_project, fa_package, fa_url = projects["fastapi"]
        fl_project, fl_package, fl_url = projects["flask"]
        log("start servers")
        sides["fastapi"].url = stack.enter_context(
            server(
                [str(fa_project / ".venv/bin/python"), "-m", fa_package],
                fa_project,
                {**production, "DATABASE_URL": fa_url},
                tmp / "fastapi.log",
            )
        )
        sides["bare"].url = stack.enter_context(
            server(
                [
                    str(fa_project / ".venv/bin/python"),
                    str(Path(__file__).with_name("bare_fastapi_app.py")),
                ],
                Path(__file__).parent,
                {
                    **production,
                    "DATABASE_URL": fa_url.replace("postgresql://", "postgresql+asyncpg://"),
                },
                tmp / "bare.log",
            )
        )
        sides["flask"].url = stack.enter_context(
            server(
                [str(fl_project / ".venv/bin/python"), "-m", fl_package],
                fl_project,
                {**production, "DATABASE_URL": fl_url},
                tmp / "flask.log",
            )
        )
        log(f"seed {SEED_ITEMS} items per database through each service's POST /items")
        for key in ("fastapi", "flask"):
            for n in range(SEED_ITEMS):
                status, _ = http("POST", sides[key].url + "/items", SEED_PAYLOAD[key](n))
                assert status == 201, (key, status)
        for side in sides.values():
            status, body = http("GET", side.url + PATH)
            page = json.loads(body)
            assert status == 200 and len(page["items"]) == 10 and page["total"] == SEED_ITEMS, (
                side.key,
                body[:300],
            )
        order = list(sides)
        for conns in connections:
            for side in sides.values():
                results[(side.key, conns)] = Side(side.key, side.label, side.server)
            for key in order:  # warm-up: pools filled, code paths hot
                wrk(sides[key].url, conns, 1, args.threads)
            for round_no in range(args.rounds):
                # Rotate the order every round so no side always runs first or last.
                for key in order[round_no % 3 :] + order[: round_no % 3]:
                    rps, p50, p99, problems = wrk(
                        sides[key].url, conns, args.duration, args.threads
                    )
                    result = results[(key, conns)]
                    result.rps.append(rps)
                    result.p50.append(p50)
                    result.p99.append(p99)
                    if problems:
                        result.errors.append(problems)
                    log(
                        f"c={conns} round {round_no + 1} {key}: {rps:,.0f} req/s p50 {p50:.1f} ms p99 {p99:.1f} ms {problems}"
                    )
        log_lines = {
            key: sum(1 for _ in (tmp / f"{key}.log").open()) for key in ("fastapi", "bare", "flask")
        }

    print()
    print(f"# Server benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; wrk -t{args.threads}, PostgreSQL and the servers share "
        "the cores; all on 127.0.0.1"
    )
    print(
        f"endpoint: GET {PATH} ({SEED_ITEMS} rows: a count plus one page of 10 from PostgreSQL); "
        f"{args.workers} workers per server; APP_ENV=production LOG_LEVEL=INFO; "
        f"median of {args.rounds} interleaved runs of {args.duration:g} s"
    )
    print()
    header = f"{'side':<20} {'server':<18} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  runs (req/s)"
    print(header)
    print("-" * len(header))
    for conns in connections:
        for key in ("fastapi", "bare", "flask"):
            r = results[(key, conns)]
            runs = ", ".join(f"{x:,.0f}" for x in r.rps)
            errors = f"  [{'; '.join(r.errors)}]" if r.errors else ""
            print(
                f"{r.label:<20} {r.server:<18} {conns:>5} {statistics.median(r.rps):>9,.0f} "
                f"{statistics.median(r.p50):>8.1f} {statistics.median(r.p99):>8.1f}  {runs}{errors}"
            )
    print()
    for conns in connections:
        fa = statistics.median(results[("fastapi", conns)].rps)
        bare = statistics.median(results[("bare", conns)].rps)
        fl = statistics.median(results[("flask", conns)].rps)
        ok3 = "meets" if fa / bare >= AIM_FASTAPI_VS_BARE else "MISSES"
        ok4 = "meets" if fl / fa >= AIM_FLASK_VS_FASTAPI else "MISSES"
        print(
            f"c={conns:<4} issue 3: generated FastAPI / bare FastAPI = {fa / bare:.2f} "
            f"(aim >= {AIM_FASTAPI_VS_BARE}: {ok3})"
        )
        print(
            f"c={conns:<4} issue 4: generated Flask / generated FastAPI = {fl / fa:.2f} "
            f"(aim >= {AIM_FLASK_VS_FASTAPI}: {ok4})"
        )
    print()
    print(f"server log lines written during the run: {log_lines}")
    print(f"total time: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
