"""Deployment files of generated projects, checked offline with real validators.

For both frameworks and each deployment option (Docker, compose, Kubernetes, GitHub / GitLab CI,
database none / SQLite / PostgreSQL where it changes the output):

- Dockerfile: hadolint (default failure threshold);
- compose.yaml: the Compose specification's JSON schema and `docker-compose config` (no engine);
- GitHub workflows / GitLab CI: their JSON schemas (check-jsonschema's bundled copies);
- Kubernetes: `kubernetes-validate --strict` on every manifest, kustomization.yaml lists them all,
  and `kubectl kustomize` output validated too when kubectl is installed;
- the image's start command, parsed from the rendered Dockerfile (CMD, ENV, the `uv sync` line),
  run on the host in the project's own environment: it serves /health and /docs, and the
  Dockerfile's HEALTHCHECK command succeeds against it.

No Docker engine is needed and no image is built.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jinja2
import pytest
import yaml

from tests.support.checkers import check_tool, tool
from tests.support.projects import TEMPLATES, http_get, render, render_once, run, serving

pytestmark = pytest.mark.slow

FRAMEWORKS = ("fastapi", "flask")

# Each combination changes what the deployment files contain.
COMBINATIONS: dict[str, dict[str, Any]] = {
    # Everything, PostgreSQL, JWT auth, WebSocket rooms (Secret with three keys, a Redis service),
    # GitHub Actions.
    "postgres-github": {
        "database": "postgres",
        "auth": "jwt",
        "websockets": True,
        "docker": True,
        "compose": True,
        "kubernetes": True,
        "ci": "github",
    },
    # SQLite: a data volume, one replica with a PVC and no autoscaler; GitLab CI.
    "sqlite-gitlab": {
        "database": "sqlite",
        "docker": True,
        "compose": True,
        "kubernetes": True,
        "ci": "gitlab",
    },
    # No database, no compose, an awkward project name (slug for images and k8s objects);
    # HTML pages (Flask then needs SECRET_KEY, FastAPI does not).
    "nodb-oddname": {
        "project_name": "My_Svc-",
        "html_pages": True,
        "database": "none",
        "docker": True,
        "compose": False,
        "kubernetes": True,
        "ci": "github",
    },
    # PostgreSQL with GitLab CI and a Dockerfile only.
    "postgres-gitlab-dockeronly": {
        "database": "postgres",
        "docker": True,
        "compose": False,
        "kubernetes": False,
        "ci": "gitlab",
    },
    # Kubernetes without Docker: no Dockerfile, so the README must not tell the user to build one.
    "k8s-nodocker": {
        "database": "sqlite",
        "docker": False,
        "kubernetes": True,
        "ci": "none",
    },
    # Nothing to deploy: no deployment file at all.
    "nothing": {"docker": False, "kubernetes": False, "ci": "none"},
    # The ML shape (issue 10): readiness on the warm-up (HEALTHCHECK too), workers from
    # concurrency, memory sized per worker; GitHub Actions.
    "ml": {
        "purpose": "ml-serving",
        "concurrency": "high",
        "docker": True,
        "compose": True,
        "kubernetes": True,
        "ci": "github",
    },
}

DEPLOY_PATHS = (
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    "k8s",
    ".github",
    ".gitlab-ci.yml",
)


def answers_for(framework: str, combination: str) -> dict[str, Any]:
    return {"framework": framework, **COMBINATIONS[combination]}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Render each (framework, combination) once per worker; tests must not modify the result."""

    def get(framework: str, combination: str) -> Path:
        return render_once(
            tmp_path_factory, framework, f"deploy-{combination}", COMBINATIONS[combination]
        )

    yield get


# Questions a shape hides are not recorded; Copier rendered them with these defaults (the ML
# shape, issue 10, offers no database or auth).
HIDDEN_DEFAULTS = {"database": "none", "auth": "none"}


def recorded_answers(project: Path) -> dict[str, Any]:
    """The project's answers file, plus the values Copier used for questions it did not ask."""
    return {**HIDDEN_DEFAULTS, **yaml.safe_load((project / ".copier-answers.yml").read_text())}


