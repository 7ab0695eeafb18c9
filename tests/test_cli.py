"""CLI layer: flags, answers sources and exit codes, with real Copier rendering and no prompts.

Runs the installed console script in a subprocess with no terminal (stdin is /dev/null), exactly
as a script or CI job would, so "never hangs, never reads /dev/tty" is what is tested.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold import __version__

from .support.projects import REPO_ROOT

QUICK = ("--no-lock",)  # `uv lock` is covered once, in test_new_writes_lock


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYAPI_SCAFFOLD_DEBUG"}
    env["PYTHONPATH"] = str(REPO_ROOT / "src")  # the code in this checkout, whatever is installed
    return subprocess.run(
        [sys.executable, "-m", "pyapi_scaffold", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def test_version(tmp_path: Path) -> None:
    proc = cli("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"pyapi-scaffold {__version__}"


@pytest.mark.parametrize("command", [[], ["new"], ["recommend"]])
def test_help_on_every_command(tmp_path: Path, command: list[str]) -> None:
    proc = cli(*command, "--help", cwd=tmp_path)
    assert proc.returncode == 0 and "Usage" in proc.stdout


def test_new_yes_creates_committed_project(tmp_path: Path) -> None:
    proc = cli("new", "svc", "--yes", "--purpose", "web-app", *QUICK, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "svc"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["framework"] == "flask" and answers["purpose"] == "web-app"
    assert answers["project_name"] == "svc" and answers["package_name"] == "svc"
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=project, capture_output=True, text=True, check=True
    )
    assert "Initial commit from pyapi-scaffold" in log.stdout
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
    assert "uv sync" in proc.stdout and "uv run pytest" in proc.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["svc"]  # no scratch folder left behind


def test_every_needs_flag_is_recorded(tmp_path: Path) -> None:
    proc = cli(
        "new",
        "svc",
        "--yes",
        "--purpose",
        "realtime",
        "--concurrency",
        "high",
        "--websockets",
        "--no-html-pages",
        "--no-api-docs",
        "--team-experience",
        "both",
        "--flask-extensions",
        "--no-git",
        *QUICK,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["purpose"] == "realtime" and answers["concurrency"] == "high"
    assert answers["websockets"] is True and answers["html_pages"] is False
    assert answers["api_docs"] is False and answers["team_experience"] == "both"
    assert answers["flask_extensions"] is True
    assert not (tmp_path / "svc" / ".git").exists()


def test_data_and_data_file(tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text(
        "_src_path: ignored\npurpose: prototype\nshape: service\ndatabase: none\n"
        'description: "Quotes \' \\" ok"\n'
    )
    proc = cli(
        "new",
        "svc",
        "--yes",
        "--data-file",
        "answers.yml",
        "-d",
        "ci=gitlab",
        "--data",
        "author_name=Zoë O'Neil",
        "--no-git",
        *QUICK,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert answers["purpose"] == "prototype" and answers["database"] == "none"
    assert answers["ci"] == "gitlab" and answers["author_name"] == "Zoë O'Neil"
    assert answers["description"] == "Quotes ' \" ok"


def test_framework_override_is_reported(tmp_path: Path) -> None:
    proc = cli(
        "new",
        "svc",
        "--yes",
        "--purpose",
        "web-app",
        "--framework",
        "fastapi",
        "--json",
        "--no-git",
        *QUICK,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["framework"] == "fastapi" and payload["recommended"] == "flask"
    assert payload["overridden"] is True
    assert payload["path"] == str(tmp_path / "svc")
    assert payload["recommendation"]["reasons"], "reasons must be listed"
    assert all(r["source"] for r in payload["recommendation"]["reasons"])
    assert payload["answers"]["framework"] == "fastapi"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    proc = cli("new", "svc", "--yes", "--dry-run", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["dry_run"] is True and ".copier-answers.yml" in payload["files"]
    assert list(tmp_path.iterdir()) == []


def test_output_dir_is_created(tmp_path: Path) -> None:
    proc = cli("new", "svc", "-y", "-o", "a/b", "--no-git", *QUICK, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a" / "b" / "svc" / ".copier-answers.yml").is_file()
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["svc"]


def test_empty_existing_destination_is_used(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    proc = cli("new", "svc", "-y", "--no-git", *QUICK, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "svc" / ".copier-answers.yml").is_file()


def test_recommend_json_has_flip(tmp_path: Path) -> None:
    proc = cli(
        "recommend", "--purpose", "ml-serving", "--concurrency", "high", "--json", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["recommendation"]["framework"] == "fastapi"
    assert payload["flip"]["framework"] == "flask" and payload["flip"]["changes"]


def test_recommend_human(tmp_path: Path) -> None:
    proc = cli("recommend", "--purpose", "learning", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Recommended: Flask" in proc.stdout and "would flip" in proc.stdout


BAD_NAMES = ["my service!", "123abc", "class", "import", "", "a" * 200, "a/b", "..", "json"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    proc = cli("new", name, "--yes", *QUICK, cwd=tmp_path)
    one_line_error(proc, 2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--bogus"], "No such option"),
        (["--purpose", "nope"], "--purpose"),
        (["-d", "nope=1"], "unknown answer key 'nope'"),
        (["-d", "database=mongo"], "database must be one of"),
        (["-d", "docker=maybe"], "docker must be true or false"),
        (["-d", "novalue"], "KEY=VALUE"),
        (["--purpose", "api", "--purpose", "web-app"], "given twice"),
        (["--data-file", "missing.yml"], "does not exist"),
        (["-d", "auth=session", "--framework", "fastapi"], "Flask only"),
        (["-d", "auth=session", "--framework", "flask", "--no-html-pages"], "needs html_pages"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    proc = cli("new", "svc", "--yes", *QUICK, *args, cwd=tmp_path)
    assert expected in one_line_error(proc, 2)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content",
    ["a: [\n", "- a\n- b\n", "purpose: [1, 2]\n", "\tpurpose: api\n"],
    ids=["unclosed", "list", "wrong-type", "tab"],
)
def test_malformed_answers_file(tmp_path: Path, content: str) -> None:
    (tmp_path / "answers.yml").write_text(content)
    proc = cli("new", "svc", "--yes", "--data-file", "answers.yml", *QUICK, cwd=tmp_path)
    one_line_error(proc, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yml"]


def test_no_terminal_without_yes_names_the_flags(tmp_path: Path) -> None:
    proc = cli("new", "svc", *QUICK, cwd=tmp_path, timeout=60)
    line = one_line_error(proc, 2)
    assert "--yes" in line and "--purpose" in line and "more (see --help)" in line
    assert len(line) <= 200
    assert list(tmp_path.iterdir()) == []


def test_no_terminal_with_every_answer_needs_no_yes(tmp_path: Path) -> None:
    answers = {
        "purpose": "api",
        "concurrency": "low",
        "websockets": False,
        "html_pages": False,
        "api_docs": True,
        "team_experience": "none",
        "flask_extensions": False,
        "framework": "fastapi",
        "description": "d",
        "author_name": "a",
        "author_email": "a@example.com",
        "python_version": "3.11",
        "database": "none",
        "auth": "none",
        "docker": False,
        "kubernetes": False,
        "ci": "none",
    }
    (tmp_path / "answers.yml").write_text(yaml.safe_dump(answers))
    proc = cli("new", "svc", "--data-file", "answers.yml", "--no-git", *QUICK, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    recorded = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert "compose" not in recorded  # hidden by docker=false, so never asked


def test_an_answer_the_others_leave_out_is_noted_not_dropped_silently(tmp_path: Path) -> None:
    proc = cli(
        "new",
        "svc",
        "-d",
        "docker=false",
        "-d",
        "compose=true",
        "--yes",
        "--no-git",
        *QUICK,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "note: compose=true ignored: it applies only when docker" in proc.stderr
    recorded = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert "compose" not in recorded


def test_existing_destination_untouched(tmp_path: Path) -> None:
    project = tmp_path / "svc"
    project.mkdir()
    (project / "keep.txt").write_text("mine")
    proc = cli("new", "svc", "--yes", *QUICK, cwd=tmp_path)
    assert "already exists" in one_line_error(proc, 2)
    assert [p.name for p in project.iterdir()] == ["keep.txt"]
    assert (project / "keep.txt").read_text() == "mine"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_dir(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = cli("new", "svc", "--yes", "-o", str(locked), *QUICK, cwd=tmp_path)
    assert "cannot write" in one_line_error(proc, 2)


def test_output_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    proc = cli("new", "svc", "--yes", "-o", "file", *QUICK, cwd=tmp_path)
    one_line_error(proc, 2)
    assert (tmp_path / "file").read_text() == "x"


def test_new_writes_lock_and_install_creates_the_environment(tmp_path: Path) -> None:
    proc = cli(
        "new", "svc", "--yes", "--framework", "fastapi", "-d", "database=none", "--install",
        "-d", "python_version=3.11", cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "svc"
    assert (project / "uv.lock").is_file()
    assert (project / ".venv" / "bin" / "python").exists()
    assert proc.stderr == "", "progress lines are for terminals only"
    steps = proc.stdout.split("Next steps:", 1)[1]
    assert "uv sync" not in steps and "already done" not in steps  # nothing left to do there
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert status.stdout == "", "uv.lock is committed and .venv is ignored"
