"""Generated CI is supply-chain safe: no unpinned code runs with a write token (issue 16).

Checked offline, on every CI option set of both frameworks (the options that change the CI
files: GitHub / GitLab, with or without Docker and compose, PostgreSQL service or not):

- zizmor (GitHub Actions security auditor) with its strictest `auditor` persona: 0 findings, or a
  suppression justified inline next to it; actionlint clean, with shellcheck on every `run:`
  script (and shellcheck on every GitLab job script); check-jsonschema for workflows,
  Dependabot, GitLab CI and Renovate;
- every `uses:` is a 40-hex commit SHA with its release in a comment, and the pins live in one
  partial (templates/_shared/deploy/ci/_pins.jinja);
- the template update: the job that runs pyapi-scaffold can only read; the job that can write
  runs no third-party code; GitLab's token is scoped to an environment only that job uses;
- verify.py (what the update may install): a bad override is refused in one line before
  anything is installed, an unconfigured project does nothing, a real uv lock passes;
- our own release workflow: same checkers, same pins, trusted publishing, provenance.

Fast: rendering only, no `uv sync`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.checkers import check_tool, tool
from tests.support.projects import REPO_ROOT, TEMPLATES, render_once

FRAMEWORKS = ("fastapi", "flask")
# Every CI option set that changes what the CI files contain.
OPTION_SETS: dict[str, dict[str, Any]] = {
    "github-postgres-compose": {"ci": "github", "database": "postgres", "docker": True},
    "github-dockerfile-only": {"ci": "github", "docker": True, "compose": False},
    "github-nodocker-sqlite": {"ci": "github", "docker": False, "database": "sqlite"},
    "gitlab-postgres-compose": {"ci": "gitlab", "database": "postgres", "docker": True},
    "gitlab-nodocker-none": {"ci": "gitlab", "docker": False, "database": "none"},
}
PINS = TEMPLATES / "_shared" / "deploy" / "ci" / "_pins.jinja"
RELEASE = REPO_ROOT / ".github" / "workflows" / "release.yml"

# `uses: owner/repo[/path]@<40 hex> # vX[.Y[.Z]]`
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$", re.M)
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+(?:\.\d+){0,2}$")
FIRST_PARTY = ("actions/",)  # GitHub's own actions


def params(ci: str | None = None) -> list[Any]:
    return [
        pytest.param(fw, name, id=f"{fw}-{name}")
        for fw in FRAMEWORKS
        for name, options in OPTION_SETS.items()
        if ci is None or options["ci"] == ci
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Render each (framework, option set) once per worker; tests must not modify the result."""

    def get(framework: str, name: str) -> Path:
        return render_once(tmp_path_factory, framework, f"ci-{name}", OPTION_SETS[name])

    yield get


def workflows(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


# ---------------------------------------------------------------- offline checkers


def zizmor_clean(paths: list[Path], cwd: Path) -> None:
    """0 findings with the strictest persona; every suppression carries its reason inline."""
    rel = [str(p.relative_to(cwd)) for p in paths]
    output = check_tool("zizmor", "--offline", "--persona=auditor", "--no-progress", *rel, cwd=cwd)
    assert "No findings to report" in output, output
    for path in paths:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore[" in line:
                reason = " ".join(lines[max(0, number - 2) : number])
                assert "#" in reason and len(reason) > 40, f"{path}:{number + 1}: no reason given"


@pytest.mark.parametrize(("framework", "name"), params("github"))
def test_github_workflows_pass_zizmor_and_actionlint(
    project: Any, framework: str, name: str
) -> None:
    root = project(framework, name)
    files = workflows(root)
    assert [p.name for p in files] == ["ci.yml", "template-update.yml"]
    zizmor_clean(files, root)
    tool("shellcheck")  # actionlint runs it on every `run:` script when it is installed
    check_tool("actionlint", *(str(p.relative_to(root)) for p in files), cwd=root)
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        *map(str, files),
        cwd=root,
    )
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.dependabot",
        ".github/dependabot.yml",
        cwd=root,
    )


@pytest.mark.parametrize(("framework", "name"), params("gitlab"))
def test_gitlab_files_are_valid(project: Any, framework: str, name: str) -> None:
    root = project(framework, name)
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        ".gitlab-ci.yml",
        cwd=root,
    )
    check_tool(
        "check-jsonschema", "--builtin-schema", "vendor.renovate", ".gitlab/renovate.json", cwd=root
    )
    assert not (root / ".github").exists()
    # Every job's shell, as the runner joins it, through shellcheck (POSIX sh: the docker image
    # has no bash).
    ci = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    for job_id, job in ci.items():
        for key in ("before_script", "script"):
            if isinstance(job, dict) and key in job:
                script = "\n".join(job[key]) + "\n"
                proc = subprocess.run(
                    [tool("shellcheck"), "--shell=sh", "-"],
                    input=script, capture_output=True, text=True, timeout=60, check=False,
                )  # fmt: skip
                assert proc.returncode == 0, f"{job_id}.{key}:\n{proc.stdout}"


