"""Flask option combinations, generated and then driven with its OWN tools and commands.

An all-pairs covering set of the offered combinations of database x auth x html_pages x websockets
x api_docs x concurrency (every value of each option meets every value of every other one;
tests/support/pairwise.py). Every combination also gets the fast checks of test_fast_matrix.py.
For each one here:

- `uv sync`, `ruff check`, `ruff format --check`, `mypy` (strict) and `pytest` inside the project
  (postgres variants: TEST_DATABASE_URL names the real PostgreSQL server, where the project's tests
  create and drop a database of their own);
- the documented production command (`uv run python -m demo`, after `python -m demo migrate`)
  serves /health, /health/ready, /docs, /redoc (no CDN), the pages, and the WebSocket endpoint;
- hostile input (oversize, malformed and NUL-laden bodies, huge query strings) gets 4xx answers in
  the error shape, with small bodies and no traceback in the server log;
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

from tests.support.bad_input import assert_bad_input_is_refused
from tests.support.pairwise import all_pairs
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


FACTORS = {
    "database": DATABASES,
    "auth": AUTHS,
    "html_pages": (False, True),
    "websockets": (False, True),
    "api_docs": (True, False),
    "concurrency": ("low", "moderate", "high"),
}
COMBINATIONS = [
    tuple(combo.values())
    for combo in all_pairs(FACTORS, lambda c: offered(c["auth"], c["html_pages"]))
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


def _param(
    database: str, auth: str, html_pages: bool, websockets: bool, api_docs: bool, concurrency: str
) -> Any:
    marks = [pytest.mark.postgres] if database == "postgres" else []
    if websockets:
        marks.append(pytest.mark.redis)
    name = "-".join(
        (
            database,
            auth,
            "html" if html_pages else "nohtml",
            "ws" if websockets else "nows",
            "docs" if api_docs else "nodocs",
            concurrency,
        )
    )
    return pytest.param(
        database, auth, html_pages, websockets, api_docs, concurrency, id=name, marks=marks
    )


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


def _check_served(base: str, html_pages: bool, api_docs: bool = True) -> None:
    health = http_get(base + "/health")
    assert (health.status, json.loads(health.body)) == (200, {"status": "ok"})
    headers = {name.lower(): value for name, value in health.headers.items()}
    assert headers.get("strict-transport-security", "").startswith("max-age=")
    ready = http_get(base + "/health/ready")
    assert ready.status == 200, ready.body
    schema = json.loads(http_get(base + "/openapi.json").body)
    assert schema["openapi"].startswith("3.1")
    for path, marker in (("/docs", "swagger-ui"), ("/redoc", "redoc")):
        page = http_get(base + path)
        if not api_docs:  # issue 9: no docs pages, the schema above stays
            assert page.status == 404, path
            continue
        assert page.status == 200, path
        assert marker in page.body.lower()
        assert not EXTERNAL.search(COMMENT.sub("", page.body)), f"{path} references another host"
    if api_docs:
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
    ("database", "auth", "html_pages", "websockets", "api_docs", "concurrency"),
    [_param(*combo) for combo in COMBINATIONS],
)
def test_flask_combination(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    mypy_cache: str,
    database: str,
    auth: str,
    html_pages: bool,
    websockets: bool,
    api_docs: bool,
    concurrency: str,
) -> None:
    project = render(
        tmp_path,
        framework="flask",
        database=database,
        auth=auth,
        html_pages=html_pages,
        websockets=websockets,
        api_docs=api_docs,
        concurrency=concurrency,
        docker=False,
        kubernetes=False,
        ci="none",
    )
    # Let each project's first Python process write bytecode for the next ones (this machine sets
    # PYTHONDONTWRITEBYTECODE, which makes every `uv run` recompile Flask, SQLAlchemy, ...).
    env = {"MYPY_CACHE_DIR": mypy_cache, "PYTHONDONTWRITEBYTECODE": ""}
    server_env = {**env, "APP_ENV": "production", "SECRET_KEY": SECRET_KEY, "WEB_CONCURRENCY": "2"}
    if database == "postgres":
        url = request.getfixturevalue("postgres_url")
        # The project's tests create (and drop) their own database on this server; the served
        # app uses the fresh database itself.
        env["TEST_DATABASE_URL"] = url
        server_env["DATABASE_URL"] = url
    if websockets:
        # The project's own cross-process room tests, and its broker when served below.
        env["TEST_REDIS_URL"] = request.getfixturevalue("redis_url")
        # Two workers: production refuses in-process rooms, so the rooms go through Redis.
        server_env["REDIS_URL"] = env["TEST_REDIS_URL"]

    # The project's own checks; its tests migrate a database of their own.
    check_project(project, env=env)

    # Production: migrate, create the first user, start the documented command, then probe it.
    # (On sqlite `migrate` creates ./app.db as a new user would.)
    if auth != "none" or html_pages:
        # Production refuses a weak secret in one line, without a traceback.
        for weak in ("", "short", "dev-only-insecure-secret-key-change-me-please"):
            weak_env = {**server_env, "SECRET_KEY": weak}
            refused = run(project, "uv", "run", "python", "-m", "demo", env=weak_env, timeout=60)
            assert refused.returncode != 0, refused.output
            assert refused.output.startswith("Configuration error: SECRET_KEY"), refused.output
            assert len(refused.output.strip().splitlines()) == 1, refused.output
    if database == "none":
        # In-memory items live in one process: production refuses a second worker in one line
        # (each would keep its own items), and serves with the one its settings default to.
        refused = run(project, "uv", "run", "python", "-m", "demo", env=server_env, timeout=60)
        assert refused.returncode != 0, refused.output
        assert refused.output.startswith("Configuration error: WEB_CONCURRENCY"), refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
        server_env["WEB_CONCURRENCY"] = "1"
    else:
        run(project, "uv", "run", "python", "-m", "demo", "migrate", env=server_env).check()
    if auth != "none":
        server_env.update(_first_user(project, server_env, database))

    with serving(project, env=server_env) as base:
        _check_served(base, html_pages, api_docs)
        assert_bad_input_is_refused(base, project / ".server.log")
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
            # Several members, so that both workers (when two) hold some: rooms cross via Redis.
            assert_room_round_trip(base, clients=4, **room_access)
        _fuzz(project, base, credentials)
