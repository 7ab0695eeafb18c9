"""Fast checks on EVERY combination of shape x framework x supported options (issue 9).

Each combination is rendered and checked without installing it: `ruff check` and `ruff format
--check` with the project's own configuration (the host's ruff, so no `uv sync`), no Jinja left,
nothing from the other framework, and the files its answers call for. The slow checks (mypy,
pytest, the production command, schemathesis) run on all-pairs covering sets in
test_fastapi_matrix.py, test_flask_matrix.py and test_minimal_matrix.py (test_ml_matrix.py for the
ML shape, issue 10).

`concurrency` changes numbers in settings and deployment files, not the code's structure: it
rotates through its three values across the combinations (tests/test_needs_effects.py checks each
value's numbers).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.pairwise import all_combinations
from tests.support.projects import assert_fully_rendered, render

CONCURRENCY = ("low", "moderate", "high")
SERVICE = {
    "database": ("none", "sqlite", "postgres"),
    "auth": ("none", "jwt", "session"),
    "websockets": (False, True),
    "html_pages": (False, True),
    "api_docs": (True, False),
}
MINIMAL = {
    "database": ("none", "sqlite"),
    "html_pages": (False, True),
    "api_docs": (True, False),
    "purpose": ("learning", "prototype"),
}
# The ML shape (issue 10) offers docs and the deployment files; no database, auth, pages or
# WebSockets (shapes.ML_REFUSED).
ML = {
    "api_docs": (True, False),
    "docker": (True, False),
    "kubernetes": (False, True),
    "ci": ("github", "gitlab"),
    "purpose": ("ml-serving",),
}


def offered(framework: str, combo: dict[str, object]) -> bool:
    """The combinations copier.yml accepts (its per-choice validators)."""
    auth = combo.get("auth", "none")
    if framework == "fastapi":
        return auth != "session"
    if auth == "session":
        return bool(combo["html_pages"])
    return not (auth == "jwt" and combo["html_pages"])


def _params() -> list[pytest.ParameterSet]:
    params = []
    for framework in ("fastapi", "flask"):
        for shape, factors in (("service", SERVICE), ("minimal", MINIMAL), ("ml", ML)):
            combos = all_combinations(factors, lambda c, f=framework: offered(f, c))
            for index, options in enumerate(combos):
                combo = {**options, "shape": shape, "concurrency": CONCURRENCY[index % 3]}
                name = "-".join(str(v) for v in combo.values())
                params.append(pytest.param(framework, combo, id=f"{framework}-{name}"))
    return params


def _ruff(project: Path, *args: str) -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a dev dependency: pip install -e '.[dev]'"
    proc = subprocess.run(
        [ruff, *args, "--no-cache", "."], cwd=project, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"ruff {' '.join(args)}:\n{proc.stdout}{proc.stderr}"


@pytest.mark.slow
@pytest.mark.matrix
@pytest.mark.parametrize(("framework", "combo"), _params())
def test_every_combination_renders_clean(
    tmp_path: Path, framework: str, combo: dict[str, object]
) -> None:
    project = render(tmp_path, framework=framework, **combo)
    _ruff(project, "check")
    _ruff(project, "format", "--check")
    assert_fully_rendered(project, "flask" if framework == "fastapi" else "fastapi")

    names = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert {"pyproject.toml", "README.md", ".gitignore", ".copier-answers.yml"} <= names
    assert "docs/decisions/0001-framework.md" in names
    assert any(name.startswith("tests/test_") for name in names)
    pages = any(name.startswith("src/demo/templates/") for name in names)
    assert pages is combo.get("html_pages", False)
    if combo["shape"] == "ml":
        _assert_ml_tree(names, combo)
    elif combo["shape"] == "minimal":
        assert names & {"src/demo/app.py", "src/demo/__main__.py"} == {
            "src/demo/app.py",
            "src/demo/__main__.py",
        }
        assert not any(n.startswith(("migrations/", "k8s/", ".github/")) for n in names)
        assert not {"Dockerfile", "compose.yaml", "alembic.ini", ".env.example"} & names
    else:
        assert ("tests/test_docs.py" in names) is combo["api_docs"]
        assert ("tests/test_openapi.py" in names) is not combo["api_docs"]
        migrations = any("migrations/" in name for name in names)
        assert migrations is (combo["database"] != "none")
        assert ("tests/test_websockets.py" in names) is combo["websockets"]


def _assert_ml_tree(names: set[str], combo: dict[str, object]) -> None:
    """The ML shape: the model service and its tests, the deployment files asked for, and none
    of the service's items, database, auth or WebSockets."""
    model = {"src/demo/model.py", "src/demo/schemas.py", "src/demo/artifacts/demo-model.json"}
    assert model <= names
    assert {"tests/test_predict.py", "tests/test_serving.py", "tests/test_startup.py"} <= names
    assert not any("items" in name or "migrations/" in name for name in names)
    assert not {"alembic.ini", "src/demo/db.py", "src/demo/auth.py", "src/demo/ws.py"} & names
    assert ("Dockerfile" in names) is combo["docker"]
    assert any(name.startswith("k8s/") for name in names) is combo["kubernetes"]
    assert (".github/workflows/ci.yml" in names) is (combo["ci"] == "github")
    assert (".gitlab-ci.yml" in names) is (combo["ci"] == "gitlab")
