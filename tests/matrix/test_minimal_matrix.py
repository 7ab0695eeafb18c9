"""The minimal shape (issue 9), slow layer: an all-pairs covering set per framework.

Each chosen combination of database x html_pages x api_docs x purpose is rendered, checked with
its own tools (`uv sync`, ruff, ruff format, strict mypy, pytest), started with its documented
command (`uv run python -m demo`) and fuzzed by schemathesis from its own schema. Every
combination gets the fast checks in `test_fast_matrix.py`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.pairwise import all_pairs
from tests.support.projects import check_project, http_get, project_env, render, serving

MINIMAL_FACTORS = {
    "database": ("none", "sqlite"),
    "html_pages": (False, True),
    "api_docs": (True, False),
    "purpose": ("learning", "prototype"),
}
# The fuzzing contract of the FastAPI service matrix: no 5xx, and every response conforms to the
# schema and to its declared content type.
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
SCHEMA = {"fastapi": "/openapi.json", "flask": "/openapi/openapi.json"}
DOCS = {"fastapi": "/docs", "flask": "/openapi/swagger"}


def _params() -> list[pytest.ParameterSet]:
    params = []
    for framework in ("fastapi", "flask"):
        for combo in all_pairs(MINIMAL_FACTORS):
            name = "-".join(f"{k}={v}" for k, v in combo.items())
            params.append(pytest.param(framework, combo, id=f"{framework}-minimal-{name}"))
    return params


def _fuzz(project: Path, url: str) -> None:
    beside_python = Path(sys.executable).with_name("schemathesis")
    schemathesis = str(beside_python) if beside_python.exists() else shutil.which("schemathesis")
    assert schemathesis, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    argv = [
        schemathesis, "run", url, "--checks", CHECKS, "--max-examples", "5", "--max-time", "8",
        "--seed", "20240601", "--request-timeout", "30", "--suppress-health-check", "all",
        "--no-color",
    ]  # fmt: skip
    result = subprocess.run(
        argv, cwd=project, capture_output=True, text=True, timeout=180, check=False,
        env=project_env(),
    )  # fmt: skip
    assert result.returncode == 0, f"schemathesis found problems:\n{result.stdout[-8000:]}"


@pytest.mark.slow
@pytest.mark.matrix
@pytest.mark.parametrize(("framework", "combo"), _params())
def test_minimal_combination(tmp_path: Path, framework: str, combo: dict[str, object]) -> None:
    project = render(tmp_path, framework=framework, **combo)
    assert (project / "src" / "demo" / "app.py").is_file()
    env = {"PYTHONDONTWRITEBYTECODE": ""}
    check_project(project, env=env)
    with serving(project, env=env) as base:
        health = http_get(base + "/health")
        assert (health.status, json.loads(health.body)) == (200, {"status": "ok"})
        assert http_get(base + DOCS[framework]).status == (200 if combo["api_docs"] else 404)
        page = http_get(base + "/")
        if combo["html_pages"]:
            assert page.status == 200 and "<html" in page.body
        else:
            assert page.status == 404
        _fuzz(project, base + SCHEMA[framework])