def slug(project_name: str) -> str:
    """What the templates use for image names and Kubernetes objects."""
    return project_name.lower().replace("_", "-")[:40].strip("-")


def all_params() -> list[Any]:
    return [
        pytest.param(fw, combo, id=f"{fw}-{combo}") for fw in FRAMEWORKS for combo in COMBINATIONS
    ]


# ---------------------------------------------------------------- which files exist


@pytest.mark.parametrize(("framework", "combination"), all_params())
def test_deploy_files_follow_the_answers(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    a = COMBINATIONS[combination]
    # The default database; the ML shape has none (issue 10).
    db = a.get("database", "none" if a.get("purpose") == "ml-serving" else "sqlite")
    expected = {
        "Dockerfile": a["docker"],
        ".dockerignore": a["docker"],
        "compose.yaml": a["docker"] and a.get("compose", True),
        "k8s/kustomization.yaml": a["kubernetes"],
        "k8s/deployment.yaml": a["kubernetes"],
        "k8s/service.yaml": a["kubernetes"],
        "k8s/configmap.yaml": a["kubernetes"],
        # An autoscaler unless one pod must hold the state (SQLite file, in-memory items); the
        # ML shape keeps only its read-only model in memory, so it scales.
        "k8s/hpa.yaml": a["kubernetes"] and (db == "postgres" or a.get("purpose") == "ml-serving"),
        "k8s/pvc.yaml": a["kubernetes"] and db == "sqlite",
        ".github/workflows/ci.yml": a["ci"] == "github",
        ".github/workflows/template-update.yml": a["ci"] == "github",
        ".github/dependabot.yml": a["ci"] == "github",
        ".github/pyapi-scaffold/requirements.txt": a["ci"] == "github",
        ".gitlab-ci.yml": a["ci"] == "gitlab",
        ".gitlab/renovate.json": a["ci"] == "gitlab",
        ".gitlab/pyapi-scaffold/requirements.txt": a["ci"] == "gitlab",
    }
    actual = {path: (project / path).is_file() for path in expected}
    assert actual == expected
    # No empty leftovers (a folder whose templated name rendered empty, an empty file).
    for name in DEPLOY_PATHS:
        path = project / name
        if path.is_dir():
            assert any(path.rglob("*.y*ml")), f"{name}/ is empty"
        elif path.exists():
            assert path.read_text().strip(), f"{name} is empty"


# ---------------------------------------------------------------- Dockerfile


def docker_params() -> list[Any]:
    return [p for p in all_params() if COMBINATIONS[p.values[1]]["docker"]]


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, rest = current.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        current = ""
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (kw, _) in enumerate(instructions) if kw == "FROM"]
    return instructions[starts[-1] :]


def parse_env(args: str) -> dict[str, str]:
    """`ENV A=1 B="x y"` (the key=value form) -> {"A": "1", "B": "x y"}."""
    env: dict[str, str] = {}
    for item in shlex.split(args):
        key, sep, value = item.partition("=")
        assert sep, f"ENV must use the KEY=value form: {args}"
        env[key] = value
    return env


