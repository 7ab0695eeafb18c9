"""Render generated projects and drive them with their OWN documented commands.

Every layer that checks a generated project goes through here, so "green out of the box" means the
same thing everywhere: `uv sync`, then `uv run ruff check .`, `uv run ruff format --check .`,
`uv run mypy`, `uv run pytest` inside the project, and its production command serving real HTTP.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = REPO_ROOT / "templates"
HOST_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"

# The four checks every generated project must pass, exactly as its README documents them.
PROJECT_CHECKS: tuple[tuple[str, ...], ...] = (
    ("uv", "run", "ruff", "check", "."),
    ("uv", "run", "ruff", "format", "--check", "."),
    ("uv", "run", "mypy"),
    ("uv", "run", "pytest", "-q", "-p", "no:cacheprovider"),
)


def render(parent: Path, **answers: Any) -> Path:
    """Render the template into ``parent/<project_name>``: Copier defaults plus ``answers``.

    Renders from the working tree (a plain directory), so uncommitted template edits are tested.
    """
    from copier import run_copy

    data: dict[str, Any] = {"project_name": "demo", "python_version": HOST_PYTHON, **answers}
    dest = parent / str(data["project_name"])
    run_copy(str(TEMPLATES), dest, data=data, defaults=True, quiet=True, overwrite=True)
    return dest


_RENDERED: dict[tuple[str, str], Path] = {}


def render_once(factory: Any, framework: str, name: str, answers: Mapping[str, Any]) -> Path:
    """Render (framework, option-set name) once per worker process and reuse it.

    For layers that only read rendered files (deployment and CI checks): callers must not modify
    the result. `factory` is pytest's ``tmp_path_factory``.
    """
    key = (framework, name)
    if key not in _RENDERED:
        parent = factory.mktemp(f"{framework}-{name}")
        _RENDERED[key] = render(parent, **{**answers, "framework": framework})
    return _RENDERED[key]


# CI expression syntax that legitimately survives rendering: GitHub's `${{ ... }}`.
_CI_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_JINJA_MARKERS = ("{{", "{%", "%}", "{#", "#}")


def assert_fully_rendered(project: Path, other_framework: str) -> None:
    """No Jinja left behind, no import of or dependency on the other framework, LF endings.

    The app's own runtime Jinja2 templates (`.../templates/*.html`) keep their markers on purpose.
    """
    for path in sorted(p for p in project.rglob("*") if p.is_file() and ".git" not in p.parts):
        name = path.relative_to(project).as_posix()
        text = path.read_text(encoding="utf-8")
        assert "\r" not in text, f"{name} has CR line endings"
        if name.endswith(".py"):
            imports = re.findall(rf"^\s*(?:from|import) ({other_framework})\b", text, re.M)
            assert not imports, f"{name} imports {other_framework}"
        if name == "pyproject.toml":
            assert f'"{other_framework}' not in text.lower(), f"{name} depends on {other_framework}"
        if "/templates/" in f"/{name}" and name.endswith(".html"):
            continue
        bare = _CI_EXPRESSION.sub("", text)
        for marker in _JINJA_MARKERS:
            assert marker not in bare, f"{name} contains {marker!r}"


def project_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a generated project's commands run in: ours minus our own venv."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.setdefault("UV_PYTHON", sys.executable)
    env["UV_NO_PROGRESS"] = "1"
    env.pop("DATABASE_URL", None)
    if extra:
        env.update(extra)
    return env


@dataclass(frozen=True)
class Run:
    """A finished command: what ran, where, and everything it printed."""

    argv: Sequence[str]
    returncode: int
    output: str

    def check(self) -> Run:
        assert self.returncode == 0, (
            f"`{' '.join(self.argv)}` exited {self.returncode}:\n{self.output[-6000:]}"
        )
        return self


def run(
    project: Path,
    *argv: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    input: str | None = None,
) -> Run:
    """Run one command inside ``project`` and capture stdout+stderr together."""
    proc = subprocess.run(
        list(argv),
        cwd=project,
        env=project_env(env),
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(argv, proc.returncode, proc.stdout)


def uv_sync(project: Path, *extra: str) -> None:
    """Create the project's own environment the documented way (shared uv cache, so it is fast)."""
    run(project, "uv", "sync", "--quiet", *extra).check()


def check_project(project: Path, env: Mapping[str, str] | None = None) -> None:
    """`uv sync`, then the project's own linter, formatter check, type checker and tests."""
    uv_sync(project)
    for argv in PROJECT_CHECKS:
        run(project, *argv, env=env).check()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: str


def http_get(url: str, timeout: float = 10) -> Response:
    """GET without following redirects blindly; never raises for HTTP error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Response(resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers), err.read().decode("utf-8", "replace"))


@contextmanager
def serving(
    project: Path,
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/health",
    timeout: float = 60,
) -> Iterator[str]:
    """Start the project's server with its own command on a free loopback port; yield its base URL.

    The default command is the documented production one, `uv run python -m <package>`.
    The whole process group is stopped afterwards, so worker processes never outlive the test.
    """
    port = free_port()
    package = _package_name(project)
    command = list(argv) if argv else ["uv", "run", "python", "-m", package]
    server_env = {"HOST": "127.0.0.1", "PORT": str(port), **(env or {})}
    log_path = project / ".server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            command,
            cwd=project,
            env=project_env(server_env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, base + ready_path, timeout, log_path)
        yield base
    finally:
        _stop(proc)
        log_path.unlink(missing_ok=True)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(
                f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            if http_get(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not ready at {url} after {timeout}s:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    import signal

    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass


def _package_name(project: Path) -> str:
    import yaml

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return str(answers["package_name"])


def copy_tree(src: Path, dest: Path) -> Path:
    """Copy a rendered project (e.g. a cached render) so a test may change it freely."""
    shutil.copytree(src, dest, symlinks=True)
    return dest
