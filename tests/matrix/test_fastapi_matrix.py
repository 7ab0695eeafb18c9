"""FastAPI option combinations, rendered and checked with its own tools, served and fuzzed.

An all-pairs covering set of database x auth x websockets x html_pages x api_docs x concurrency
(every value of each option meets every value of every other one; tests/support/pairwise.py).
Every combination also gets the fast checks of test_fast_matrix.py. For each one here:
  - inside the generated project: `uv sync`, `ruff check`, `ruff format --check`, `mypy` (strict),
    `pytest` (postgres variants: TEST_DATABASE_URL names the real PostgreSQL server, where the
    project's tests create and drop a database of their own);
  - its production command (`uv run python -m <pkg>`) serves /health, /health/ready, /docs, /redoc
    (docs with no external host), after `alembic upgrade head` and, with auth, `create-user`;
  - hostile input (oversize, malformed and NUL-laden bodies, huge query strings) gets 4xx answers
    in the error shape, with small bodies and no traceback in the server log;
  - schemathesis fuzzes the running service from its own OpenAPI schema (bounded in time):
    no 5xx, responses conform to the schema and to their declared content type.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.bad_input import assert_bad_input_is_refused
from tests.support.pairwise import all_pairs
from tests.support.projects import (
    check_project,
    http_get,
    render,
    run,
    serving,
    uv_sync,
)
from tests.support.rooms import assert_room_round_trip

DATABASES = ("none", "sqlite", "postgres")
AUTHS = ("none", "jwt")
BOOLS = (False, True)
CONCURRENCY = ("low", "moderate", "high")

# Fuzzing budget per combination. Fuzzing and stateful phases repeat until --max-time is spent.
FUZZ_SECONDS = int(os.environ.get("PYAPI_FUZZ_SECONDS", "5"))
FUZZ_MAX_EXAMPLES = 10
FUZZ_CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"

SECRET = "matrix-secret-key-0123456789abcdef-0123456789"
USERNAME = "fuzzer"
PASSWORD = "fuzzer-password-123"

# This machine sets PYTHONDONTWRITEBYTECODE=1; a developer's usually does not. Letting each
# project's venv cache bytecode as modules are first imported was measured faster than
# `uv sync --compile-bytecode` (every file, ~5 s) or recompiling in every process.
PROJECT_ENV = {"PYTHONDONTWRITEBYTECODE": ""}

_ASSET_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def _combination_id(combo: dict[str, Any]) -> str:
    flags = "".join(
        f"-{name}"
        for name, on in (("ws", combo["websockets"]), ("html", combo["html_pages"]))
        if on
    )
    docs = "" if combo["api_docs"] else "-nodocs"
    return f"db-{combo['database']}-auth-{combo['auth']}{flags}{docs}-{combo['concurrency']}"


def _params() -> list[pytest.ParameterSet]:
    params = []
    factors = {
        "database": DATABASES, "auth": AUTHS, "websockets": BOOLS, "html_pages": BOOLS,
        "api_docs": BOOLS, "concurrency": CONCURRENCY,
    }  # fmt: skip
    for combo in all_pairs(factors):
        marks = [pytest.mark.slow, pytest.mark.matrix]
        if combo["database"] == "postgres":
            marks.append(pytest.mark.postgres)
        if combo["websockets"]:
            marks.append(pytest.mark.redis)
        params.append(pytest.param(*combo.values(), marks=marks, id=_combination_id(combo)))
    return params


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache per test process (xdist worker), reused by the combinations it runs.

    Correct by mypy's own incremental design: each module's entry is keyed by its source hash
    and its dependencies' interface hashes, so a `demo.*` module that differs between
    combinations is re-checked, while unchanged third-party modules (fastapi, sqlalchemy, ...)
    are not. Never shared between concurrent processes.
    """
    return tmp_path_factory.mktemp("mypy-cache")


def _database_url(database: str, project: Path, request: pytest.FixtureRequest) -> str | None:
    if database == "sqlite":
        return f"sqlite:///{project / 'served.db'}"
    if database == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return None


def _token(base: str) -> str:
    body = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base}/auth/token", data=body, timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    assert isinstance(token, str)
    return token


def _assert_docs_are_self_hosted(base: str) -> None:
    for path in ("/docs", "/redoc"):
        page = http_get(base + path)
        assert page.status == 200, (path, page.status)
        assert "http://" not in page.body and "https://" not in page.body, page.body
        references = _ASSET_REFERENCE.findall(page.body)
        assert references, page.body
        for reference in references:
            assert reference.startswith("/") and not reference.startswith("//"), reference
            assert http_get(base + reference).status == 200, reference


def _fuzz(project: Path, base: str, auth: str) -> None:
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base}/openapi.json",
        "--checks",
        FUZZ_CHECKS,
        "--max-examples",
        str(FUZZ_MAX_EXAMPLES),
        "--max-time",
        str(FUZZ_SECONDS),
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
        "--no-color",
    ]
    if auth == "jwt":
        argv += ["--header", f"Authorization: Bearer {_token(base)}"]
    proc = subprocess.run(
        argv,
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 120,
        check=False,
    )
    assert proc.returncode == 0, f"schemathesis found problems:\n{proc.stdout[-8000:]}{proc.stderr}"


