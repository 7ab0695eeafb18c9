"""Inputs that used to be accepted and then broke the project: refused up front, in one line.

Package names are checked like project names (including the import names of the generated
project's dependencies, from the shipped list that a slow test checks against real environments);
one-line answers stay one line; git-hostile author names are caught before rendering.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pyapi_scaffold.names import dependency_import_names

from .support.projects import HOST_PYTHON, REPO_ROOT, project_env
from .test_cli import QUICK, cli, one_line_error


@pytest.mark.parametrize(
    "name", ["yaml", "sniffio", "anyio", "click", "uvloop", "fastapi_offline", "aiosqlite",
             "pydantic_core", "typing_extensions", "test", "json"]
)  # fmt: skip
def test_names_shadowing_a_dependency_are_refused_before_rendering(
    tmp_path: Path, name: str
) -> None:
    for args in (["new", name], ["new", "svc", "-d", f"package_name={name}"]):
        proc = cli(*args, "--yes", *QUICK, cwd=tmp_path)
        line = one_line_error(proc, 2)
        assert f"'{name}' would shadow" in line, line
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", ["Bad-Name", "9lives", "class", "", "a" * 41])
def test_package_name_is_checked_like_a_name(tmp_path: Path, bad: str) -> None:
    proc = cli("new", "svc", "--yes", *QUICK, "-d", f"package_name={bad}", cwd=tmp_path)
    one_line_error(proc, 2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["description", "author_name"])
@pytest.mark.parametrize("char", ["\n", "\r", "\x85", "\u2028", "\x1b", "\t"])
def test_one_line_answers_stay_one_line(tmp_path: Path, key: str, char: str) -> None:
    proc = cli("new", "svc", "--yes", *QUICK, "-d", f"{key}=first{char}second", cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert key in line and "one line" in line
    assert list(tmp_path.iterdir()) == []


def test_one_line_answers_in_an_answers_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yml"
    answers.write_text('description: "first\\u0085second"\n', encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    proc = cli("new", "svc", "--yes", *QUICK, "--data-file", str(answers), cwd=out)
    assert "one line" in one_line_error(proc, 2)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("author", ["<>", "Ann <boss>"])
def test_author_names_git_rejects_are_refused_before_rendering(tmp_path: Path, author: str) -> None:
    proc = cli("new", "svc", "--yes", *QUICK, "-d", f"author_name={author}", cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert "author_name" in line and "'<' or '>'" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_a_package_name_apart_from_the_project_name_builds(tmp_path: Path, framework: str) -> None:
    proc = cli(
        "new", "svc1", "--yes", "--framework", framework, "-d", "package_name=mypkg",
        "-d", f"python_version={HOST_PYTHON}", cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "svc1"
    assert (project / "src" / "mypkg" / "__init__.py").is_file()
    sync = subprocess.run(
        ["uv", "sync", "--quiet"], cwd=project, env=project_env(),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert sync.returncode == 0, sync.stderr
    imported = subprocess.run(
        ["uv", "run", "python", "-c", "import mypkg"], cwd=project, env=project_env(),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr


def test_the_shipped_import_names_hold_the_known_shadowing_cases() -> None:
    names = dependency_import_names()
    for known in ("yaml", "sniffio", "anyio", "click", "uvloop", "pydantic_core", "fastapi"):
        assert known in names


@pytest.mark.slow
def test_the_shipped_import_names_cover_real_environments_of_every_option_set() -> None:
    """`uv sync` each option set from its real lock; every installed top-level name is listed."""
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "import-names.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
