"""`add resource` then `update` (issue 12): each resource has its own answers file and is
updated with the project, in the same all-or-nothing update, keeping the user's edits.

Like tests/test_update.py, a template history is built in a temporary directory: 0.0.1 is the
current template, 0.1.0 the same with a change in the resource template (a line at the top of
the resource module, far from the edit the test makes at its end).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold import cli
from pyapi_scaffold import template_history as th
from pyapi_scaffold import template_source as ts
from tests.support.projects import HOST_PYTHON, TEMPLATES, check_project, uv_sync

pytestmark = pytest.mark.slow

OLD, NEW = "0.0.1", "0.1.0"
MODULE = "src/{{package_name}}/resources/{{resource_name}}.py.jinja"
NEW_LINE = "# Template 0.1.0 brings this line to every resource."
USER_EDIT = "# The user's own line, at the end of the router."


def _history(root: Path) -> Path:
    old, new = root / "old", root / "new"
    for folder in (old, new):
        shutil.copytree(TEMPLATES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for framework in ("fastapi", "flask"):
        module = new / f"resource-{framework}" / MODULE
        text = module.read_text()
        head, sep, rest = text.partition('"""\n\n')  # after the module docstring
        module.write_text(f"{head}{sep}{NEW_LINE}\n{rest}")
    history = th.History(root / "history")
    th.build_history(history, [(OLD, old), (NEW, new)])
    return history.directory


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _history(tmp_path_factory.mktemp("resource-versions"))


@pytest.fixture
def env(tmp_path: Path, history_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    cache = (
        os.environ.get("UV_CACHE_DIR")
        or subprocess.run(
            ["uv", "cache", "dir"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    monkeypatch.setenv("UV_CACHE_DIR", cache)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv(ts.HISTORY_ENV, str(history_dir))
    monkeypatch.setenv(ts.VERSION_ENV, OLD)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")
    return home


def scaffold(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def _project_with_resources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *data: str, framework: str = "fastapi"
) -> Path:
    code, _, err = scaffold(
        capsys, "new", "shop", "--framework", framework, "--yes", "--no-lock",
        "-o", str(tmp_path), "-d", f"python_version={HOST_PYTHON}", *data,
    )  # fmt: skip
    assert code == 0, err
    project = tmp_path / "shop"
    for name, fields in (
        ("customer", ["name:str:80", "email:str:unique"]),
        ("order", ["customer:ref", "total:decimal", "status:enum[new,paid]=new"]),
    ):
        flags = [arg for spec in fields for arg in ("--field", spec)]
        code, out, err = scaffold(capsys, "add", "resource", name, *flags, "-C", str(project))
        assert code == 0, err
        assert f"Added the {name} resource" in out
        commit_all(project, f"add {name}")
    return project


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_update_brings_template_changes_into_resources_and_keeps_edits(
    tmp_path: Path,
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    framework: str,
) -> None:
    project = _project_with_resources(
        tmp_path, capsys, "-d", "database=sqlite", framework=framework
    )
    module = project / "src" / "shop" / "resources" / "order.py"
    module.write_text(module.read_text() + f"\n{USER_EDIT}\n")
    commit_all(project, "my edit")

    monkeypatch.setenv(ts.VERSION_ENV, NEW)
    code, out, err = scaffold(capsys, "update", str(project), "--yes")
    assert code == 0, err
    assert "no conflicts" in out, out
    text = module.read_text()
    assert NEW_LINE in text, "the template change did not arrive"
    assert USER_EDIT in text, "the user's edit was lost"
    assert NEW_LINE in (project / "src/shop/resources/customer.py").read_text()
    for name in ("customer", "order"):
        answers = yaml.safe_load((project / f".copier-answers.resource-{name}.yml").read_text())
        assert answers["_commit"] == f"v{NEW}"
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == f"v{NEW}"
    # The update left everything for the user to review (nothing committed on their behalf).
    assert git(project, "log", "--format=%s", "-1").strip() == "my edit"


def test_a_project_answer_change_carries_every_resource(
    tmp_path: Path, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`update -d auth=jwt`: the resources' writes need a token too, and the project is green."""
    project = _project_with_resources(tmp_path, capsys, "-d", "database=sqlite")
    code, _, err = scaffold(capsys, "update", str(project), "--yes", "-d", "auth=jwt")
    assert code == 0, err
    for name in ("customer", "order"):
        assert "get_current_user" in (project / f"src/shop/resources/{name}.py").read_text()
        answers = yaml.safe_load((project / f".copier-answers.resource-{name}.yml").read_text())
        assert answers["auth"] == "jwt"
    commit_all(project, "auth")
    uv_sync(project)
    check_project(project)


def test_plain_copier_update_with_the_resource_answers_file(
    tmp_path: Path, env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`copier update -a .copier-answers.resource-order.yml` works alone (no other file read)."""
    project = _project_with_resources(tmp_path, capsys, "-d", "database=sqlite")
    monkeypatch.setenv(ts.VERSION_ENV, NEW)
    scaffold(capsys, "update", "--check", str(project))  # brings the 0.1.0 tag into the source
    answers_file = ".copier-answers.resource-order.yml"
    proc = subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", "-a", answers_file,
         "--vcs-ref", f"v{NEW}"],
        cwd=project, capture_output=True, text=True, check=False, env=os.environ.copy(),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert NEW_LINE in (project / "src/shop/resources/order.py").read_text()
    assert NEW_LINE not in (project / "src/shop/resources/customer.py").read_text()
    answers = yaml.safe_load((project / answers_file).read_text())
    assert answers["_commit"] == f"v{NEW}"
