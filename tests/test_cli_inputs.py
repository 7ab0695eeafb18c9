"""Inputs that used to be accepted and then broke the project: refused up front, in one line.

Package names are checked like project names (including the import names of the generated
project's dependencies, from the shipped list that a slow test checks against real environments);
one-line answers stay one line; git-hostile author names are caught before rendering.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

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


# ---------------------------------------------------------------- precedence of answer sources


def test_another_projects_answers_file_is_overridden_and_its_package_name_dropped(
    tmp_path: Path,
) -> None:
    first = cli("new", "shop", "--yes", *QUICK, "--no-git", "-d", "database=none", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    proc = cli(
        "new", "billing", "--yes", *QUICK, "--no-git",
        "--data-file", "shop/.copier-answers.yml", "-d", "ci=none", "--purpose", "prototype",
        "-d", "purpose=internal-tool", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    answers = yaml.safe_load((tmp_path / "billing" / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "billing" and answers["package_name"] == "billing"
    assert answers["database"] == "none"  # from the file
    assert answers["purpose"] == "prototype"  # the flag overrides --data
    assert (tmp_path / "billing" / "src" / "billing").is_dir()
    notes = proc.stderr
    assert "project_name: the NAME argument ('billing') overrides --data-file ('shop')" in notes
    assert "package_name 'shop' from --data-file dropped" in notes
    assert "purpose: a flag ('prototype') overrides --data ('internal-tool')" in notes


def test_a_flag_and_data_meaning_the_same_value_agree(tmp_path: Path) -> None:
    proc = cli(
        "new", "svc", "--yes", *QUICK, "--no-git", "--websockets", "-d", "websockets=yes",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "overrides" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--purpose", "api", "--purpose", "web-app"], "--purpose is given twice"),
        (["--websockets", "--no-websockets"], "--websockets is given twice"),
        (["-d", "purpose=api", "-d", "purpose=web-app"], "--data gives purpose twice"),
    ],
)
@pytest.mark.parametrize("command", ["new", "recommend"])
def test_contradictions_within_one_source_are_refused(
    tmp_path: Path, command: str, args: list[str], expected: str
) -> None:
    name = ["svc", "--yes", *QUICK] if command == "new" else []
    proc = cli(command, *name, *args, cwd=tmp_path)
    assert expected in one_line_error(proc, 2)


def test_recommend_refuses_keys_that_are_not_needs(tmp_path: Path) -> None:
    proc = cli("recommend", "-d", "database=postgres", cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert "database is not one" in line and "purpose" in line


def test_python_version_read_as_a_number_is_explained(tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text("python_version: 3.10\n")
    proc = cli("new", "svc", "--yes", *QUICK, "--data-file", "answers.yml", cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert "3.10 becomes 3.1" in line and 'python_version: "3.13"' in line


# ---------------------------------------------------------------- hostile answers files

ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(8)
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (ALIAS_BOMB, "alias"),
        ("purpose: " + "[" * 50 + "]" * 50 + "\n", "nested deeper"),
        ("".join(f"k{n}: v\n" for n in range(3000)), "more than"),
        ("description: " + "x" * 70_000 + "\n", "bytes"),
        ("".join(f"key{n}: v\n" for n in range(500)), "and 497 more"),
        ("purpose: " + "y" * 5000 + "\n", "purpose must be one of"),
        ("docker: " + "z" * 5000 + "\n", "docker must be true or false"),
    ],
    ids=["alias-bomb", "deep", "many-keys", "huge", "unknown-keys", "long-choice", "long-bool"],
)
def test_hostile_answers_files_get_a_short_line_fast(
    tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "answers.yml").write_text(content)
    started = time.monotonic()
    proc = cli("new", "svc", "--yes", *QUICK, "--data-file", "answers.yml", cwd=tmp_path)
    assert time.monotonic() - started < 30
    line = one_line_error(proc, 2)
    assert expected in line and len(line) <= 200, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml"]


def test_long_values_are_truncated_in_messages(tmp_path: Path) -> None:
    proc = cli("new", "svc", "--yes", *QUICK, "-d", "database=" + "m" * 3000, cwd=tmp_path)
    line = one_line_error(proc, 2)
    assert len(line) <= 200, line