# ---------------------------------------------------------------- pins


def assert_uses_pinned(text: str, where: str) -> list[str]:
    refs = []
    for match in USES.finditer(text):
        ref, rest = match.group("ref"), match.group("rest")
        assert PINNED.match(ref), f"{where}: `{ref}` is not pinned by a 40-hex commit SHA"
        assert VERSION_COMMENT.match(rest), f"{where}: `{ref}` has no `# vX.Y.Z` comment"
        refs.append(f"{ref}{rest}")
    return refs


@pytest.mark.parametrize(("framework", "name"), params("github"))
def test_every_action_is_pinned_by_sha_from_the_one_partial(
    project: Any, framework: str, name: str
) -> None:
    root = project(framework, name)
    pins = PINS.read_text()
    for path in workflows(root):
        for ref in assert_uses_pinned(path.read_text(), path.name):
            assert ref.split(" #")[0] in pins, f"{path.name}: {ref} is not from _pins.jinja"
    # The templates never spell a `uses:` out: they all go through the partial.
    for template in TEMPLATES.rglob("*.jinja"):
        if template == PINS:
            continue
        for match in USES.finditer(template.read_text()):
            assert match.group("ref").startswith("{{"), f"{template}: {match.group(0).strip()}"


def test_release_workflow_pins_match_the_partial() -> None:
    pins = PINS.read_text()
    refs = assert_uses_pinned(RELEASE.read_text(), RELEASE.name)
    assert refs
    for ref in refs:
        action = ref.split("@")[0]
        if f"{action}@" in pins:  # an action the templates use too: the very same pin
            assert ref in pins, f"release.yml: {ref} differs from _pins.jinja"


@pytest.mark.parametrize(("framework", "name"), params("gitlab"))
def test_gitlab_images_are_exact_releases(project: Any, framework: str, name: str) -> None:
    ci = yaml.safe_load((project(framework, name) / ".gitlab-ci.yml").read_text())
    images: list[str] = []
    for job in ci.values():
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("image"), str):
            images.append(job["image"])
        for service in job.get("services", []):
            images.append(service if isinstance(service, str) else service["name"])
    assert images
    for image in images:
        # name:MAJOR.MINOR.PATCH[-variant] (PostgreSQL releases are MAJOR.MINOR): never a
        # floating major or minor, `latest` or no tag.
        exact = r"(postgres:\d+\.\d+|[a-z0-9./-]+:\d+\.\d+\.\d+)"
        assert re.fullmatch(exact + r"(-[a-z0-9.]+)*(@sha256:[0-9a-f]{64})?", image), image
    assert "include" not in ci, "components/includes must be pinned to exact versions"


# ---------------------------------------------------------------- the template update, GitHub


def job_permissions(job: dict[str, Any]) -> dict[str, str]:
    perms = job.get("permissions")
    assert isinstance(perms, dict), f"job without its own permissions: {job.get('name')}"
    return perms


@pytest.mark.parametrize(("framework", "name"), params("github"))
def test_github_permissions_are_minimal(project: Any, framework: str, name: str) -> None:
    root = project(framework, name)
    for path in workflows(root):
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {}, f"{path.name}: workflow-level permissions"
        for job_id, job in workflow["jobs"].items():
            perms = job_permissions(job)
            writes = {k for k, v in perms.items() if v == "write"}
            if (path.name, job_id) == ("template-update.yml", "pull-request"):
                assert writes == {"contents", "pull-requests"}
            else:
                assert perms == {"contents": "read"}, f"{path.name}:{job_id} {perms}"
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    # Nothing pushes with checkout's credentials (the pull-request job hands its
                    # token to one `git push` through the environment).
                    assert step["with"]["persist-credentials"] is False, f"{path.name}:{job_id}"


