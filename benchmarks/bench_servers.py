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
of the rounds), p50/p99 latency, the server's CPU time per request (all its processes, from
/proc), PostgreSQL connections opened per 1000 requests (pool churn), the ratios and the aims:

- issue 3: generated FastAPI >= 0.9 x bare FastAPI;
- issue 4: generated Flask >= 0.8 x generated FastAPI.

`--db-latency-ms 0,5` adds a second mode where a local proxy (latency_proxy.py) adds 5 ms to
every database round trip, as if PostgreSQL were one network hop away.

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

from wrk_output import parse as parse_wrk  # noqa: E402 (beside this script)

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


SIDES = (
    ("fastapi", "generated FastAPI", "uvicorn[standard]"),
    ("bare", "bare FastAPI", "uvicorn[standard]"),
    ("flask", "generated Flask", "granian WSGI"),
)


@dataclass
class Result:
    """The runs of one side at one connection count in one mode."""

    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)  # server CPU per request (all processes)
    new_conns: list[float] = field(default_factory=list)  # new PostgreSQL sessions per 1000 req
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


def pg_sessions(server_url: str) -> int:
    """Sessions ever opened on the server (PostgreSQL >= 14 counts them per database)."""
    psql = shutil.which("psql") or "/usr/lib/postgresql/15/bin/psql"
    out = sh([psql, server_url, "-Atc", "SELECT sum(sessions) FROM pg_stat_database"])
    return int(out.strip() or 0)


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
def server(
    argv: list[str], cwd: Path, env: dict[str, str], log_path: Path
) -> Iterator[tuple[str, int]]:
    """Start a server in its own session on a free port; yield its base URL and session id."""
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
        yield base, proc.pid
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


_TICK = os.sysconf("SC_CLK_TCK")


