"""The README tells the truth: its commands run, its exit-code table holds, its samples match.

Every command line in the README's ```bash blocks is either run here (with this checkout's code)
or listed in NOT_RUN with the reason; a new command that is neither fails the test. The first
screen runs on the machine's PEP 668 ("externally managed") system Python with a fresh HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pyapi_scaffold import template_history as th
from pyapi_scaffold import template_source as ts
from pyapi_scaffold.signals import TEST_SIGNAL_ENV

from .support.projects import HOST_PYTHON, REPO_ROOT, TEMPLATES, project_env

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
SYSTEM_PYTHON = Path("/usr/bin/python3")
SCRATCH = re.compile(r"\.pyapi-\d+-|pyapi-scaffold-tmp-|pyapi-update-")

# Commands that are not run here, and why.
NOT_RUN = {
    "bash .ci/run": "runs this whole suite (CI runs it; it would recurse)",
    "python -m pytest": "runs this suite (recursion)",
    "python benchmarks/": "benchmarks take minutes and measure, they do not check",
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e": (
        "the development install; .ci/run takes the same path on every CI run"
    ),
}
FIRST_SCREEN = "python3 -m venv .venv && . .venv/bin/activate && pip install . &&"
# Blocks whose every line is run by a test below.
RUN_BLOCKS = (
    "Without a person at the keyboard",
    "Updates",
    "Growing a project: `add resource` / `remove resource`",
)


def bash_commands() -> list[tuple[str, str]]:
    """(section heading, command) for every command line of every ```bash block."""
    found: list[tuple[str, str]] = []
    heading = ""
    in_block = False
    for line in README.splitlines():
        if line.startswith("#") and not in_block:
            heading = line.lstrip("# ").strip()
        if line.startswith("```"):
            in_block = line.strip() == "```bash" and not in_block
            continue
        command = re.sub(r"\s+#.*$", "", line).strip()
        if in_block and command and not command.startswith("#"):
            found.append((heading, command))
    return found


