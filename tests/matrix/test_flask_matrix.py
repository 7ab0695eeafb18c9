"""Every offered Flask combination (database x auth x html_pages x websockets), generated and then
driven with its OWN tools and commands:

- `uv sync`, `ruff check`, `ruff format --check`, `mypy` (strict) and `pytest` inside the project
  (postgres variants against a fresh database on the real PostgreSQL server);
- the documented production command (`uv run python -m demo`, after `python -m demo migrate`)
  serves /health, /health/ready, /docs, /redoc (no CDN), the pages, and the WebSocket endpoint;
- schemathesis fuzzes the running server from its own OpenAPI schema: no 5xx, and every response
  conforms to the schema (bounded: a few examples per operation and a time budget).

Speed: uv's cache is shared; each test worker keeps one mypy cache for the combinations it runs
(third-party modules are checked once per worker); bytecode is written once per project; run with
`-n 2`.
"""

from __future__ import annotations

import http.cookies
import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support.projects import check_project, http_get, project_env, render, run, serving
from tests.support.rooms import assert_room_round_trip

DATABASES = ("none", "sqlite", "postgres")
AUTHS = ("none", "jwt", "session")

# Refused by templates/copier.yml (tests/test_flask_render.py checks the messages):
# - session auth without html_pages (the login page is an HTML page);
# - jwt auth with html_pages (browsers' forms cannot send bearer tokens: use session).


def offered(auth: str, html_pages: bool) -> bool:
    if auth == "session":
        return html_pages
    if auth == "jwt":
        return not html_pages
    return True


COMBINATIONS = [
    (database, auth, html_pages, websockets)
    for database in DATABASES
    for auth in AUTHS
    for html_pages in (False, True)
    for websockets in (False, True)
    if offered(auth, html_pages)
]

