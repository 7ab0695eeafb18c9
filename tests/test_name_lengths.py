"""Every template line that embeds a name must hold for every name we accept.

A project name is 1 to 40 characters (templates/copier.yml), and the package name is derived from
it, so a line such as `from <package>.settings import A, B, C` is 46 columns longer for the longest
name than for the shortest. The option matrix only ever uses the short name `demo`; this layer
renders every application shape of both frameworks (database x auth x pages x websockets, the
deployment files on) with a 1-character and a 40-character name and runs `ruff check` and
`ruff format --check` with the generated project's own configuration.

Fast on purpose: no `uv sync` (ruff comes from our dev environment and reads the project's
`pyproject.toml`), one render (~0.5 s) and two ruff runs (~0.1 s) per case.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import render

# The bounds of templates/copier.yml's project_name validator (`^[A-Za-z][A-Za-z0-9_-]{0,39}$`).
SHORTEST = "s"
LONGEST = "long_service_name_for_line_length_checks"
assert len(LONGEST) == 40

DATABASES = ("none", "sqlite", "postgres")


def _shapes(framework: str) -> list[tuple[str, str, bool, bool]]:
    """The application shapes each framework offers (the same rules as copier.yml's validator)."""
    auths = ("none", "jwt") if framework == "fastapi" else ("none", "jwt", "session")
    shapes = []
    for database in DATABASES:
        for auth in auths:
            for html_pages in (False, True):
                if auth == "session" and not html_pages:
                    continue
                if framework == "flask" and auth == "jwt" and html_pages:
                    continue
                for websockets in (False, True):
                    shapes.append((database, auth, html_pages, websockets))
    return shapes


def _params() -> list[object]:
    params = []
    for framework in ("fastapi", "flask"):
        for index, (database, auth, html_pages, websockets) in enumerate(_shapes(framework)):
            for name in (SHORTEST, LONGEST):
                shape = (
                    f"{framework}-{database}-{auth}{'-html' if html_pages else ''}"
                    f"{'-ws' if websockets else ''}-len{len(name)}"
                )
                params.append(
                    pytest.param(
                        name,
                        {
                            "framework": framework,
                            "database": database,
                            "auth": auth,
                            "html_pages": html_pages,
                            "websockets": websockets,
                            # Deployment files on, CI alternating, so every file that embeds a
                            # name is rendered somewhere.
                            "docker": True,
                            "compose": True,
                            "kubernetes": True,
                            "ci": ("github", "gitlab")[index % 2],
                        },
                        id=shape,
                    )
                )
    # The ML shape (issue 10): one shape per framework, no database/auth/pages/WebSockets.
    for index, framework in enumerate(("fastapi", "flask")):
        for name in (SHORTEST, LONGEST):
            ml = {"framework": framework, "purpose": "ml-serving", "docker": True}
            ml |= {"compose": True, "kubernetes": True, "ci": ("github", "gitlab")[index]}
            params.append(pytest.param(name, ml, id=f"{framework}-ml-len{len(name)}"))
    return params


def _ruff() -> str:
    beside_python = Path(sys.executable).with_name("ruff")
    found = str(beside_python) if beside_python.exists() else shutil.which("ruff")
    assert found, "ruff is a dev dependency: pip install -e '.[dev]'"
    return found


def _ruff_run(project: Path, *argv: str) -> tuple[int, str]:
    """Run ruff in ``project``: its own pyproject.toml is the config; --no-cache writes nothing."""
    proc = subprocess.run(
        [_ruff(), *argv, "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.returncode, (proc.stdout + proc.stderr).strip()


@pytest.mark.parametrize(("name", "answers"), _params())
def test_generated_project_is_ruff_clean_for_every_name_length(
    tmp_path: Path, name: str, answers: dict[str, object]
) -> None:
    project = render(tmp_path, project_name=name, **answers)
    problems = []
    check_code, check_output = _ruff_run(project, "check", "--output-format", "concise")
    if check_code != 0:
        problems.append(f"ruff check:\n{check_output}")
    format_code, format_output = _ruff_run(project, "format", "--check")
    if format_code != 0:
        problems.append(f"ruff format --check:\n{format_output}")
    assert not problems, f"{name!r} ({len(name)} characters):\n" + "\n".join(problems)
