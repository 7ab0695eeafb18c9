"""`pyapi-scaffold add resource` on a real pseudo-terminal (pexpect): with no name or fields it
asks the name and then the fields one by one (questionary), shows the plan and confirms; Ctrl-C
exits 130 and writes nothing. Without a terminal it never waits (see test_add_resource.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.support.projects import REPO_ROOT, render

pytestmark = pytest.mark.terminal

ENTER = "\r"
CTRL_C = "\x03"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = render(tmp_path, project_name="shop", database="sqlite")
    for argv in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *argv], cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "gen"],
        cwd=project,
        check=True,
    )
    return project


def spawn(project: Path) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update({"PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120"})
    env["PYTHONPATH"] = str(REPO_ROOT / "src")
    return pexpect.spawn(
        sys.executable,
        ["-m", "pyapi_scaffold", "add", "resource"],
        cwd=str(project),
        env=env,
        dimensions=(50, 120),
        encoding="utf-8",
        timeout=30,
    )


def _status(project: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_asks_name_and_fields_one_by_one_shows_the_plan_and_confirms(project: Path) -> None:
    child = spawn(project)
    child.expect("Resource name")
    child.send("order" + ENTER)
    child.expect(r"Field NAME:TYPE.*\[1\]")
    child.send("total:decimal" + ENTER)
    child.expect(r"\[2\]")
    child.send("status:enum[new,paid]=new" + ENTER)
    child.expect(r"\[3\]")
    child.send(ENTER)  # an empty answer ends the list
    child.expect("Would add resource order")
    child.expect("total: decimal")
    child.expect("src/shop/resources/order.py")
    child.expect("Add this resource?")
    child.send(ENTER)
    child.expect(r"Added(\x1b\[[0-9;]*m)? the order resource")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (project / "src/shop/resources/order.py").is_file()
    assert (project / ".copier-answers.resource-order.yml").is_file()


def test_ctrl_c_exits_130_and_writes_nothing(project: Path) -> None:
    child = spawn(project)
    child.expect("Resource name")
    child.send("order" + ENTER)
    child.expect(r"Field NAME:TYPE")
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert _status(project) == ""
