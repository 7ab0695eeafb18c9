"""The minimal shape (issue 9): updatable like every project; a shape switch is refused cleanly."""

from __future__ import annotations

import pytest
import yaml

from .support.projects import render, run, uv_sync
from .test_update import NEW, as_version, commit_all, env, generate, git, scaffold, versions  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("env")]


def test_a_minimal_project_grows_by_update_and_keeps_edits(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project = generate(tmp_path, capsys, "flask", "--purpose", "learning", "-d", "database=none")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["shape"] == "minimal"
    app = project / "src" / "demo" / "app.py"
    app.write_text(app.read_text() + "\n# ours: keep me\n")
    commit_all(project, "our edit")

    as_version(monkeypatch, NEW)
    result = scaffold(
        capsys, "update", str(project), "-d", "html_pages=true", "-d", "database=sqlite"
    )
    assert result.code == 0, result.err
    assert (project / "src" / "demo" / "templates" / "index.html").is_file()
    text = app.read_text()
    assert "# ours: keep me" in text and "sqlite3" in text
    assert not git(project, "diff", "--name-only", "--diff-filter=U").strip()
    uv_sync(project)
    run(project, "uv", "run", "pytest", "-q", "-p", "no:cacheprovider").check()


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_a_minimal_project_gets_the_conventions_of_every_project(tmp_path, framework) -> None:  # type: ignore[no-untyped-def]
    """Issue 9: pre-commit and the coverage threshold apply to the minimal shape too."""
    minimal = render(tmp_path / "minimal", framework=framework, shape="minimal", database="none")
    service = render(tmp_path / "service", framework=framework, shape="service")
    assert not (minimal / "migrations").exists()  # the minimal shape really is minimal
    hooks = yaml.safe_load((minimal / ".pre-commit-config.yaml").read_text())
    ids = [hook["id"] for repo in hooks["repos"] for hook in repo["hooks"]]
    assert ids == ["ruff-check", "ruff-format", "uv-lock", "mypy"]
    # One shared partial: the minimal and the service config are the same file.
    assert (minimal / ".pre-commit-config.yaml").read_text() == (
        service / ".pre-commit-config.yaml"
    ).read_text()
    pyproject = (minimal / "pyproject.toml").read_text()
    assert '"pytest-cov>=6"' in pyproject
    assert "--cov --cov-report=term-missing:skip-covered --cov-fail-under=90" in pyproject
    readme = (minimal / "README.md").read_text()
    assert "pre-commit install" in readme and "below 90 %" in readme


@pytest.mark.parametrize(
    ("framework", "initial", "change", "message"),
    [
        ("fastapi", ("--purpose", "prototype"), ("purpose=api",), "to the service shape"),
        ("flask", ("--purpose", "learning"), ("shape=service",), "to the service shape"),
        ("fastapi", ("--purpose", "api"), ("purpose=learning",), "to the minimal shape"),
        ("flask", ("--purpose", "learning"), ("websockets=true",), "has no WebSockets"),
        # issue 10: into and out of the ML shape, and options it does not offer
        ("fastapi", ("--purpose", "ml-serving"), ("purpose=api",), "to the service shape"),
        ("flask", ("--purpose", "api"), ("purpose=ml-serving",), "to the ml shape"),
        ("flask", ("--purpose", "ml-serving"), ("shape=minimal",), "to the minimal shape"),
        ("fastapi", ("--purpose", "ml-serving"), ("database=sqlite",), "not part of the ML shape"),
        ("flask", ("--purpose", "ml-serving"), ("websockets=true",), "not part of the ML shape"),
    ],
)
def test_a_shape_switch_is_refused_in_one_line_and_touches_nothing(
    tmp_path, capsys, monkeypatch, framework, initial, change, message
) -> None:  # type: ignore[no-untyped-def]
    project = generate(tmp_path, capsys, framework, *initial, "-d", "database=none")
    head = git(project, "rev-parse", "HEAD")
    as_version(monkeypatch, NEW)
    args = [arg for pair in change for arg in ("-d", pair)]
    result = scaffold(capsys, "update", str(project), *args)
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1, result.err
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head


def test_the_escape_hatch_keeps_the_shape(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project = generate(tmp_path, capsys, "fastapi", "--purpose", "prototype", "-d", "database=none")
    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project), "-d", "purpose=api", "-d", "shape=minimal")
    assert result.code == 0, result.err
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["purpose"], answers["shape"]) == ("api", "minimal")
    assert (
        "| what we are building (`purpose`) | api |"
        in (project / "docs" / "decisions" / "0001-framework.md").read_text()
    )


@pytest.mark.parametrize(
    ("initial", "change", "html_pages"),
    [
        ((), ("purpose=web-app",), True),  # derived default: follows the new purpose
        (
            ("--purpose", "web-app", "--no-html-pages"),
            ("purpose=internal-tool",),
            False,
        ),  # explicit
        (("--purpose", "api"), ("purpose=web-app", "html_pages=false"), False),  # given now
    ],
)
def test_a_changed_purpose_brings_what_it_implies_unless_chosen(
    tmp_path, capsys, monkeypatch, initial, change, html_pages
) -> None:  # type: ignore[no-untyped-def]
    project = generate(tmp_path, capsys, "fastapi", *initial)
    as_version(monkeypatch, NEW)
    args = [arg for pair in change for arg in ("-d", pair)]
    result = scaffold(capsys, "update", str(project), *args)
    assert result.code == 0, result.err
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["html_pages"] is html_pages
    assert (project / "src" / "demo" / "templates" / "index.html").is_file() is html_pages
    if html_pages:
        assert "answer html_pages:" in result.out  # the summary says what followed


def test_an_ml_project_updates_within_its_shape(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 10: options the ML shape offers change by update like any other project's."""
    project = generate(tmp_path, capsys, "fastapi", "--purpose", "ml-serving")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["shape"] == "ml" and "database" not in answers
    schemas = project / "src" / "demo" / "schemas.py"
    schemas.write_text(schemas.read_text().replace("MAX_BATCH_SIZE = 256", "MAX_BATCH_SIZE = 128"))
    commit_all(project, "our edit")

    as_version(monkeypatch, NEW)
    result = scaffold(capsys, "update", str(project), "-d", "api_docs=false")
    assert result.code == 0, result.err
    assert not (project / "src" / "demo" / "docs.py").exists()
    assert "MAX_BATCH_SIZE = 128" in schemas.read_text()
    assert not git(project, "diff", "--name-only", "--diff-filter=U").strip()
    uv_sync(project)
    run(project, "uv", "run", "pytest", "-q", "-p", "no:cacheprovider").check()
