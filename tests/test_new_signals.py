"""`new` under real signals: SIGTERM is Ctrl-C (exit 143, same line), nothing is left behind.

Each run gets its own TMPDIR so Copier's temporary clones can be counted; the output folder must
hold nothing afterwards (no `.NAME.…` scratch folder). Steps are hit exactly with the
PYAPI_SCAFFOLD_TEST_SIGNAL hook (the process signals itself there) and at wall-clock delays.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyapi_scaffold.signals import TEST_SIGNAL_ENV

from .support.projects import REPO_ROOT

INTERRUPTED = "error: interrupted; nothing was written"


def start(
    tmp_path: Path, *args: str, signal_at: str | None = None, name: str = "svc"
) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k != "PYAPI_SCAFFOLD_DEBUG"}
    environ["PYTHONPATH"] = str(REPO_ROOT / "src")
    environ["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    if signal_at:
        environ[TEST_SIGNAL_ENV] = signal_at
    return subprocess.Popen(
        [sys.executable, "-m", "pyapi_scaffold", "new", name, "--yes", *args],
        cwd=tmp_path / "out",
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def left_behind(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "out").iterdir()) + sorted(
        p.name for p in (tmp_path / "tmp").iterdir()
    )


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("step", ["new:rendered", "new:locked", "new:committed"])
def test_a_signal_at_any_step_of_new_leaves_nothing(
    tmp_path: Path, step: str, signame: str
) -> None:
    proc = start(tmp_path, "--no-lock", signal_at=f"{step}:{signame}")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + getattr(signal, signame), err
    assert err.strip() == INTERRUPTED
    assert left_behind(tmp_path) == []


@pytest.mark.parametrize(("signame", "code"), [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_while_starting_up_is_handled_too(tmp_path: Path, signame: str, code: int) -> None:
    proc = start(tmp_path, "--no-lock", signal_at=f"start:{signame}")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code and err.strip() == INTERRUPTED, err
    assert left_behind(tmp_path) == []


def test_a_signal_once_the_project_is_in_place_keeps_it_and_says_so(tmp_path: Path) -> None:
    proc = start(tmp_path, "--no-lock", signal_at="new:moved:SIGTERM")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and err.count("\n") == 1, err
    assert "was complete; it is kept" in err and "nothing was written" not in err
    assert left_behind(tmp_path) == ["svc"]


@pytest.mark.parametrize("delay", [0.4, 0.9, 1.5])
def test_sigterm_at_wall_clock_delays_leaves_nothing(tmp_path: Path, delay: float) -> None:
    proc = start(tmp_path, "--no-lock")
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err
    if proc.returncode == 0 or "was complete" in err:  # the project was in place first
        assert left_behind(tmp_path) == ["svc"]
        assert (tmp_path / "out" / "svc" / ".copier-answers.yml").is_file()
    else:
        assert proc.returncode == 143, err
        assert err.strip() == INTERRUPTED
        assert left_behind(tmp_path) == []


def test_stale_scratch_folders_of_ours_are_swept(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / "out").mkdir()
    (tmp_path / "tmp").mkdir()
    stale = tmp_path / "out" / f".svc.pyapi-{dead.pid}-abc123"
    (stale / "svc").mkdir(parents=True)
    stale_tmp = tmp_path / "tmp" / f"pyapi-scaffold-tmp-{dead.pid}-xyz"
    stale_tmp.mkdir()
    not_ours = tmp_path / "out" / ".svc.backup"
    not_ours.mkdir()
    proc = start(tmp_path, "--no-lock", "--no-git", name="other")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert not stale.exists() and not stale_tmp.exists()
    assert not_ours.exists()


@pytest.mark.slow
def test_ctrl_c_during_install_keeps_the_project_and_removes_the_partial_venv(
    tmp_path: Path,
) -> None:
    proc = start(tmp_path, "--install", name="svc")
    venv = tmp_path / "out" / "svc" / ".venv"
    deadline = time.monotonic() + 240
    while not venv.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "uv sync finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "nothing was written" not in err, err
    assert "is complete and kept" in err and "partial .venv was removed" in err
    project = tmp_path / "out" / "svc"
    assert (project / "pyproject.toml").is_file() and not venv.exists()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert status.stdout == ""
