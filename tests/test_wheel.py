"""The shipped artefact: build the wheel, install it in a fresh venv, generate both frameworks.

Catches what an editable install hides: templates or the template history missing from the wheel,
a module that only imports from the source tree, a console script that does not start.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold import __version__

from .support.projects import REPO_ROOT, project_env

pytestmark = pytest.mark.slow


def sh(*argv: str | Path, cwd: Path) -> str:
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=project_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"{argv}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    sh("uv", "build", "--wheel", "--out-dir", work / "dist", REPO_ROOT, cwd=work)
    (wheel,) = (work / "dist").glob("pyapi_scaffold-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pyapi_scaffold/templates/copier.yml" in names
    assert any(n.startswith("pyapi_scaffold/templates/fastapi/") for n in names)
    assert any(n.startswith("pyapi_scaffold/templates/flask/") for n in names)
    assert not any("__pycache__" in n for n in names)
    history = "pyapi_scaffold/_template_history/"
    assert {history + "releases.json", history + "templates.bundle"} <= set(names)
    sh("uv", "venv", "--quiet", work / "venv", cwd=work)
    sh(
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        work / "venv" / "bin" / "python",
        wheel,
        cwd=work,
    )
    return work / "venv" / "bin"


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_installed_wheel_generates(installed: Path, tmp_path: Path, framework: str) -> None:
    out = sh(
        installed / "pyapi-scaffold",
        "new",
        f"{framework}-svc",
        "--yes",
        "--framework",
        framework,
        "-d",
        "python_version=3.11",
        cwd=tmp_path,
    )
    project = tmp_path / f"{framework}-svc"
    assert "Created" in out
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["framework"] == framework
    # Rendered from the shipped, released template history, so `copier update` works later.
    assert answers["_commit"] == f"v{__version__}"
    assert answers["_src_path"] == "~/.pyapi-scaffold/template"
    assert (project / "uv.lock").is_file(), "uv (a dependency of the wheel) must write uv.lock"
    assert (project / ".git").is_dir()


def test_installed_wheel_version_and_help(installed: Path, tmp_path: Path) -> None:
    assert sh(installed / "pyapi-scaffold", "--version", cwd=tmp_path).startswith("pyapi-scaffold ")
    assert "recommend" in sh(installed / "pyapi-scaffold", "--help", cwd=tmp_path)
