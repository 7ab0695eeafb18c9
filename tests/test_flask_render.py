"""Fast checks of the Flask template's rendering: which files each option produces, no Jinja left
over, nothing from the FastAPI tree, and the refused combinations' messages."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.support.projects import assert_fully_rendered, render

BASE = {"framework": "flask", "docker": False, "kubernetes": False, "ci": "none"}

ALWAYS = {
    "pyproject.toml",
    "README.md",
    ".gitignore",
    ".gitattributes",
    ".env.example",
    ".copier-answers.yml",
    ".pre-commit-config.yaml",
    ".flaskenv",
    "src/demo/__init__.py",
    "src/demo/__main__.py",
    "src/demo/app.py",
    "src/demo/settings.py",
    "src/demo/errors.py",
    "src/demo/observability.py",
    "src/demo/health.py",
    "src/demo/items.py",
    "src/demo/schemas.py",
    "src/demo/repository.py",
    "src/demo/py.typed",
    "tests/conftest.py",
    "tests/test_items_api.py",
    "tests/test_docs.py",
    "tests/test_health.py",
    "tests/test_observability.py",
    "tests/test_settings.py",
    "tests/test_bad_input.py",
}
DATABASE_FILES = {
    "alembic.ini",
    "src/demo/db.py",
    "src/demo/models.py",
    "src/demo/migrations/env.py",
    "src/demo/migrations/script.py.mako",
    "src/demo/migrations/versions/0001_initial.py",
    "src/demo/migrations/versions/0002_price_numeric.py",
    "tests/test_migrations.py",
}
AUTH_FILES = {"src/demo/auth.py", "src/demo/users.py", "tests/test_auth.py"}
PAGES_FILES = {
    "src/demo/pages.py",
    "src/demo/templates/base.html",
    "src/demo/templates/items/list.html",
    "src/demo/templates/items/detail.html",
    "src/demo/templates/items/form.html",
    "src/demo/templates/errors/error.html",
    "src/demo/static/style.css",
    "tests/test_pages.py",
}
SESSION_FILES = {"src/demo/templates/login.html"}
WS_FILES = {
    "src/demo/ws.py",
    "src/demo/realtime.py",
    "tests/test_websockets.py",
    "tests/test_redis_rooms.py",
    "tests/websocket_clients.py",
}


def files(project: Path) -> set[str]:
    return {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}


def dependencies(project: Path) -> str:
    data = tomllib.loads((project / "pyproject.toml").read_text())
    return " ".join(data["project"]["dependencies"] + data["dependency-groups"]["dev"])


@pytest.mark.parametrize(
    ("database", "auth", "html_pages", "websockets"),
    [
        ("none", "none", False, False),
        ("sqlite", "session", True, True),
        ("postgres", "jwt", False, False),
        ("none", "jwt", False, True),
    ],
)
def test_files_follow_the_options(
    tmp_path: Path, database: str, auth: str, html_pages: bool, websockets: bool
) -> None:
    project = render(
        tmp_path,
        **BASE,
        database=database,
        auth=auth,
        html_pages=html_pages,
        websockets=websockets,
    )
    present = files(project)
    expected = set(ALWAYS)
    optional = {
        "database": (database != "none", DATABASE_FILES),
        "auth": (auth != "none", AUTH_FILES),
        "pages": (html_pages, PAGES_FILES),
        "session": (auth == "session", SESSION_FILES),
        "ws": (websockets, WS_FILES),
    }
    for enabled, group in optional.values():
        if enabled:
            expected |= group
    missing = expected - present
    assert not missing, f"missing: {sorted(missing)}"
    for name, (enabled, group) in optional.items():
        if not enabled:
            assert not (group & present), f"{name} is off but {sorted(group & present)} exist"

    # Nothing of the Jinja templating is left, nothing of the FastAPI tree.
    assert_fully_rendered(project, other_framework="fastapi")
    deps = dependencies(project).lower()
    assert "fastapi" not in deps and "uvicorn" not in deps
    assert not (project / "src/demo/routers").exists()
    assert "flask-openapi3[swagger,redoc]" in deps
    assert ("gunicorn" in deps) == websockets
    assert ("granian" in deps) == (not websockets)
    assert any(dep.startswith("redis>=") for dep in deps.split()) == websockets
    assert ("psycopg" in deps) == (database == "postgres")
    assert ("sqlalchemy" in deps) == (database != "none")
    assert ("pyjwt" in deps) == (auth == "jwt")
    assert ("flask-login" in deps) == (auth == "session")
    assert ("flask-wtf" in deps) == html_pages
    assert "pytest-cov" in deps and "python-dotenv" in deps
    assert (project / ".flaskenv").read_text().splitlines()[-1] == "FLASK_APP=demo"
    readme = (project / "README.md").read_text()
    assert "uv run flask run" in readme
    assert "Kubernetes manifests" not in readme and "k8s/" not in readme  # BASE: no manifests


def test_answers_with_quotes_reach_python_and_toml_safely(tmp_path: Path) -> None:
    project = render(
        tmp_path,
        **BASE,
        description='Say "hi" \\ to {{ me }}',
        author_name="O'Brien \u00e9\U0001f600",
    )
    data = tomllib.loads((project / "pyproject.toml").read_text())
    assert data["project"]["description"] == 'Say "hi" \\ to {{ me }}'
    assert data["project"]["authors"][0]["name"] == "O'Brien \u00e9\U0001f600"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"auth": "session", "html_pages": False}, "Session login needs html_pages"),
        ({"auth": "jwt", "html_pages": True}, "Flask with HTML pages uses session login"),
    ],
)
def test_refused_combinations_say_why(
    tmp_path: Path, answers: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render(tmp_path, **BASE, **answers)
    assert not (tmp_path / "demo" / "pyproject.toml").exists()