def scaffold_env(home: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYAPI_SCAFFOLD_")}
    environ.update({"PYTHONPATH": str(REPO_ROOT / "src"), "HOME": str(home), **extra})
    environ.setdefault("UV_CACHE_DIR", _uv_cache())
    return environ


def _uv_cache() -> str:
    out = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or str(Path.home() / ".cache" / "uv")


def run_line(command: str, cwd: Path, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a README line with `pyapi-scaffold` meaning this checkout's code."""
    shell = command.replace("pyapi-scaffold ", f"{sys.executable} -m pyapi_scaffold ")
    return subprocess.run(
        ["bash", "-c", shell], cwd=cwd, env=environ, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_every_command_is_run_or_says_why_not() -> None:
    commands = bash_commands()
    assert commands
    for heading, command in commands:
        if command.startswith(FIRST_SCREEN) or heading in RUN_BLOCKS:
            continue
        assert any(command.startswith(prefix) for prefix in NOT_RUN), (heading, command)


# ---------------------------------------------------------------- the first screen


@pytest.mark.slow
def test_first_screen_works_on_an_externally_managed_system_python(tmp_path: Path) -> None:
    if not (SYSTEM_PYTHON.is_file() and list(Path("/usr/lib").glob("python3*/EXTERNALLY-MANAGED"))):
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's system python3 (PEP 668) for this test")
        pytest.skip("no externally-managed system Python here")
    first = next(c for _, c in bash_commands() if c.startswith(FIRST_SCREEN))
    repo = tmp_path / "repo"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT,
        capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for rel in filter(None, files):
        if (REPO_ROOT / rel).is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / rel, repo / rel)
    home = tmp_path / "home"
    home.mkdir()
    # A bare environment, keeping only how this machine reaches the network (proxies, CAs).
    network = {
        k: v for k, v in os.environ.items()
        if re.search(r"proxy|ssl|cert|ca_bundle|^pip_|^uv_(native|index|cache)", k, re.I)
    }  # fmt: skip
    environ = {
        **network, "PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
        "UV_CACHE_DIR": _uv_cache(), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }  # fmt: skip
    # The old instruction fails here: this really is an externally managed Python.
    plain = subprocess.run(
        ["bash", "-c", "python3 -m pip install ."], cwd=repo, env=environ,
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert plain.returncode != 0 and "externally-managed" in plain.stderr + plain.stdout
    proc = subprocess.run(
        ["bash", "-c", first], cwd=repo, env=environ, capture_output=True, text=True,
        check=False, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert (repo / "demo" / "uv.lock").is_file()
    # The printed next steps work as printed, in that same shell setup (uv comes with the tool).
    steps = printed_steps(proc.stdout)
    script = " && ".join(
        [". .venv/bin/activate"]
        + [s for s in steps if s.startswith("cd ") or s.endswith((" sync", " run pytest"))]
    )
    run = subprocess.run(
        ["bash", "-c", script], cwd=repo, env=environ, capture_output=True, text=True,
        check=False, timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def printed_steps(stdout: str) -> list[str]:
    lines = stdout.split("Next steps:", 1)[1].splitlines()
    return [re.sub(r"\s+#.*$", "", line).strip() for line in lines if line.startswith("  ")]


# ---------------------------------------------------------------- examples and samples


def block_after(heading: str) -> list[str]:
    return [c for h, c in bash_commands() if h == heading]


@pytest.mark.slow
def test_the_examples_without_a_person_at_the_keyboard_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    commands = block_after("Without a person at the keyboard")
    assert len(commands) >= 5
    for command in commands:
        proc = run_line(command, tmp_path, scaffold_env(home))
        assert proc.returncode == 0, (command, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert not (tmp_path / "svc3").exists()  # the dry run wrote nothing


def _history_env(tmp_path: Path, home: Path) -> tuple[dict[str, str], dict[str, str]]:
    history = th.History(tmp_path / "history")
    th.build_history(history, [("0.0.1", TEMPLATES), ("0.0.2", TEMPLATES)])
    base = {ts.HISTORY_ENV: str(history.directory)}
    old = scaffold_env(home, **base, **{ts.VERSION_ENV: "0.0.1"})
    new = scaffold_env(home, **base, **{ts.VERSION_ENV: "0.0.2"})
    return old, new


@pytest.mark.slow
def test_the_update_examples_run_in_a_generated_project(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    old, new = _history_env(tmp_path, home)
    made = run_line(f"pyapi-scaffold new demo --yes -d python_version={HOST_PYTHON}", tmp_path, old)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "demo"
    for command in block_after("Updates"):
        proc = run_line(command, project, new)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
        if command.strip() == "pyapi-scaffold update --check":
            assert "plain `copier update --defaults` works on this machine" in proc.stdout
        subprocess.run(["git", "add", "-A"], cwd=project, check=True)
        subprocess.run(
            ["git", "commit", "-qm", command, "--allow-empty"], cwd=project, check=True,
            env={**new, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                 "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"},
        )  # fmt: skip
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v0.0.2" and answers["auth"] == "jwt"


@pytest.mark.slow
def test_the_add_resource_examples_run_in_a_generated_project(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = scaffold_env(home)
    made = run_line(f"pyapi-scaffold new demo --yes -d python_version={HOST_PYTHON}", tmp_path, env)
    assert made.returncode == 0, made.stderr
    project = tmp_path / "demo"
    git_env = {**env, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    commands = block_after("Growing a project: `add resource` / `remove resource`")
    assert len(commands) == 4
    for command in commands:
        proc = run_line(command, project, env)
        assert proc.returncode == 0, (command, proc.stdout, proc.stderr)
        subprocess.run(["git", "add", "-A"], cwd=project, check=True)
        subprocess.run(
            ["git", "commit", "-qm", command, "--allow-empty"], cwd=project, check=True, env=git_env
        )
    resources = sorted(p.name for p in (project / "src/demo/resources").glob("*.py"))
    assert resources == ["__init__.py", "customer.py"]
    assert list((project / "migrations/versions").glob("*_drop_orders.py"))


def test_the_sample_recommendation_is_what_the_tool_prints(tmp_path: Path) -> None:
    sample = re.search(r"Recommended: \w+ +\(scores: [^)]*\)", README)
    assert sample is not None
    assert "JSON API" in README and "High (thousands, I/O-bound)" in README
    proc = run_line("pyapi-scaffold recommend --purpose api --concurrency high", tmp_path,
                    scaffold_env(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert re.sub(r" +", " ", sample.group()) in re.sub(r" +", " ", proc.stdout)


def test_the_sample_next_steps_are_what_the_tool_prints(tmp_path: Path) -> None:
    sample = README.split("Next steps:\n", 1)[1].split("```", 1)[0]
    expected = [line.strip() for line in sample.splitlines() if line.strip()]
    proc = run_line(
        "pyapi-scaffold new myservice --yes --purpose api --concurrency high --no-lock",
        tmp_path, scaffold_env(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.split("Next steps:\n", 1)[1]
    assert [line.strip() for line in printed.splitlines() if line.strip()] == expected


def test_next_steps_without_uv_on_path_use_the_bundled_uv(tmp_path: Path) -> None:
    bare = scaffold_env(tmp_path, PATH="/usr/bin:/bin")
    proc = run_line("pyapi-scaffold new svc --yes --no-lock --no-git", tmp_path, bare)
    assert proc.returncode == 0, proc.stderr
    steps = printed_steps(proc.stdout)
    assert f"{sys.executable} -m uv sync" in steps, steps
    assert not any(s.startswith("uv ") for s in steps)


@pytest.mark.parametrize(
    ("data", "expected", "absent"),
    [
        (["--framework", "flask", "--html-pages", "-d", "auth=session", "-d", "database=postgres"],
         ["docker run -d --name svc-db", "create-user admin", "/login", "/pages/items",
          "alembic upgrade head",
          "TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres uv run pytest"],
         ["\n  uv run pytest"]),
        (["-d", "database=none"], [], ["alembic", "create-user", "docker run"]),
        (["-d", "auth=jwt"], ["create-user admin", "alembic upgrade head"], ["docker run"]),
        # PostgreSQL tests need TEST_DATABASE_URL (a server they make their own database on).
        (["--framework", "fastapi", "-d", "database=postgres"],
         ["TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres uv run pytest"],
         ["\n  uv run pytest"]),
    ],
)  # fmt: skip
def test_next_steps_are_tailored(
    tmp_path: Path, data: list[str], expected: list[str], absent: list[str]
) -> None:
    proc = run_line(
        " ".join(["pyapi-scaffold new svc --yes --no-lock --no-git", *data]), tmp_path,
        scaffold_env(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    steps = proc.stdout.split("Next steps:", 1)[1]
    for text in expected:
        assert text in steps, (text, steps)
    for text in absent:
        assert text not in steps, (text, steps)
    assert "see README" not in steps and "already done" not in steps


def test_dry_run_writes_nothing_not_even_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    old, _ = _history_env(tmp_path, home)
    proc = run_line("pyapi-scaffold new svc --yes --dry-run", tmp_path / "home", old)
    assert proc.returncode == 0, proc.stderr
    assert "would create" in proc.stdout
    assert list(home.iterdir()) == []
    real = run_line("pyapi-scaffold new svc --yes --no-lock", tmp_path, old)
    assert real.returncode == 0, real.stderr
    assert (home / ".pyapi-scaffold" / "template").is_dir()  # the real run does need it


# ---------------------------------------------------------------- the exit-code table


def table_codes() -> dict[int, str]:
    section = README.split("### Errors", 1)[1].split("###", 1)[0]
    rows = re.findall(r"^\| (.+) \| (\d+) \|$", section, re.MULTILINE)
    return {int(code): text for text, code in rows}


def _new(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    # HOME is a folder of its own: the shared template source (~/.pyapi-scaffold, made whenever
    # this checkout's templates are a release) is not something a failed `new` leaves behind.
    return subprocess.run(
        [sys.executable, "-m", "pyapi_scaffold", "new", *args],
        cwd=tmp_path, env=scaffold_env(tmp_path / "home", **extra), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _one_line(proc: subprocess.CompletedProcess[str], code: int) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= 200, lines
    assert not SCRATCH.search(lines[0]), "our scratch paths are not the user's business"
    return lines[0]


def test_the_table_has_one_row_per_code() -> None:
    assert sorted(table_codes()) == [1, 2, 130, 143]


@pytest.mark.parametrize(
    "case",
    ["bad-name", "shadowing", "existing", "symlink", "unknown-key", "bad-file", "sys",
     "unknown-flag", "no-terminal"],
)  # fmt: skip
def test_user_side_problems_of_new_exit_2(tmp_path: Path, case: str) -> None:
    quick = ("--yes", "--no-lock")
    if case == "bad-name":
        proc = _new(tmp_path, "my service!", *quick)
    elif case == "shadowing":
        proc = _new(tmp_path, "yaml", *quick)
    elif case == "existing":
        (tmp_path / "svc").mkdir()
        (tmp_path / "svc" / "keep.txt").write_text("mine")
        proc = _new(tmp_path, "svc", *quick)
    elif case == "symlink":
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "svc").symlink_to(tmp_path / "elsewhere")
        proc = _new(tmp_path, "svc", *quick)
    elif case == "unknown-key":
        proc = _new(tmp_path, "svc", *quick, "-d", "colour=blue")
    elif case == "bad-file":
        (tmp_path / "a.yml").write_text("a: [\n")
        proc = _new(tmp_path, "svc", *quick, "--data-file", "a.yml")
    elif case == "sys":
        proc = _new(tmp_path, "svc", *quick, "-o", "/sys/kernel")
    elif case == "unknown-flag":
        proc = _new(tmp_path, "svc", "--bogus")
    else:
        proc = _new(tmp_path, "svc", "--no-lock")
    _one_line(proc, 2)


def test_the_losing_run_of_two_racing_news_exits_2(tmp_path: Path) -> None:
    for attempt in range(3):
        out = tmp_path / f"race{attempt}"
        out.mkdir()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "pyapi_scaffold", "new", "svc", "--yes", "--no-lock"],
                cwd=out,
                env=scaffold_env(tmp_path),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(p, *p.communicate(timeout=300)) for p in procs]
        codes = sorted(p.returncode for p, _, _ in results)
        assert codes == [0, 2], [(p.returncode, err) for p, _, err in results]
        loser = next(err for p, _, err in results if p.returncode == 2)
        assert loser.count("\n") == 1 and not SCRATCH.search(loser), loser
        assert sorted(p.name for p in out.iterdir()) == ["svc"]


def test_a_failed_step_exits_1(tmp_path: Path) -> None:
    from copier import run_copy

    project = tmp_path / "devproject"
    run_copy(str(TEMPLATES), project, data={"project_name": "demo"}, defaults=True, quiet=True)
    environ = project_env({"HOME": str(tmp_path)})
    for argv in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@e.x", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *argv], cwd=project, check=True, env=environ)  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "pyapi_scaffold", "update", str(project)],
        env=scaffold_env(tmp_path), capture_output=True, text=True, check=False,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    _one_line(proc, 1)


@pytest.mark.parametrize(("signame", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_interruptions_exit_128_plus_the_signal(tmp_path: Path, signame: str, code: int) -> None:
    proc = _new(
        tmp_path, "svc", "--yes", "--no-lock", **{TEST_SIGNAL_ENV: f"new:rendered:{signame}"}
    )
    _one_line(proc, code)
    assert code == 128 + getattr(signal, signame)
    assert list(p for p in tmp_path.iterdir() if p.name != "home") == []


@pytest.mark.slow
def test_printed_steps_with_the_bundled_uv_work_as_printed(tmp_path: Path) -> None:
    """No uv on PATH (e.g. after `pipx install`): the printed commands themselves still work."""
    bare = scaffold_env(tmp_path, PATH="/usr/bin:/bin")
    made = run_line(
        f"pyapi-scaffold new svc --yes -d database=none -d python_version={HOST_PYTHON}",
        tmp_path, bare,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    steps = printed_steps(made.stdout)
    wanted = [s for s in steps if s.startswith("cd ") or s.endswith((" sync", " run pytest"))]
    assert len(wanted) == 3 and "uv sync" not in wanted[1].split(" -m ")[0], wanted
    proc = run_line(" && ".join(wanted), tmp_path, bare)
    assert proc.returncode == 0, proc.stdout[-1500:] + proc.stderr[-1500:]
