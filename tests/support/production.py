"""A generated project set up and served as its user would in production, for real-client checks.

The browser layer (tests/test_browser.py) and the generated-client layer
(tests/test_generated_client.py) both need the same thing: a rendered project with its own
environment (`uv sync`), its schema migrated and a first user created with its own documented
commands, then its production command (`uv run python -m <package>`, `APP_ENV=production`)
serving on a loopback port. Everything goes through tests/support/projects.py, so the commands
are exactly the ones the generated README documents.

SQLite keeps these layers independent of the PostgreSQL server (the option matrix covers
PostgreSQL); the database file lives inside the project in the test's temporary directory.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyapi_scaffold import cli
from tests.support.projects import render, run, serving, uv_sync

PACKAGE = "demo"
SECRET_KEY = "real-client-secret-key-0123456789abcdef-0123456789"
USERNAME = "alice"
PASSWORD = "real-client-password-123"
# A resource to add with `pyapi-scaffold add resource`: its name and its `--field` specs.
Resource = tuple[str, Sequence[str]]
# Let the project's first Python process cache bytecode for the next ones (this machine sets
# PYTHONDONTWRITEBYTECODE, which makes every `uv run` recompile the framework).
FAST_ENV = {"PYTHONDONTWRITEBYTECODE": ""}


@dataclass(frozen=True)
class Served:
    """A running generated project: where it is, its base URL, and how it was configured."""

    project: Path
    base: str
    framework: str
    auth: str
    env: dict[str, str]


def _commit(project: Path, init: bool = False) -> None:
    git = ("git", "-c", "user.name=T", "-c", "user.email=t@example.com")
    steps: list[tuple[str, ...]] = [(*git, "init", "-q")] if init else []
    steps += [(*git, "add", "-A"), (*git, "commit", "-qm", "step")]
    for argv in steps:
        subprocess.run(argv, cwd=project, check=True, capture_output=True)


def prepare(
    tmp_path: Path,
    framework: str,
    auth: str,
    html_pages: bool,
    resources: Sequence[Resource] = (),
) -> tuple[Path, dict[str, str]]:
    """Render, add ``resources`` (`add resource`, as a user would before migrating), `uv sync`,
    migrate and (with auth) create the first user. Returns the project and the production
    environment its server must run with."""
    project = render(
        tmp_path,
        framework=framework,
        database="sqlite",
        auth=auth,
        html_pages=html_pages,
        websockets=False,
        docker=False,
        kubernetes=False,
        ci="none",
    )
    if resources:
        _commit(project, init=True)  # `add resource` works on a committed project, as documented
    for name, fields in resources:
        flags = [arg for spec in fields for arg in ("--field", spec)]
        assert cli.main(["add", "resource", name, *flags, "-C", str(project)]) == 0, name
        _commit(project)
    uv_sync(project)
    env = {
        **FAST_ENV,
        "APP_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{project / 'served.db'}",
    }
    # Each framework's documented migration command (see the generated READMEs).
    if framework == "fastapi":
        run(project, "uv", "run", "alembic", "upgrade", "head", env=env).check()
    else:
        run(project, "uv", "run", "python", "-m", PACKAGE, "migrate", env=env).check()
    if auth != "none":
        run(
            project,
            "uv",
            "run",
            "python",
            "-m",
            PACKAGE,
            "create-user",
            USERNAME,
            "--password-stdin",
            env=env,
            input=PASSWORD + "\n",
            timeout=120,
        ).check()
    return project, env


@contextmanager
def served(
    tmp_path: Path,
    framework: str,
    auth: str,
    html_pages: bool,
    resources: Sequence[Resource] = (),
) -> Iterator[Served]:
    """A prepared project served by its own production command until the block ends."""
    project, env = prepare(tmp_path, framework, auth, html_pages, resources)
    with serving(project, env=env) as base:
        yield Served(project, base, framework, auth, env)