def session_cpu(sid: int) -> float:
    """CPU seconds (user + system) used so far by every live process of session ``sid``."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            total += int(fields[11]) + int(fields[12])
    return total / _TICK


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
    return parse_wrk(out)


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


def with_port(url: str, port: int) -> str:
    """``url`` pointing at 127.0.0.1:``port`` instead of its own host and port."""
    return re.sub(r"@[^/@]+/", f"@127.0.0.1:{port}/", url, count=1)


@contextmanager
def latency_proxy(python: Path, pg_server: str, delay_ms: float, log_path: Path) -> Iterator[int]:
    """A latency_proxy.py in front of PostgreSQL; yields its port."""
    host_port = re.search(r"@([^/@]+)/", pg_server).group(1)  # type: ignore[union-attr]
    host, port = host_port.rsplit(":", 1)
    listen = free_port()
    script = Path(__file__).with_name("latency_proxy.py")
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [str(python), str(script), str(listen), host, port, str(delay_ms)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        time.sleep(1)
        if proc.poll() is not None:
            raise SystemExit(f"latency proxy exited:\n{log_path.read_text()}")
        yield listen
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@contextmanager
def start_sides(
    projects: dict[str, tuple[Path, str, str]],
    production: dict[str, str],
    db_port: int | None,
    tmp: Path,
    mode: str,
) -> Iterator[dict[str, tuple[str, int]]]:
    """The three servers, each with its own command; yields {side: (base URL, session id)}."""
    fa_project, fa_package, fa_url = projects["fastapi"]
    fl_project, fl_package, fl_url = projects["flask"]
    if db_port is not None:
        fa_url, fl_url = with_port(fa_url, db_port), with_port(fl_url, db_port)
    commands = {
        "fastapi": ([str(fa_project / ".venv/bin/python"), "-m", fa_package], fa_project, fa_url),
        "bare": (
            [
                str(fa_project / ".venv/bin/python"),
                str(Path(__file__).with_name("bare_fastapi_app.py")),
            ],
            Path(__file__).parent,
            fa_url.replace("postgresql://", "postgresql+asyncpg://"),
        ),
        "flask": ([str(fl_project / ".venv/bin/python"), "-m", fl_package], fl_project, fl_url),
    }
    with ExitStack() as stack:
        yield {
            key: stack.enter_context(
                server(argv, cwd, {**production, "DATABASE_URL": url}, tmp / f"{key}-{mode}.log")
            )
            for key, (argv, cwd, url) in commands.items()
        }


def seed_and_check(urls: dict[str, tuple[str, int]], seed: bool) -> None:
    if seed:
        log(f"seed {SEED_ITEMS} items per database through each service's POST /items")
        for key in ("fastapi", "flask"):
            for n in range(SEED_ITEMS):
                status, body = http("POST", urls[key][0] + "/items", SEED_PAYLOAD[key](n))
                assert status == 201, (key, status, body[:300])
    for key, (base, _) in urls.items():
        status, body = http("GET", base + PATH)
        page = json.loads(body) if status == 200 else {}
        assert len(page.get("items", ())) == 10 and page.get("total") == SEED_ITEMS, (
            key,
            body[:300],
        )


def measure(
    urls: dict[str, tuple[str, int]],
    connections: list[int],
    args: argparse.Namespace,
    mode: str,
    pg_server: str,
) -> dict[tuple[str, int], Result]:
    """Interleaved wrk runs: every round runs each side once, in a rotating order."""
    results: dict[tuple[str, int], Result] = {}
    order = [key for key, _, _ in SIDES]
    for conns in connections:
        for key in order:  # warm-up: pools filled, code paths hot
            results[(key, conns)] = Result()
            wrk(urls[key][0], conns, 1, args.threads)
        for round_no in range(args.rounds):
            shift = round_no % len(order)
            for key in order[shift:] + order[:shift]:
                base, sid = urls[key]
                result = results[(key, conns)]
                sessions_before = pg_sessions(pg_server)
                cpu_before = session_cpu(sid)
                rps, p50, p99, problems = wrk(base, conns, args.duration, args.threads)
                cpu = session_cpu(sid) - cpu_before
                sessions = pg_sessions(pg_server) - sessions_before - 1  # minus our own psql
                result.new_conns.append(sessions / (rps * args.duration) * 1000)
                result.rps.append(rps)
                result.p50.append(p50)
                result.p99.append(p99)
                result.cpu_us.append(cpu / (rps * args.duration) * 1e6)
                if problems:
                    result.errors.append(problems)
                log(
                    f"{mode} c={conns} round {round_no + 1} {key}: {rps:,.0f} req/s, "
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {result.cpu_us[-1]:,.0f} us CPU/req, "
                    f"{result.new_conns[-1]:.0f} new DB connections/1000 req "
                    f"{problems}"
                )
    return results


def report(mode: str, results: dict[tuple[str, int], Result], connections: list[int]) -> None:
    print()
    print(f"## {mode}")
    header = (
        f"{'side':<18} {'server':<18} {'conns':>5} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'CPU us/req':>10} {'new conn/1k':>11}  runs (req/s)"
    )
    print(header)
    print("-" * len(header))
    med = statistics.median
    for conns in connections:
        for key, label, server_model in SIDES:
            r = results[(key, conns)]
            runs = ", ".join(f"{x:,.0f}" for x in r.rps)
            errors = f"  [{'; '.join(r.errors)}]" if r.errors else ""
            print(
                f"{label:<18} {server_model:<18} {conns:>5} {med(r.rps):>7,.0f} "
                f"{med(r.p50):>7.1f} {med(r.p99):>7.1f} {med(r.cpu_us):>10,.0f} "
                f"{med(r.new_conns):>11.0f}  {runs}{errors}"
            )
    for conns in connections:
        fa, bare, fl = (results[(key, conns)] for key in ("fastapi", "bare", "flask"))
        ratio3, ratio4 = med(fa.rps) / med(bare.rps), med(fl.rps) / med(fa.rps)
        verdict3 = "met" if ratio3 >= AIM_FASTAPI_VS_BARE else "MISSED"
        verdict4 = "met" if ratio4 >= AIM_FLASK_VS_FASTAPI else "MISSED"
        print(
            f"c={conns:<4} issue 3: generated FastAPI / bare FastAPI = {ratio3:.2f} req/s "
            f"(aim >= {AIM_FASTAPI_VS_BARE}: {verdict3}); "
            f"CPU per request {med(fa.cpu_us) / med(bare.cpu_us):.2f} x bare"
        )
        print(
            f"c={conns:<4} issue 4: generated Flask / generated FastAPI = {ratio4:.2f} req/s "
            f"(aim >= {AIM_FLASK_VS_FASTAPI}: {verdict4}); "
            f"CPU per request {med(fl.cpu_us) / med(fa.cpu_us):.2f} x FastAPI"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved runs per side")
    parser.add_argument("--connections", default="64,256", help="comma-separated counts")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY of every server")
    parser.add_argument(
        "--db-latency-ms",
        default="0",
        help="comma-separated modes: 0 = PostgreSQL direct, N = through a proxy adding N ms "
        "to every database round trip (e.g. 0,5: both; each mode runs the whole load again)",
    )
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    latencies = [float(x) for x in args.db_latency_ms.split(",")]
    if not shutil.which("wrk"):
        print("wrk not found: apt-get install -y wrk", file=sys.stderr)
        return 2
    started = time.monotonic()
    load_before = os.getloadavg()
    all_results: dict[str, dict[tuple[str, int], Result]] = {}
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
        for index, delay in enumerate(latencies):
            mode = "PostgreSQL direct" if not delay else f"PostgreSQL + {delay:g} ms per round trip"
            with ExitStack() as mode_stack:
                db_port = None
                if delay:
                    python = projects["fastapi"][0] / ".venv/bin/python"
                    db_port = mode_stack.enter_context(
                        latency_proxy(python, pg_server, delay, tmp / f"proxy-{delay:g}.log")
                    )
                log(f"{mode}: start the servers")
                urls = mode_stack.enter_context(
                    start_sides(projects, production, db_port, tmp, f"{delay:g}")
                )
                seed_and_check(urls, seed=index == 0)
                all_results[mode] = measure(urls, connections, args, mode, pg_server)
    load_after = os.getloadavg()

    print()
    print(f"# Server benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; wrk -t{args.threads}, PostgreSQL and the servers share "
        f"the cores; everything on 127.0.0.1; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f}"
    )
    print(
        f"endpoint: GET {PATH} (a count plus one page of 10 of {SEED_ITEMS} rows); "
        f"{args.workers} workers per server, APP_ENV=production, LOG_LEVEL=INFO; "
        f"median of {args.rounds} interleaved {args.duration} s runs per side; "
        "CPU us/req = CPU time of the server's processes / requests served; new conn/1k = "
        "PostgreSQL sessions opened per 1000 requests (connection-pool churn)"
    )
    if max(load_before[0], load_after[0]) > (os.cpu_count() or 1):
        print(
            "NOTE: the machine was busy with other work (load average above the core count). "
            "Under that contention req/s favours the server with more runnable threads (Flask's "
            "thread pool, FastAPI's sync dependencies); CPU us/req is the fairer comparison."
        )
    for mode, results in all_results.items():
        report(mode, results, connections)
    print()
    elapsed = time.monotonic() - started
    print(f"total time: {elapsed:.0f} s (a benchmark: exit status 0 whatever the ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