def _prepare_jwt(project: Path, database: str, serve_env: dict[str, str]) -> None:
    """Production refuses a weak secret in one line, without a traceback; then give it a strong
    one and a user (seeded admin without a database, `create-user` with one)."""
    package = "demo"
    for weak in ("", "short", "change-me-to-a-long-random-value"):
        weak_env = {**serve_env, "SECRET_KEY": weak}
        refused = run(project, "uv", "run", "python", "-m", package, env=weak_env, timeout=60)
        assert refused.returncode != 0, refused.output
        assert refused.output.startswith("Configuration error: SECRET_KEY"), refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
    serve_env["SECRET_KEY"] = SECRET
    if database == "none":
        serve_env |= {"ADMIN_USERNAME": USERNAME, "ADMIN_PASSWORD": PASSWORD}
    else:
        create_user = ("uv", "run", "python", "-m", package, "create-user", USERNAME)
        run(
            project, *create_user, "--password-stdin",
            env=serve_env, input=PASSWORD + "\n", timeout=120,
        ).check()  # fmt: skip


@pytest.mark.parametrize(
    ("database", "auth", "websockets", "html_pages", "api_docs", "concurrency"), _params()
)
def test_fastapi_combination(
    database: str,
    auth: str,
    websockets: bool,
    html_pages: bool,
    api_docs: bool,
    concurrency: str,
    tmp_path: Path,
    mypy_cache: Path,
    request: pytest.FixtureRequest,
) -> None:
    project = render(
        tmp_path,
        framework="fastapi",
        database=database,
        auth=auth,
        websockets=websockets,
        html_pages=html_pages,
        api_docs=api_docs,
        concurrency=concurrency,
    )
    database_url = _database_url(database, project, request)

    # 1. The project's own checks, as its README documents them.
    check_env = {**PROJECT_ENV, "MYPY_CACHE_DIR": str(mypy_cache)}
    if database == "postgres":
        # The project's tests create (and drop) their own database on this server.
        assert database_url is not None
        check_env["TEST_DATABASE_URL"] = database_url
    if websockets:
        # The project's own cross-process room tests run against the shared Redis.
        check_env["TEST_REDIS_URL"] = request.getfixturevalue("redis_url")
    check_project(project, env=check_env)

    # 2. Its production command, configured as in production.
    serve_env = {**PROJECT_ENV, "APP_ENV": "production", "LOG_LEVEL": "WARNING"}
    if websockets:
        # Production refuses in-process rooms with several workers: the rooms go through Redis.
        serve_env["REDIS_URL"] = check_env["TEST_REDIS_URL"]
    if database_url is not None:
        serve_env["DATABASE_URL"] = database_url
        run(project, "uv", "run", "alembic", "upgrade", "head", env=serve_env).check()
    if auth == "jwt":
        _prepare_jwt(project, database, serve_env)

    with serving(project, env=serve_env) as base:
        health = http_get(base + "/health")
        assert health.status == 200 and json.loads(health.body) == {"status": "ok"}
        assert health.headers.get("x-request-id")
        assert health.headers.get("x-content-type-options") == "nosniff"
        headers = {name.lower(): value for name, value in health.headers.items()}
        assert headers.get("strict-transport-security", "").startswith("max-age=")
        ready = http_get(base + "/health/ready")
        assert ready.status == 200, ready.body
        if api_docs:
            _assert_docs_are_self_hosted(base)
        else:
            assert http_get(base + "/docs").status == 404
        if html_pages:
            page = http_get(base + "/")
            assert page.status == 200 and "<html" in page.body
        else:
            assert http_get(base + "/").status == 404

        if websockets:
            token = _token(base) if auth == "jwt" else None
            assert_room_round_trip(base, subprotocols=["bearer", token] if token else None)

        # 3. Hostile input against the real server: 4xx, small bodies, no traceback logged.
        assert_bad_input_is_refused(base, project / ".server.log")

        # 4. Property-based fuzzing from the service's own schema.
        _fuzz(project, base, auth)


@pytest.mark.slow
@pytest.mark.matrix
def test_fastapi_serves_with_several_workers(tmp_path: Path) -> None:
    """WEB_CONCURRENCY > 1: uvicorn imports the app factory in each worker process, and the
    workers share the database, so an item created through one is read through any other.
    Without a database, production refuses a second worker in one line (each worker would keep
    its own in-memory items)."""
    in_memory = render(tmp_path / "memory", framework="fastapi", database="none", auth="none")
    uv_sync(in_memory)
    env = {**PROJECT_ENV, "APP_ENV": "production", "WEB_CONCURRENCY": "2"}
    refused = run(in_memory, "uv", "run", "python", "-m", "demo", env=env, timeout=60)
    assert refused.returncode != 0, refused.output
    assert refused.output.startswith("Configuration error: WEB_CONCURRENCY"), refused.output
    assert len(refused.output.strip().splitlines()) == 1, refused.output

    project = render(tmp_path, framework="fastapi", database="sqlite", auth="none")
    uv_sync(project)
    run(project, "uv", "run", "alembic", "upgrade", "head", env=env).check()
    with serving(project, env=env) as base:
        body = json.dumps({"name": "shared", "price": "1.50"}).encode()
        request = urllib.request.Request(
            base + "/items", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            item_id = json.load(response)["id"]
        # New connections each time, so that both workers answer some of them.
        for _ in range(10):
            assert http_get(f"{base}/items/{item_id}").status == 200
        assert http_get(base + "/docs").status == 200