SECRET_KEY = "matrix-secret-key-that-is-long-enough-0123456789"
USERNAME = "fuzzer"
PASSWORD = "matrix-password-123"
# Schemathesis budget per combination: enough to exercise every operation and the stateful links,
# small enough that the whole matrix stays within a few minutes on 2 cores.
FUZZ_MAX_EXAMPLES = 5
FUZZ_MAX_SECONDS = 8
# Any reference to another host (a CDN) in a docs page.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _param(database: str, auth: str, html_pages: bool, websockets: bool) -> Any:
    marks = [pytest.mark.postgres] if database == "postgres" else []
    if websockets:
        marks.append(pytest.mark.redis)
    name = "-".join(
        (database, auth, "html" if html_pages else "nohtml", "ws" if websockets else "nows")
    )
    return pytest.param(database, auth, html_pages, websockets, id=name, marks=marks)


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One mypy cache per test worker, reused by the combinations that worker runs in turn.

    Not shared between workers: every project's package is `demo`, and two mypy processes writing
    `demo.*` entries of different projects into one cache at once can mix them up.
    """
    path = tmp_path_factory.getbasetemp() / "mypy-cache"
    path.mkdir(exist_ok=True)
    return str(path)


def _first_user(project: Path, env: dict[str, str], database: str) -> dict[str, str]:
    """Create the first user with the project's documented command; return env additions."""
    result = subprocess.run(
        ["uv", "run", "python", "-m", "demo", "create-user", USERNAME, "--password-stdin"],
        cwd=project,
        env=project_env(env),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    if database != "none":
        assert f"Created user '{USERNAME}'" in result.stdout
        return {}
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {key: value.strip("'") for key, value in lines.items()}


def _jwt_token(base: str) -> str:
    data = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    with urllib.request.urlopen(base + "/auth/token", data=data, timeout=10) as response:
        token = json.load(response)["access_token"]
    return str(token)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _session_cookie(response: Any) -> str | None:
    cookie = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    morsel = cookie.get("session")
    return morsel.value if morsel else None


def _session_cookie_value(base: str) -> str:
    """Log in through the login page. In production the cookie is `Secure`, so a client on plain
    HTTP (like this one, or a TLS-terminating proxy's upstream) must send it back by hand."""
    with urllib.request.urlopen(base + "/login", timeout=10) as response:
        page = response.read().decode()
        anonymous = _session_cookie(response)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match and anonymous, "no CSRF token or session cookie on the login page"
    form = {"username": USERNAME, "password": PASSWORD, "csrf_token": match.group(1)}
    login = urllib.request.Request(
        base + "/login",
        data=urllib.parse.urlencode(form).encode(),
        headers={"Cookie": f"session={anonymous}"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(login, timeout=10)
        raise AssertionError("login did not redirect")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read().decode()[-2000:]
        session = _session_cookie(redirect)
    assert session, "login did not set a session cookie"
    return session


def _check_served(base: str, html_pages: bool) -> None:
    health = http_get(base + "/health")
    assert (health.status, json.loads(health.body)) == (200, {"status": "ok"})
    ready = http_get(base + "/health/ready")
    assert ready.status == 200, ready.body
    schema = json.loads(http_get(base + "/openapi.json").body)
    assert schema["openapi"].startswith("3.1")
    for path, marker in (("/docs", "swagger-ui"), ("/redoc", "redoc")):
        page = http_get(base + path)
        assert page.status == 200, path
        assert marker in page.body.lower()
        assert not EXTERNAL.search(COMMENT.sub("", page.body)), f"{path} references another host"
    assert http_get(base + "/swagger/js/swagger-ui-bundle.js").status == 200
    assert http_get(base + "/redoc/js/redoc.standalone.js").status == 200
    if html_pages:
        page = http_get(base + "/pages/items")
        assert page.status == 200
        content_type = {k.lower(): v for k, v in page.headers.items()}.get("content-type", "")
        assert "text/html" in content_type
        assert http_get(base + "/static/style.css").status == 200


def _fuzz(project: Path, base: str, auth: dict[str, str] | None) -> None:
    """Schemathesis against the running server. Credentials go through its OpenAPI-aware auth
    config (not a raw header), so its negative tests can still leave them out."""
    beside_python = Path(sys.executable).with_name("schemathesis")
    schemathesis = str(beside_python) if beside_python.exists() else shutil.which("schemathesis")
    assert schemathesis, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    argv = [
        schemathesis,
        "run",
        base + "/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(FUZZ_MAX_EXAMPLES),
        "--max-time",
        str(FUZZ_MAX_SECONDS),
        "--seed",
        "20240601",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    if auth:
        config = project / "schemathesis.toml"
        lines = [f"[auth.openapi.{auth['scheme']}]", f'{auth["kind"]} = "{auth["value"]}"']
        config.write_text("\n".join(lines) + "\n")
        argv[1:1] = ["--config-file", str(config)]
    result = subprocess.run(
        argv,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=project_env(),
    )
    assert result.returncode == 0, f"schemathesis found problems:\n{result.stdout[-8000:]}"


@pytest.mark.slow
@pytest.mark.matrix
@pytest.mark.parametrize(
    ("database", "auth", "html_pages", "websockets"), [_param(*combo) for combo in COMBINATIONS]
)
def test_flask_combination(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    mypy_cache: str,
    database: str,
    auth: str,
    html_pages: bool,
    websockets: bool,
) -> None:
    project = render(
        tmp_path,
        framework="flask",
        database=database,
        auth=auth,
        html_pages=html_pages,
        websockets=websockets,
        docker=False,
        kubernetes=False,
        ci="none",
    )
    # Let each project's first Python process write bytecode for the next ones (this machine sets
    # PYTHONDONTWRITEBYTECODE, which makes every `uv run` recompile Flask, SQLAlchemy, ...).
    env = {"MYPY_CACHE_DIR": mypy_cache, "PYTHONDONTWRITEBYTECODE": ""}
    if database == "postgres":
        env["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    if websockets:
        # The project's own cross-process room tests, and its broker when served below.
        env["TEST_REDIS_URL"] = request.getfixturevalue("redis_url")

    # The project's own checks; its tests apply the migrations to DATABASE_URL (or a temp file).
    check_project(project, env=env)

    # Production: migrate, create the first user, start the documented command, then probe it.
    # (On postgres this is the database the tests used: they empty their tables, so `migrate`
    # finds the schema at head; on sqlite it creates ./app.db as a new user would.)
    server_env = {**env, "APP_ENV": "production", "SECRET_KEY": SECRET_KEY, "WEB_CONCURRENCY": "2"}
    if websockets:
        # Two workers: production refuses in-process rooms, so the rooms go through Redis.
        server_env["REDIS_URL"] = env["TEST_REDIS_URL"]
    if database != "none":
        run(project, "uv", "run", "python", "-m", "demo", "migrate", env=server_env).check()
    if auth != "none":
        server_env.update(_first_user(project, server_env, database))

    with serving(project, env=server_env) as base:
        _check_served(base, html_pages)
        credentials = None
        room_access: dict[str, Any] = {}
        if auth == "jwt":
            token = _jwt_token(base)
            credentials = {"scheme": "OAuth2PasswordBearer", "kind": "bearer", "value": token}
            room_access = {"subprotocols": ["bearer", token]}
        elif auth == "session":
            cookie = _session_cookie_value(base)
            credentials = {"scheme": "sessionCookie", "kind": "api_key", "value": cookie}
            room_access = {"headers": {"Cookie": f"session={cookie}"}}
        if websockets:
            # Several members, so that both workers hold some: fan-out crosses them via Redis.
            assert_room_round_trip(base, clients=4, **room_access)
        _fuzz(project, base, credentials)