@pytest.mark.parametrize(("framework", "name"), params("github"))
def test_github_template_update_design(project: Any, framework: str, name: str) -> None:
    root = project(framework, name)
    workflow = yaml.safe_load((root / ".github/workflows/template-update.yml").read_text())
    triggers = workflow[True]  # PyYAML reads the key `on` as True
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    update, pr = workflow["jobs"]["update"], workflow["jobs"]["pull-request"]
    update_run = "\n".join(str(s.get("run", "")) for s in update["steps"])
    # The tool is installed only after verify.py, only from its output, only hash-verified.
    verify_at = update_run.index("verify.py")
    install_at = update_run.index('pip" install')
    assert verify_at < install_at
    assert "--require-hashes --only-binary :all:" in update_run
    assert "pyapi-scaffold update --yes" in update_run
    assert "vars.PYAPI_SCAFFOLD" in str(update["steps"])
    assert "GITHUB_STEP_SUMMARY" in update_run  # "not configured" is said in the summary
    assert "secrets." not in str(update) and "github.token" not in str(update)
    # The writing job: GitHub's own actions only, and no Python package is installed or run.
    assert pr["needs"] == "update"
    for step in pr["steps"]:
        if "uses" in step:
            assert step["uses"].startswith(FIRST_PARTY), step["uses"]
    pr_run = "\n".join(str(s.get("run", "")) for s in pr["steps"])
    commands = "\n".join(
        line for line in pr_run.splitlines() if not line.strip().startswith("echo")
    )
    for forbidden in ("pip", "uv ", "uvx", "pyapi-scaffold update", "python", "npm", "curl"):
        assert forbidden not in commands, forbidden
    assert "git apply --index --exclude='.github/workflows/*'" in pr_run
    assert "gh pr create" in pr_run
    # The token reaches git only through the environment, never a persisted file.
    assert "GIT_CONFIG_VALUE_0" in pr_run and "git config --global" not in pr_run


@pytest.mark.parametrize(("framework", "name"), params("github"))
def test_dependabot_covers_actions_uv_and_the_tool_lock(
    project: Any, framework: str, name: str
) -> None:
    root = project(framework, name)
    config = yaml.safe_load((root / ".github/dependabot.yml").read_text())
    updates = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    expected = {("github-actions", "/"), ("uv", "/"), ("pip", "/.github/pyapi-scaffold")}
    if OPTION_SETS[name]["docker"]:
        expected.add(("docker", "/"))
    assert updates == expected


# ---------------------------------------------------------------- the template update, GitLab


@pytest.mark.parametrize(("framework", "name"), params("gitlab"))
def test_gitlab_template_update_design(project: Any, framework: str, name: str) -> None:
    root = project(framework, name)
    text = (root / ".gitlab-ci.yml").read_text()
    ci = yaml.safe_load(text)
    update, mr = ci["template-update"], ci["template-update-mr"]
    script = "\n".join(update["script"])
    assert script.index("verify.py") < script.index("pip install")
    assert "--require-hashes --only-binary :all:" in script
    assert "pyapi-scaffold update --yes" in script
    assert update["artifacts"]["paths"] == ["template-update.patch"]
    # Only the MR job sees the token: it is scoped to an environment that no other job uses.
    assert mr["environment"] == {"name": "template-update", "action": "access"}
    assert [j for j, body in ci.items() if isinstance(body, dict) and "environment" in body] == [
        "template-update-mr"
    ]
    assert "TEMPLATE_UPDATE_TOKEN" not in str(update) and "TEMPLATE_UPDATE_TOKEN" in str(mr)
    assert "PYAPI_SCAFFOLD" not in ci.get("variables", {})
    mr_script = "\n".join(mr["script"])
    for forbidden in ("pip", "uv ", "uvx", "pyapi-scaffold update", "python"):
        assert forbidden not in mr_script, forbidden
    assert "-o ci.skip" in mr_script and "merge_request.create" in mr_script
    assert mr["needs"] == [{"job": "template-update", "artifacts": True}]
    renovate = (root / ".gitlab/renovate.json").read_text()
    assert ".gitlab/pyapi-scaffold/requirements" in renovate.replace("\\\\", "")


# ---------------------------------------------------------------- verify.py


def run_verify(project: Path, ci_dir: str, override: str | None, tmp: Path) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYAPI_SCAFFOLD"}
    if override is not None:
        env["PYAPI_SCAFFOLD"] = override
    out = tmp / "verified.txt"
    out.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, f"{ci_dir}/pyapi-scaffold/verify.py", str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr, out.read_text() if out.exists() else ""


