"""`update` is all or nothing: real SIGINT/SIGTERM at every step leave the project as it was.

The update runs in a scratch git worktree and is copied into the project only at the end, with
signals held for that moment. Each test runs the real CLI in a subprocess and interrupts it with
a real signal: at named steps (the PYAPI_SCAFFOLD_TEST_SIGNAL hook makes the process signal
itself exactly there) and at wall-clock delays. Also here: the printed undo recipe works with
conflicts, `_commit` advances, and a file with several clashing hunks gets every one marked.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold.signals import TEST_SIGNAL_ENV
from tests.support.projects import HOST_PYTHON, REPO_ROOT
from tests.test_update import (  # noqa: F401 - fixtures
    NEW,
    OLD,
    OLD_FOOTER,
    TWO_HUNKS,
    as_version,
    commit_all,
    env,
    generate,
    git,
    scaffold,
    versions,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("env")]


def snapshot(project: Path) -> dict[str, object]:
    """Everything an interrupted update could have touched: files, index, HEAD, worktrees."""
    files = {
        p.relative_to(project).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }
    return {
        "files": files,
        "index": git(project, "ls-files", "-s"),
        "status": git(project, "status", "--porcelain", "--untracked-files=all"),
        "head": git(project, "rev-parse", "HEAD"),
        "worktrees": git(project, "worktree", "list", "--porcelain").count("worktree "),
    }


def update_process(
    project: Path, *args: str, signal_at: str | None = None
) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PYAPI_SCAFFOLD_DEBUG"}
    environ["PYTHONPATH"] = str(REPO_ROOT / "src")
    if signal_at:
        environ[TEST_SIGNAL_ENV] = signal_at
    return subprocess.Popen(
        [sys.executable, "-m", "pyapi_scaffold", "update", str(project), "--yes", *args],
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def edited_project(tmp_path: Path, capsys: pytest.CaptureFixture[str], *data: str) -> Path:
    """A project at the old template with a user edit that clashes with the new template."""
    project = generate(tmp_path, capsys, "fastapi", *data)
    readme = project / "README.md"
    readme.write_text(readme.read_text().replace(OLD_FOOTER, "Maintained by team Kestrel."))
    commit_all(project, "our edits")
    return project


def assert_untouched(project: Path, before: dict[str, object], proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: interrupted"), err
    assert "Traceback" not in err and "project was not changed" in err, err
    assert snapshot(project) == before
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{OLD}"
    return out


STEPS = ["update:scratch", "update:copier", "update:restored"]


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", STEPS)
def test_a_signal_at_any_step_leaves_the_project_as_it_was(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    signame: str,
) -> None:
    project = edited_project(tmp_path, capsys)
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    proc = update_process(project, "-d", "websockets=true", signal_at=f"{step}:{signame}")
    assert_untouched(project, before, proc)
    assert proc.returncode == 128 + getattr(signal, signame)


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_during_the_relock_leaves_no_stale_lock(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    signame: str,
) -> None:
    result = scaffold(
        capsys, "new", "demo", "--framework", "fastapi", "--yes", "-o", str(tmp_path),
        "-d", f"python_version={HOST_PYTHON}",
    )  # fmt: skip
    assert result.code == 0, result.err
    project = tmp_path / "demo"
    assert (project / "uv.lock").is_file()
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    proc = update_process(project, "-d", "auth=jwt", signal_at=f"update:relocked:{signame}")
    out = assert_untouched(project, before, proc)
    assert "refreshed" not in out and "updated" not in out


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_while_applying_finishes_the_update_and_says_so(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    signame: str,
) -> None:
    project = edited_project(tmp_path, capsys)
    as_version(monkeypatch, NEW)
    proc = update_process(project, signal_at=f"update:applying:{signame}")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + getattr(signal, signame)
    assert err.count("\n") == 1 and "applied in full" in err and "git reset" in err, err
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{NEW}"
    assert "<<<<<<< before updating" in (project / "README.md").read_text()
    assert git(project, "diff", "--name-only", "--diff-filter=U").split() == ["README.md"]
    assert git(project, "worktree", "list", "--porcelain").count("worktree ") == 1


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_signals_at_wall_clock_delays_never_leave_a_half_update(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    signame: str,
) -> None:
    """Whenever the signal lands, the project is either untouched or fully updated."""
    project = edited_project(tmp_path, capsys)
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    outcomes = []
    for delay in (0.3, 0.8, 1.4, 2.0, 2.8):
        proc = update_process(project, "-d", "websockets=true")
        time.sleep(delay)
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=300)
        assert "Traceback" not in err, err
        if proc.returncode == 0 or "applied in full" in err:
            outcomes.append("done")
            answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
            assert answers["_commit"] == f"v{NEW}" and answers["websockets"] is True
            git(project, "reset", "-q", "--hard", "HEAD")
            git(project, "clean", "-fdq")
        else:
            outcomes.append("interrupted")
            assert proc.returncode == 128 + getattr(signal, signame), err
            assert err.count("\n") == 1 and "interrupted" in err, err
        assert snapshot(project) == before
    assert "interrupted" in outcomes


def test_the_printed_undo_recipe_works_with_conflicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = edited_project(tmp_path, capsys)
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project), "-d", "websockets=true")
    assert result.code == 0, result.err
    assert "in conflict" in result.out
    undo = next(line for line in result.out.splitlines() if "undo the whole update:" in line)
    command = undo.split("undo the whole update:", 1)[1].strip()
    subprocess.run(command, shell=True, cwd=project, check=True)
    assert snapshot(project) == before


def test_commit_advances_and_every_clashing_hunk_is_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, capsys)
    two = project / TWO_HUNKS
    lines = two.read_text().splitlines()
    lines[0], lines[-1] = "user top", "user bottom"
    two.write_text("\n".join(lines) + "\n")
    commit_all(project, "edit both ends")
    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project))
    assert result.code == 0, result.err
    text = two.read_text()
    assert text.count("<<<<<<< before updating") == 2, text
    assert text.count(">>>>>>> after updating") == 2, text
    assert "user top" in text and "user bottom" in text
    assert "new top" in text and "new bottom" in text
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{NEW}"
    # Resolve, commit, and change an answer: _commit stays right, and the next update is clean.
    git(project, "checkout", "--theirs", "--", TWO_HUNKS)
    for rel in git(project, "diff", "--name-only", "--diff-filter=U").split():
        git(project, "checkout", "--theirs", "--", rel)
    commit_all(project, "resolved")
    again = scaffold(capsys, "update", str(project), "-d", "websockets=true")
    assert again.code == 0, again.err
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == f"v{NEW}" and answers["websockets"] is True


# ---------------------------------------------------------------- answers update cannot change


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("framework=flask", "update cannot change framework (fastapi -> flask)"),
        ("package_name=other", "update cannot change package_name (demo -> other)"),
        ("package_name=", "not a valid package name"),
        ("project_name=other", "update cannot change project_name"),
    ],
)
def test_answers_update_cannot_change_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    pair: str,
    expected: str,
) -> None:
    project = generate(tmp_path, capsys)
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project), "-d", pair)
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and expected in result.err, result.err
    assert snapshot(project) == before


def test_a_renamed_package_folder_is_detected_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path, capsys)
    git(project, "mv", "src/demo", "src/shop")
    commit_all(project, "rename the package")
    before = snapshot(project)
    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project), "-d", "websockets=true")
    assert result.code == 2, result
    assert "src/demo is missing (renamed to src/shop?)" in result.err
    assert "git mv src/shop src/demo" in result.err and result.err.count("\n") == 1
    assert snapshot(project) == before