@pytest.mark.parametrize(("framework", "combination"), docker_params())
def test_dockerfile_is_hadolint_clean(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    # The strictest threshold: not even a style note.
    check_tool("hadolint", "--failure-threshold", "style", "Dockerfile", cwd=project)


@pytest.mark.parametrize(("framework", "combination"), docker_params())
def test_dockerfile_contract(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    answers = recorded_answers(project)
    instructions = parse_dockerfile((project / "Dockerfile").read_text())
    froms = [args for kw, args in instructions if kw == "FROM"]
    assert len(froms) >= 2, "multi-stage build"
    assert all(f.startswith(f"python:{answers['python_version']}-slim") for f in froms)
    runs = " ".join(args for kw, args in instructions if kw == "RUN")
    assert "uv sync --locked --no-dev" in runs
    # Podman/buildah 4.x reject relative mount targets (buildah #4309); absolute ones always work.
    targets = re.findall(r"--mount=type=\w+,[^\s]*?target=([^,\s]+)", runs)
    assert targets and all(t.startswith("/") for t in targets), targets
    assert any(
        re.match(r"--from=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+ ", args)
        for kw, args in instructions
        if kw == "COPY"
    ), "uv image pinned to an exact version"
    builder_env: dict[str, str] = {}
    for kw, args in instructions[: [kw for kw, _ in instructions].index("FROM", 1)]:
        if kw == "ENV":
            builder_env.update(parse_env(args))
    assert builder_env.get("UV_COMPILE_BYTECODE") == "1"

    stage = final_stage(instructions)
    env: dict[str, str] = {}
    for kw, args in stage:
        if kw == "ENV":
            env.update(parse_env(args))
    assert env["HOST"] == "0.0.0.0"
    assert env["APP_ENV"] == "production"
    assert "WEB_CONCURRENCY" in env
    # Nothing secret in the image.
    assert not {"SECRET_KEY", "POSTGRES_PASSWORD"} & env.keys()
    if answers["database"] == "postgres":
        assert "DATABASE_URL" not in env, (
            "the PostgreSQL URL (with its password) is given at run time"
        )
    users = [args for kw, args in stage if kw == "USER"]
    assert users, "runs as a non-root user"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) > 0, "numeric, non-root UID (Kubernetes runAsNonRoot)"
    assert not gid or (gid.isdigit() and int(gid) > 0)
    healthchecks = [args for kw, args in stage if kw == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "/health" in healthchecks[0]
    cmd = [args for kw, args in stage if kw == "CMD"]
    assert json.loads(cmd[-1]) == ["python", "-m", answers["package_name"]], "exec-form CMD"


@pytest.mark.parametrize(("framework", "combination"), docker_params())
def test_dockerignore_keeps_secrets_and_local_state_out(
    rendered: Any, framework: str, combination: str
) -> None:
    project = rendered(framework, combination)
    patterns = {
        line.strip()
        for line in (project / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git"} <= patterns
    # What the build needs must not be ignored.
    assert not {"uv.lock", "pyproject.toml", "README.md", "src"} & patterns


# ---------------------------------------------------------------- compose


def compose_params() -> list[Any]:
    return [
        p
        for p in all_params()
        if COMBINATIONS[p.values[1]]["docker"] and COMBINATIONS[p.values[1]].get("compose", True)
    ]


def compose_env() -> dict[str, str]:
    """No APP_ENV / POSTGRES_PASSWORD / APP_PORT from our environment: the file's defaults apply."""
    skip = {"APP_ENV", "POSTGRES_PASSWORD", "APP_PORT", "DATABASE_URL", "COMPOSE_FILE"}
    return {k: v for k, v in os.environ.items() if k not in skip}


@pytest.mark.parametrize(("framework", "combination"), compose_params())
def test_compose_file_is_valid(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    check_tool(
        "check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml", cwd=project
    )
    proc = subprocess.run(
        [tool("docker-compose"), "config", "--format", "json"],
        cwd=project,
        env=compose_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    config = json.loads(proc.stdout)
    services = config["services"]
    answers = recorded_answers(project)
    app = services["app"]
    assert app["build"]["context"] == str(project)
    assert app["environment"]["HOST"] == "0.0.0.0"
    assert any(p["target"] == 8000 for p in app["ports"])
    # `.env` is optional (compose drops a missing optional env_file from the resolved config).
    raw_app = yaml.safe_load((project / "compose.yaml").read_text())["services"]["app"]
    assert {"path": ".env", "required": False} in raw_app["env_file"]
    database = answers["database"]
    if database == "postgres":
        db = services["db"]
        assert db["image"].startswith("postgres:16")
        assert "pg_isready" in " ".join(db["healthcheck"]["test"])
        assert any(v["type"] == "volume" for v in db["volumes"])
        assert app["depends_on"]["db"]["condition"] == "service_healthy"
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        url = app["environment"]["DATABASE_URL"]
        assert "@db:5432/" in url
        assert url.startswith(scheme_of_framework(framework, "postgres") + "://")
        assert_scheme_matches_settings(project, answers["package_name"], url)
    elif database == "sqlite":
        assert any(v["target"] == "/app/data" for v in app["volumes"])
        url = app["environment"]["DATABASE_URL"]
        assert url.startswith(scheme_of_framework(framework, "sqlite") + ":////app/data/")
        assert_scheme_matches_settings(project, answers["package_name"], url)
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    else:
        assert set(services) - {"redis"} == {"app"}
    if answers["websockets"]:
        # WebSocket rooms span the workers through Redis; the app waits until it answers.
        redis = services["redis"]
        assert "redis-cli" in " ".join(redis["healthcheck"]["test"])
        assert app["depends_on"]["redis"]["condition"] == "service_healthy"
        assert app["environment"]["REDIS_URL"].startswith("redis://redis:6379/")
    else:
        assert "redis" not in services and "REDIS_URL" not in app["environment"]


def needs_secret_key(answers: Mapping[str, Any]) -> bool:
    """The app refuses to start in production without SECRET_KEY in these combinations."""
    return bool(
        answers["auth"] != "none" or (answers["framework"] == "flask" and answers["html_pages"])
    )


def scheme_of_framework(framework: str, database: str) -> str:
    return {
        ("fastapi", "postgres"): "postgresql+asyncpg",
        ("flask", "postgres"): "postgresql+psycopg",
        ("fastapi", "sqlite"): "sqlite+aiosqlite",
        ("flask", "sqlite"): "sqlite",
    }[(framework, database)]


def assert_scheme_matches_settings(project: Path, package: str, url: str) -> None:
    """The URL's driver is the one the app's own settings default to (when the app code exists)."""
    settings = project / "src" / package / "settings.py"
    if not settings.exists():
        return
    match = re.search(r'database_url: str = "([a-z0-9+]+)://', settings.read_text())
    assert match, f"no database_url default in {settings}"
    assert url.startswith(match.group(1) + "://"), (url, match.group(1))


# ---------------------------------------------------------------- CI


@pytest.mark.parametrize(
    ("framework", "combination"),
    [p for p in all_params() if COMBINATIONS[p.values[1]]["ci"] == "github"],
)
def test_github_workflows_are_valid(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    workflows = project / ".github" / "workflows"
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        "ci.yml",
        "template-update.yml",
        cwd=workflows,
    )
    answers = recorded_answers(project)
    ci = yaml.safe_load((workflows / "ci.yml").read_text())
    steps = " ".join(str(s.get("run", "")) for s in ci["jobs"]["test"]["steps"])
    for command in (
        "uv sync --locked",
        "uv run ruff check .",
        "uv run ruff format --check .",
        "uv run mypy",
        "uv run pytest",
    ):
        assert command in steps
    if answers["database"] == "postgres":
        job = ci["jobs"]["test"]
        assert job["services"]["postgres"]["image"].startswith("postgres:")
        assert job["env"]["TEST_DATABASE_URL"].startswith(
            scheme_of_framework(framework, "postgres") + "://"
        )
    if answers["docker"]:
        docker_steps = " ".join(str(s.get("run", "")) for s in ci["jobs"]["docker"]["steps"])
        assert "docker build" in docker_steps and "docker push" not in docker_steps
    # `${{ }}` expressions survived Jinja.
    assert "${{ github.workflow }}" in (workflows / "ci.yml").read_text()

    update = yaml.safe_load((workflows / "template-update.yml").read_text())
    triggers = update[True]  # PyYAML reads the key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    update_steps = update["jobs"]["update"]["steps"]
    assert any("pyapi-scaffold update" in str(s.get("run", "")) for s in update_steps)
    # The pull request is opened by a separate job (tests/test_ci_security.py checks the design).
    pr_steps = update["jobs"]["pull-request"]["steps"]
    assert any("gh pr create" in str(s.get("run", "")) for s in pr_steps)


@pytest.mark.parametrize(
    ("framework", "combination"),
    [p for p in all_params() if COMBINATIONS[p.values[1]]["ci"] == "gitlab"],
)
def test_gitlab_ci_is_valid(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        ".gitlab-ci.yml",
        cwd=project,
    )
    answers = recorded_answers(project)
    ci = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    script = " ".join(ci["test"]["script"])
    for command in ("uv sync --locked", "ruff check .", "ruff format --check .", "mypy", "pytest"):
        assert command in script
    if answers["database"] == "postgres":
        assert any(s["name"].startswith("postgres:") for s in ci["test"]["services"])
        assert ci["test"]["variables"]["TEST_DATABASE_URL"].startswith(
            scheme_of_framework(framework, "postgres") + "://"
        )
    assert ("docker-build" in ci) == answers["docker"]
    update = ci["template-update"]
    assert any("schedule" in rule["if"] for rule in update["rules"])
    assert "pyapi-scaffold update" in " ".join(update["script"])
    # The merge request is opened by a separate job (tests/test_ci_security.py checks the design).
    assert any("merge_request.create" in line for line in ci["template-update-mr"]["script"])


# ---------------------------------------------------------------- Kubernetes


def k8s_params() -> list[Any]:
    return [p for p in all_params() if COMBINATIONS[p.values[1]]["kubernetes"]]


@pytest.mark.parametrize(("framework", "combination"), k8s_params())
def test_kubernetes_manifests_are_valid(
    rendered: Any, framework: str, combination: str, tmp_path: Path
) -> None:
    project = rendered(framework, combination)
    k8s = project / "k8s"
    manifests = sorted(p.name for p in k8s.glob("*.yaml") if p.name != "kustomization.yaml")
    check_tool("kubernetes-validate", "--strict", *manifests, cwd=k8s)
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == manifests, "kustomization lists every manifest"

    kubectl = shutil.which("kubectl")
    if kubectl:  # optional: the build itself (kubectl bundles Kustomize)
        proc = subprocess.run(
            [kubectl, "kustomize", str(k8s)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        built = tmp_path / "built.yaml"
        built.write_text(proc.stdout)
        check_tool("kubernetes-validate", "--strict", str(built), cwd=tmp_path)


@pytest.mark.parametrize(("framework", "combination"), k8s_params())
def test_kubernetes_manifests_contract(rendered: Any, framework: str, combination: str) -> None:
    project = rendered(framework, combination)
    k8s = project / "k8s"
    manifests = sorted(p.name for p in k8s.glob("*.yaml") if p.name != "kustomization.yaml")
    answers = recorded_answers(project)
    docs = {
        doc["kind"]: doc
        for name in manifests
        for doc in yaml.safe_load_all((k8s / name).read_text())
        if doc
    }
    name = slug(answers["project_name"])
    deployment = docs["Deployment"]
    assert deployment["metadata"]["name"] == name
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert isinstance(pod["securityContext"]["runAsUser"], int)
    (app,) = pod["containers"]
    sc = app["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 0
    assert app["livenessProbe"]["httpGet"]["path"] == "/health"
    assert app["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert {"cpu", "memory"} <= app["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= app["resources"]["limits"].keys()
    mounts = {m["mountPath"]: m["name"] for m in app["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    # The same image as the Dockerfile's user.
    if answers["docker"]:
        stage = final_stage(parse_dockerfile((project / "Dockerfile").read_text()))
        user = [args for kw, args in stage if kw == "USER"][-1]
        assert user.split(":")[0] == str(sc["runAsUser"])
    check_settings_and_storage(project, framework, answers, docs)


def check_settings_and_storage(
    project: Path, framework: str, answers: Mapping[str, Any], docs: Mapping[str, Any]
) -> None:
    name = slug(answers["project_name"])
    deployment = docs["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (app,) = pod["containers"]
    mounts = {m["mountPath"]: m["name"] for m in app["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    # Settings: ConfigMap for plain values, a Secret reference (never a Secret object).
    assert "Secret" not in docs
    config_name = docs["ConfigMap"]["metadata"]["name"]
    sources = app["envFrom"]
    assert {"configMapRef": {"name": config_name}} in sources
    # Secrets are files (checkov CKV_K8S_35): none in the environment; the Secret is mounted
    # read-only where the settings read files (pydantic-settings' secrets_dir).
    assert not [s for s in sources if "secretRef" in s]
    assert not [e for e in app.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    secret_mount = {"name": mounts["/run/secrets"], "mountPath": "/run/secrets", "readOnly": True}
    assert secret_mount in app["volumeMounts"]
    secret = volumes[mounts["/run/secrets"]]["secret"]
    assert secret["secretName"] == f"{name}-secrets"
    # Required exactly when the service cannot start without it (database URL, SECRET_KEY, and
    # REDIS_URL for WebSocket rooms across replicas).
    needs = answers["database"] == "postgres" or needs_secret_key(answers) or answers["websockets"]
    assert secret["optional"] is (not needs)
    assert secret["defaultMode"] == 0o440, "readable by root and the pod's fsGroup only"
    settings = project / "src" / answers["package_name"] / "settings.py"
    if settings.exists():  # the app's own settings agree (once the app code is merged)
        assert ("secret_key:" in settings.read_text()) == needs_secret_key(answers)
        assert 'SECRETS_DIR = Path("/run/secrets")' in settings.read_text()
    config = docs["ConfigMap"]["data"]
    assert config["HOST"] == "0.0.0.0" and config["APP_ENV"] == "production"
    if answers["database"] == "sqlite":
        assert "PersistentVolumeClaim" in docs and "HorizontalPodAutoscaler" not in docs
        assert deployment["spec"]["replicas"] == 1
        assert "persistentVolumeClaim" in volumes[mounts["/app/data"]]
        assert config["DATABASE_URL"].startswith(scheme_of_framework(framework, "sqlite") + ":")
    elif answers["database"] == "none" and answers.get("shape") != "ml":
        # In-memory items: one pod (a second would keep items of its own), no autoscaler.
        assert "HorizontalPodAutoscaler" not in docs and "PersistentVolumeClaim" not in docs
        assert deployment["spec"]["replicas"] == 1
    else:
        hpa = docs["HorizontalPodAutoscaler"]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] == name
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    if answers["database"] != "none":
        (migrate,) = pod["initContainers"]
        assert migrate["image"] == app["image"]
        assert migrate["securityContext"] == app["securityContext"]
    service = docs["Service"]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]


# ---------------------------------------------------------------- README section


def render_partial(**answers: Any) -> str:
    """Render the README's deployment partial the way Copier does (includes from the root)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("_shared/readme/deploy.md.jinja").render(**answers)


@pytest.mark.parametrize(("framework", "combination"), all_params())
def test_readme_deployment_section_matches_the_files(
    rendered: Any, framework: str, combination: str
) -> None:
    project = rendered(framework, combination)
    answers = recorded_answers(project)
    values = {
        "compose": False,
        **{k: v for k, v in answers.items() if not k.startswith("_")},
    }
    text = render_partial(**values)
    readme = (project / "README.md").read_text()
    if "## Deployment" in readme:  # once the framework READMEs include the partial
        assert text.strip() in readme
    assert text.startswith("## Deployment")
    assert f"python -m {answers['package_name']}" in text
    name = slug(answers["project_name"])
    assert ("docker build -t " in text) == answers["docker"]
    # Without a Dockerfile, the Kubernetes section says so and how to get an image.
    assert ("has no `Dockerfile`" in text) == (answers["kubernetes"] and not answers["docker"])
    assert ("docker compose up" in text) == (project / "compose.yaml").exists()
    assert ("kubectl apply -k k8s/" in text) == answers["kubernetes"]
    if answers["kubernetes"]:
        assert f"kubectl create secret generic {name}-secrets" in text
        assert ("--from-literal=REDIS_URL=" in text) == answers["websockets"]
        for manifest in (project / "k8s").glob("*.yaml"):
            assert f"`{manifest.name}`" in text
    assert (".github/workflows/ci.yml" in text) == (answers["ci"] == "github")
    assert ("template-update.yml" in text) == (answers["ci"] == "github")
    assert ("`.gitlab-ci.yml`" in text) == (answers["ci"] == "gitlab")


# ---------------------------------------------------------------- the image's start command


def host_env(env: Mapping[str, str], project: Path) -> dict[str, str]:
    """The Dockerfile's ENV with the image's /app mapped to the project directory."""

    def host(value: str) -> str:
        value = re.sub(r"(?<![\w.-])/app(?=/|$|:)", str(project), value)
        return value.replace("$PATH", os.environ["PATH"]).replace("${PATH}", os.environ["PATH"])

    return {k: host(v) for k, v in env.items()}


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, for the simple patterns our .dockerignore uses: a path is left out when it
    or one of its parent folders matches a pattern (`**/` matches any depth; `!` re-includes)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        candidates = [pat]
        if pat.startswith("**/"):
            candidates += [pat[3:], "*/" + pat[3:], "*/*/" + pat[3:], "*/*/*/" + pat[3:]]
        if any(
            fnmatch.fnmatchcase(prefix, c) and prefix.count("/") == c.count("/")
            for prefix in prefixes
            for c in candidates
        ):
            excluded = not negate
    return excluded


def copy_build_context(project: Path, dest: Path) -> None:
    """`COPY . /app`: the project minus what .dockerignore leaves out."""
    patterns = [
        line.strip()
        for line in (project / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if path.is_dir() or dockerignored(relative, patterns):
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def replay_build_stage(
    project: Path, app: Path, instructions: list[tuple[str, str]]
) -> dict[str, str]:
    """Run the build stage's uv steps with the project as build context and ``app`` as /app.

    RUN lines that call uv are executed (bind-mounted sources copied in first); `COPY . /app`
    copies the filtered context. Returns the stage's ENV.
    """
    end = [kw for kw, _ in instructions].index("FROM", 1)
    env: dict[str, str] = {}
    syncs = 0
    for kw, args in instructions[:end]:
        if kw == "ENV":
            env.update(parse_env(args))
        elif kw == "COPY" and args.split()[-2:] == [".", "/app"]:
            copy_build_context(project, app)
        elif kw == "RUN" and "uv " in args:
            for source in re.findall(r"--mount=type=bind,source=([^,\s]+)", args):
                shutil.copy2(project / source, app / source)
            command = re.sub(r"--mount=\S+\s*", "", args).strip()
            assert command.startswith("uv sync"), command
            run(app, *shlex.split(command), env=env).check()
            syncs += 1
    assert syncs == 2, "dependencies first (cached layer), then the project"
    return env


@dataclass(frozen=True)
class HostImage:
    """The image's runtime, replayed on the host: ``app`` stands in for its /app."""

    app: Path
    env: dict[str, str]  # the final stage's ENV, /app mapped to ``app``
    cmd: list[str]
    healthcheck: list[str]
    migrate: list[str] | None  # compose's `migrate` command (the k8s init container's too)


def build_on_host(project: Path, app: Path) -> HostImage:
    """Replay the Dockerfile's build into ``app`` and read its runtime from the final stage."""
    # The CLI runs `uv lock` after rendering; the Dockerfile needs the lock file.
    run(project, "uv", "lock", "--quiet").check()
    instructions = parse_dockerfile((project / "Dockerfile").read_text())
    app.mkdir()
    replay_build_stage(project, app, instructions)
    assert not (app / ".env").exists() and not (app / "tests").exists()

    stage = final_stage(instructions)
    image_env: dict[str, str] = {}
    for kw, args in stage:
        if kw == "ENV":
            image_env.update(parse_env(args))
        elif kw == "RUN":
            for directory in re.findall(r"mkdir -p (/app/\S+)", args):
                (app / directory.removeprefix("/app/")).mkdir(parents=True)
    healthcheck = [args for kw, args in stage if kw == "HEALTHCHECK"][-1]
    compose_file = project / "compose.yaml"
    services = yaml.safe_load(compose_file.read_text())["services"] if compose_file.exists() else {}
    return HostImage(
        app=app,
        env=host_env(image_env, app),
        cmd=json.loads([args for kw, args in stage if kw == "CMD"][-1]),
        healthcheck=json.loads(healthcheck.split(" CMD ", 1)[1]),
        migrate=services["migrate"]["command"] if "migrate" in services else None,
    )


def serve_and_probe(image: HostImage, env: Mapping[str, str]) -> None:
    """Start the image's CMD with ``env``; /health, /health/ready, /docs and HEALTHCHECK pass."""
    server_env = dict(env)
    server_env.pop("PORT")  # a free port instead of 8000 (`serving` picks it); HOST stays
    with serving(image.app, argv=image.cmd, env=server_env) as base:
        probe_service(
            image.app, base, {**server_env, "PORT": base.rsplit(":", 1)[1]}, image.healthcheck
        )


def probe_service(app: Path, base: str, env: Mapping[str, str], probe: list[str]) -> None:
    assert http_get(base + "/health").status == 200
    assert http_get(base + "/health/ready").status == 200
    docs = http_get(base + "/docs")
    assert docs.status == 200 and "swagger" in docs.body.lower()
    check = run(app, *probe, env=env, timeout=30)
    assert check.returncode == 0, check.output


def require_app_code(project: Path) -> None:
    answers = recorded_answers(project)
    if not (project / "src" / answers["package_name"] / "__main__.py").exists():
        pytest.skip("the app code (issues 2/3) is not in this branch yet")


@pytest.mark.parametrize(
    ("framework", "combination"),
    [pytest.param(fw, "sqlite-gitlab", id=f"{fw}-sqlite") for fw in FRAMEWORKS],
)
def test_image_start_command_serves_health_and_docs(
    framework: str, combination: str, tmp_path: Path
) -> None:
    """The image's own build, migration, CMD and HEALTHCHECK, replayed on the host (SQLite).

    `tmp_path/app` stands in for the image's /app: the build stage's `uv sync` lines run there
    against a copy of the context filtered by .dockerignore; the final stage's ENV is applied
    with /app mapped to that folder, so the SQLite file lands in the image's data directory.
    """
    project = render(tmp_path, **answers_for(framework, combination))
    require_app_code(project)
    image = build_on_host(project, tmp_path / "app")
    assert image.migrate is not None
    run(image.app, *image.migrate, env=image.env).check()
    assert (image.app / "data" / "app.db").exists(), "the migration used the image's DATABASE_URL"
    serve_and_probe(image, image.env)

    # As a Kubernetes pod runs it: the image's ENV overridden by the ConfigMap.
    configmap = yaml.safe_load((project / "k8s" / "configmap.yaml").read_text())
    serve_and_probe(image, {**image.env, **host_env(configmap["data"], image.app)})


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_compose_service_runs_on_postgresql(
    framework: str, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """The compose app service's settings (production, auth on, its DATABASE_URL driver, its
    REDIS_URL) with the database and Redis hosts swapped for the test servers: migrate, serve,
    probe."""
    project = render(tmp_path, **answers_for(framework, "postgres-github"))
    require_app_code(project)
    proc = subprocess.run(
        [tool("docker-compose"), "config", "--format", "json"],
        cwd=project,
        env=compose_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    service_env = dict(json.loads(proc.stdout)["services"]["app"]["environment"])
    compose_url = urlsplit(service_env["DATABASE_URL"])
    test_db = urlsplit(postgres_url)
    assert compose_url.hostname == "db"
    service_env["DATABASE_URL"] = urlunsplit(
        compose_url._replace(netloc=test_db.netloc, path=test_db.path)
    )
    assert urlsplit(service_env["REDIS_URL"]).hostname == "redis"
    service_env["REDIS_URL"] = redis_url
    service_env["SECRET_KEY"] = secrets.token_urlsafe(48)  # what .env provides
    image = build_on_host(project, tmp_path / "app")
    env = {**image.env, **host_env(service_env, image.app)}
    assert image.migrate is not None
    run(image.app, *image.migrate, env=env).check()
    serve_and_probe(image, env)