HASH = "--hash=sha256:" + "0123456789abcdef" * 4
BAD_OVERRIDES = {
    "bare name": "pyapi-scaffold",
    "range": "pyapi-scaffold>=0.2",
    "wildcard": f"pyapi-scaffold==0.* {HASH}",
    "no hash": "pyapi-scaffold==0.2.0",
    "short hash": "pyapi-scaffold==0.2.0 --hash=sha256:abc",
    "md5": "pyapi-scaffold==0.2.0 --hash=md5:" + "0" * 32,
    "http wheel": f"pyapi-scaffold @ http://example.com/pyapi_scaffold-0.2.0.whl {HASH}",
    "git url": f"pyapi-scaffold @ git+https://example.com/x.git {HASH}",
    "editable": "-e .",
    "include": "-r other.txt",
    "trusted host": f"--trusted-host example.com\npyapi-scaffold==0.2.0 {HASH}",
    "http index": f"--index-url http://example.com/simple\npyapi-scaffold==0.2.0 {HASH}",
    "other package": f"copier==9.4.1 {HASH}",
    "one unpinned dependency": f"pyapi-scaffold==0.2.0 {HASH}\ncopier>=9",
}
# What `uv pip compile --universal --generate-hashes --emit-index-url` writes (shortened).
UV_LOCK = f"""\
# This file was autogenerated by uv via the following command:
#    uv pip compile .github/pyapi-scaffold/requirements.in --universal --generate-hashes
--index-url https://pypi.example.com/simple

copier==9.4.1 \\
    {HASH} \\
    {HASH.replace("0", "f")}
    # via pyapi-scaffold
pyapi-scaffold @ https://files.example.com/pyapi_scaffold-0.2.0-py3-none-any.whl#sha256=ab \\
    {HASH}
    # via -r .github/pyapi-scaffold/requirements.in
colorama==0.4.6 ; sys_platform == 'win32' \\
    {HASH}
"""


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_verify_refuses_unpinned_sources_in_one_line(project: Any, ci: str, tmp_path: Path) -> None:
    name = next(n for n, o in OPTION_SETS.items() if o["ci"] == ci)
    root = project("fastapi", name)
    ci_dir = f".{ci}"
    # Not configured (the generated lock pins nothing): says so, installs nothing, succeeds.
    code, output, written = run_verify(root, ci_dir, None, tmp_path)
    assert (code, written) == (3, "")
    assert f"No trusted pyapi-scaffold source: {ci_dir}/pyapi-scaffold/requirements.txt" in output
    for label, value in BAD_OVERRIDES.items():
        code, output, written = run_verify(root, ci_dir, value, tmp_path)
        assert code == 2, f"{label}: exit {code}: {output}"
        assert written == "", label
        lines = output.strip().splitlines()
        assert len(lines) == 1 and len(lines[0]) <= 200, f"{label}: {output!r}"
        assert lines[0].startswith("error: PYAPI_SCAFFOLD") and "Traceback" not in output
    code, output, written = run_verify(root, ci_dir, UV_LOCK, tmp_path)
    assert code == 0, output
    assert written.strip() == UV_LOCK.strip()
    assert "3 hash-pinned requirements" in output
    # The same rules apply to the committed file.
    lock = root / ci_dir / "pyapi-scaffold" / "requirements.txt"
    original = lock.read_text()
    try:
        lock.write_text("pyapi-scaffold\n")
        code, output, _ = run_verify(root, ci_dir, None, tmp_path)
        assert code == 2 and f"error: {ci_dir}/pyapi-scaffold/requirements.txt, line 1" in output
    finally:
        lock.write_text(original)


@pytest.mark.parametrize(("framework", "name"), params())
def test_update_sources_are_documented(project: Any, framework: str, name: str) -> None:
    root = project(framework, name)
    ci = OPTION_SETS[name]["ci"]
    readme = (root / "README.md").read_text()
    assert "### Template updates" in readme
    for phrase in ("--require-hashes", "PYAPI_SCAFFOLD", "requirements.in", "uv pip compile"):
        assert phrase in readme, phrase
    source = (root / f".{ci}/pyapi-scaffold/requirements.in").read_text()
    # Three ways to point the update at a trusted source, all commented out by default.
    assert source.count("# pyapi-scaffold") == 3 and "# --index-url https://" in source
    assert all(line.startswith("#") or not line.strip() for line in source.splitlines())


# ---------------------------------------------------------------- our release workflow


def test_release_workflow_passes_the_same_checkers() -> None:
    zizmor_clean([RELEASE], REPO_ROOT)
    tool("shellcheck")
    check_tool("actionlint", str(RELEASE.relative_to(REPO_ROOT)), cwd=REPO_ROOT)
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        str(RELEASE),
        cwd=REPO_ROOT,
    )
    check_tool(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.dependabot",
        ".github/dependabot.yml",
        cwd=REPO_ROOT,
    )
    workflow = yaml.safe_load(RELEASE.read_text())
    assert workflow["permissions"] == {}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"id-token": "write", "attestations": "write"}
    assert publish["environment"]["name"] == "pypi"
    steps = " ".join(str(s) for s in publish["steps"])
    assert "actions/attest-build-provenance@" in steps and "subject-path" in steps
    assert "uv publish --trusted-publishing always" in steps
    assert "secrets." not in RELEASE.read_text()  # no stored token


