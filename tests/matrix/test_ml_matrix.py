"""The ML model serving shape (issue 10), slow layer: a covering set per framework.

Each combination is rendered, checked with its own tools (`uv sync`, ruff, ruff format, strict
mypy, pytest: the generated tests cover known predictions, 422s, readiness 503 -> 200, /health
during a held prediction, 503/504 and micro-batching), started with its production command
(`uv run python -m demo`, several workers) and used over HTTP: readiness, a prediction with a
known answer, NaN and oversize input refused in the error shape without a traceback in the log,
then fuzzed by schemathesis from its own schema. Every combination of the shape's options gets
the fast checks in `test_fast_matrix.py`.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.projects import check_project, http_get, project_env, render, serving

# Docs on and off, and the worker count from each concurrency level (1, 2 and 4 processes).
COMBINATIONS = (
    {"api_docs": True, "concurrency": "moderate", "kubernetes": True},
    {"api_docs": False, "concurrency": "high", "kubernetes": False},
)
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
VERSICOLOR = [6.0, 2.8, 4.5, 1.4]


def _params() -> list[pytest.ParameterSet]:
    return [
        pytest.param(framework, combo, id=f"{framework}-ml-" + "-".join(map(str, combo.values())))
        for framework in ("fastapi", "flask")
        for combo in COMBINATIONS
    ]


def _post(base: str, path: str, body: bytes) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def _fuzz(project: Path, url: str) -> None:
    beside_python = Path(sys.executable).with_name("schemathesis")
    schemathesis = str(beside_python) if beside_python.exists() else shutil.which("schemathesis")
    assert schemathesis, "schemathesis is a dev dependency: pip install -e '.[dev]'"
    argv = [
        schemathesis, "run", url, "--checks", CHECKS, "--max-examples", "10", "--max-time", "8",
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
def test_ml_combination(tmp_path: Path, framework: str, combo: dict[str, object]) -> None:
    project = render(tmp_path, framework=framework, purpose="ml-serving", **combo)
    assert (project / "src" / "demo" / "artifacts" / "demo-model.json").is_file()
    env = {"PYTHONDONTWRITEBYTECODE": ""}
    check_project(project, env=env)
    log = project / ".server.log"
    with serving(project, env=env, ready_path="/health/ready") as base:
        ready = http_get(base + "/health/ready")
        assert json.loads(ready.body) == {"status": "ok", "checks": {"model": "ok"}}
        model = json.loads(http_get(base + "/model").body)
        assert (model["name"], model["version"]) == ("iris-nearest-centroid", "1.0.0")
        assert http_get(base + "/docs").status == (200 if combo["api_docs"] else 404)

        status, _, body = _post(base, "/predict", json.dumps({"features": VERSICOLOR}).encode())
        assert status == 200
        assert json.loads(body)["prediction"]["label"] == "versicolor"
        rows = {"instances": [VERSICOLOR] * 3}
        status, _, body = _post(base, "/predict/batch", json.dumps(rows).encode())
        assert [p["label"] for p in json.loads(body)["predictions"]] == ["versicolor"] * 3

        # Bad input: 4xx in the error shape, never a NaN echoed, never a traceback in the log.
        for path, payload in (
            ("/predict", b'{"features": [NaN, 2.8, 4.5, 1.4]}'),
            ("/predict", b'{"features": [1e999, 2.8, 4.5, 1.4]}'),
            ("/predict/batch", json.dumps({"instances": [VERSICOLOR] * 257}).encode()),
            ("/predict", b'{"features": '),
            ("/predict", b"\xff\xfe"),
        ):
            status, content_type, body = _post(base, path, payload)
            assert status in (400, 422), (path, payload[:40], status)
            assert content_type.startswith("application/json")
            assert "detail" in json.loads(body)  # valid JSON: no NaN in it
        _fuzz(project, base + "/openapi.json")
        assert "Traceback" not in log.read_text()
