"""Fast checks of the rendered FastAPI tree: per-option files, no template leftovers, no Flask.

The slow matrix (tests/matrix/test_fastapi_matrix.py) runs each combination's own toolchain; these
tests only render (Copier in-process) and read files, plus ruff on one long-named project.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.projects import assert_fully_rendered, render

ALWAYS = {
    "pyproject.toml",
    "README.md",
    ".gitignore",
    ".gitattributes",
    ".env.example",
    ".copier-answers.yml",
    ".pre-commit-config.yaml",
    "src/{pkg}/__init__.py",
    "src/{pkg}/main.py",
    "src/{pkg}/__main__.py",
    "src/{pkg}/app.py",
    "src/{pkg}/settings.py",
    "src/{pkg}/docs.py",
    "src/{pkg}/errors.py",
    "src/{pkg}/middleware.py",
    "src/{pkg}/logging_config.py",
    "src/{pkg}/repository.py",
    "src/{pkg}/schemas.py",
    "src/{pkg}/routers/__init__.py",
    "src/{pkg}/routers/health.py",
    "src/{pkg}/routers/items.py",
    "tests/conftest.py",
    "tests/test_health.py",
    "tests/test_items.py",
    "tests/test_docs.py",
    "tests/test_middleware.py",
    "tests/test_settings.py",
    "tests/test_main.py",
    "tests/test_bad_input.py",
}
DATABASE_FILES = {
    "alembic.ini",
    "migrations/env.py",
    "migrations/script.py.mako",
    "migrations/versions/0001_create_items.py",
    "migrations/versions/0003_items_price.py",
    "src/{pkg}/db.py",
    "src/{pkg}/models.py",
    "tests/test_migrations.py",
}
AUTH_FILES = {"src/{pkg}/security.py", "src/{pkg}/routers/auth.py", "tests/test_auth.py"}
AUTH_DATABASE_FILES = {"migrations/versions/0002_create_users.py"}
WEBSOCKET_FILES = {
    "src/{pkg}/routers/ws.py",
    "src/{pkg}/realtime.py",
    "tests/test_websockets.py",
    "tests/test_redis_rooms.py",
}
HTML_FILES = {
    "src/{pkg}/routers/pages.py",
    "src/{pkg}/templates/base.html",
    "src/{pkg}/templates/index.html",
    "src/{pkg}/static/style.css",
    "tests/test_pages.py",
}

COMBINATIONS = [
    ("none", "none", False, False),
    ("sqlite", "jwt", True, True),
    ("postgres", "jwt", False, True),
    ("none", "jwt", True, False),
    ("postgres", "none", True, False),
]


def _files(project: Path) -> set[str]:
    return {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}


def _expected(database: str, auth: str, websockets: bool, html_pages: bool) -> tuple[set, set]:
    present, absent = set(ALWAYS), set()
    for condition, files in (
        (database != "none", DATABASE_FILES),
        (auth == "jwt", AUTH_FILES),
        (auth == "jwt" and database != "none", AUTH_DATABASE_FILES),
        (websockets, WEBSOCKET_FILES),
        (html_pages, HTML_FILES),
    ):
        (present if condition else absent).update(files)
    return present, absent


@pytest.mark.parametrize(("database", "auth", "websockets", "html_pages"), COMBINATIONS)
def test_tree_matches_the_options(
    tmp_path: Path, database: str, auth: str, websockets: bool, html_pages: bool
) -> None:
    project = render(
        tmp_path,
        framework="fastapi",
        database=database,
        auth=auth,
        websockets=websockets,
        html_pages=html_pages,
    )
    files = _files(project)
    present, absent = _expected(database, auth, websockets, html_pages)
    assert {name.format(pkg="demo") for name in present} <= files
    assert not {name.format(pkg="demo") for name in absent} & files

    assert_fully_rendered(project, other_framework="flask")

    pyproject = (project / "pyproject.toml").read_text()
    assert ('"asyncpg' in pyproject) == (database == "postgres")
    assert ('"aiosqlite' in pyproject) == (database == "sqlite")
    assert ('"pyjwt' in pyproject) == (auth == "jwt")
    assert ('"jinja2' in pyproject) == html_pages
    assert '"uvicorn[standard]' in pyproject
    readme = (project / "README.md").read_text()
    assert "uv run python -m demo" in readme
    assert "uv run fastapi dev" in readme
    assert 'entrypoint = "demo.main:app"' in pyproject  # `fastapi dev` / `fastapi run` find it
    assert "--cov-fail-under=" in pyproject
    # The README describes manifests only when they were generated.
    has_manifests = (project / "k8s").exists()
    assert ("Kubernetes manifests" in readme or "k8s/" in readme) == has_manifests
    assert ("alembic upgrade head" in readme) == (database != "none")
    env_example = (project / ".env.example").read_text()
    assert ("DATABASE_URL=" in env_example) == (database != "none")
    assert ("SECRET_KEY=" in env_example) == (auth == "jwt")


def test_session_auth_is_refused_for_fastapi(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Flask only"):
        render(tmp_path, framework="fastapi", auth="session")


def test_package_names_over_40_characters_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="40"):
        render(tmp_path, framework="fastapi", project_name="a" * 41)


def test_long_names_and_free_text_stay_lint_clean(tmp_path: Path) -> None:
    """The longest accepted names and awkward free text still give ruff-clean, valid files."""
    name = ("a" + "-long-service" * 6)[:40]  # the longest package name accepted
    project = render(
        tmp_path,
        framework="fastapi",
        project_name=name,
        description='Quotes " and \\ backslashes, émojis 🚀 and a DEL \x7f',
        author_name='O\'Brien "the" \\ tester',
        database="postgres",
        auth="jwt",
        websockets=True,
        html_pages=True,
    )
    for argv in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *argv],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    import tomllib

    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == name
    assert metadata["description"].startswith('Quotes " and \\ backslashes, émojis 🚀')
    package = name.lower().replace("-", "_")
    compile((project / "src" / package / "__init__.py").read_text(), "__init__.py", "exec")


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_pre_commit_hooks_run_the_projects_own_tools(tmp_path: Path, framework: str) -> None:
    """Local hooks only: pinned by uv.lock, nothing fetched from hook repositories."""
    import yaml

    project = render(tmp_path, framework=framework)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    [repo] = config["repos"]
    assert repo["repo"] == "local"
    entries = {hook["id"]: hook["entry"] for hook in repo["hooks"]}
    assert entries["ruff-check"].startswith("uv run ruff check")
    assert entries["ruff-format"].startswith("uv run ruff format")
    assert entries["uv-lock"] == "uv lock --check"