# ---------------------------------------------------------------- the update steps, run for real


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A CI step's shell script, run as the runners do (GitHub: bash -eo pipefail)."""
    full_env = {k: v for k, v in os.environ.items() if k != "PYAPI_SCAFFOLD"} | env
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("override", [None, "pyapi-scaffold", "pyapi-scaffold>=0.2"])
def test_github_source_step_skips_or_stops_before_installing(
    project: Any, override: str | None, tmp_path: Path
) -> None:
    root = project("flask", "github-nodocker-sqlite")
    workflow = yaml.safe_load((root / ".github/workflows/template-update.yml").read_text())
    step = next(s for s in workflow["jobs"]["update"]["steps"] if s.get("id") == "source")
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "PYAPI_SCAFFOLD": override or "",  # an unset repository variable expands to ""
    }
    proc = run_script(step["run"], root, env)
    assert not (tmp_path / "pyapi-scaffold.txt").exists()
    if override is None:
        assert proc.returncode == 0, proc.stderr
        assert outputs.read_text() == "configured=false\n"
        assert "No trusted pyapi-scaffold source" in summary.read_text()
    else:
        assert proc.returncode == 2
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("::error title=Template update::error:")
        assert len(lines[0]) <= 240 and not outputs.exists()


@pytest.mark.parametrize("override", [None, "pyapi-scaffold"])
def test_gitlab_update_job_skips_or_stops_before_installing(
    project: Any, override: str | None, tmp_path: Path
) -> None:
    root = project("fastapi", "gitlab-nodocker-none")
    ci = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    # The runner joins the script items into one shell script; keep /tmp out of it.
    script = "\n".join(ci["template-update"]["script"]).replace("/tmp/", f"{tmp_path}/")
    proc = run_script(script, root, {"PYAPI_SCAFFOLD": override or ""})
    assert not (tmp_path / "pyapi-scaffold").exists(), "nothing may be installed"
    output = (proc.stdout + proc.stderr).strip()
    if override is None:
        assert proc.returncode == 0, output
        assert output.startswith("No trusted pyapi-scaffold source")
    else:
        assert proc.returncode == 2
        assert len(output.splitlines()) == 1 and output.startswith("error: PYAPI_SCAFFOLD")


def test_github_pull_request_job_commits_the_patch_but_not_workflow_files(
    project: Any, tmp_path: Path
) -> None:
    """The writing job's commit step, on a real patch: workflow changes are left for a person."""
    source = project("fastapi", "github-nodocker-sqlite")
    repo = tmp_path / "repo"
    shutil.copytree(source, repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "generated"], cwd=repo, check=True)
    # What the update job would hand over: a template change, a conflict and a workflow change.
    (repo / "README.md").write_text(
        "<<<<<<< before updating\nours\n=======\ntheirs\n>>>>>>> after\n"
    )
    ci_yml = repo / ".github/workflows/ci.yml"
    ci_yml.write_text(ci_yml.read_text() + "# changed by the template\n")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    patch_dir = tmp_path / "template-update"
    patch_dir.mkdir()
    diff = subprocess.run(
        ["git", "diff", "--cached", "--binary"], cwd=repo, capture_output=True, check=True
    )
    (patch_dir / "template-update.patch").write_bytes(diff.stdout)
    subprocess.run([*git, "reset", "-q", "--hard"], cwd=repo, check=True)

    workflow = yaml.safe_load((repo / ".github/workflows/template-update.yml").read_text())
    step = next(s for s in workflow["jobs"]["pull-request"]["steps"] if s.get("id") == "commit")
    outputs = tmp_path / "outputs"
    env = {
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_RUN_ID": "1",
    }
    proc = run_script(step["run"], repo, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs.read_text() == "committed=true\n"
    log = subprocess.run(
        ["git", "show", "--stat", "--format=%s", "HEAD"],
        cwd=repo, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert log.startswith("Update from the pyapi-scaffold template")
    assert "README.md" in log and "workflows" not in log
    assert (tmp_path / "workflows.txt").read_text() == ".github/workflows/ci.yml\n"
    branch = subprocess.run(
        ["git", "branch", "--show-current"], cwd=repo, capture_output=True, text=True, check=True
    )
    assert branch.stdout.strip() == "template-update"
