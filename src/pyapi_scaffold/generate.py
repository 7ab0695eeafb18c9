"""`new`, step by step: render into a temporary folder, lock, commit, then move into place.

Nothing appears at the destination until everything that can fail has succeeded, so a bad answer,
a failed lock or Ctrl-C leaves the file system exactly as it was. The temporary folder sits beside
the destination, so the final move is a single atomic rename on the same file system.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pyapi_scaffold import __version__, signals
from pyapi_scaffold.errors import InterruptError, ReviewDeclinedError, ScaffoldError, UsageError
from pyapi_scaffold.render import render_project
from pyapi_scaffold.scratch import scratch_prefix, sweep_stale_scratch
from pyapi_scaffold.template_source import TemplateSource, template_source


@dataclass(frozen=True)
class NewRequest:
    """Everything `new` needs once the answers are known (or known to be asked by Copier)."""

    name: str
    output_dir: Path
    answers: Mapping[str, Any]
    user_defaults: Mapping[str, Any]
    ask: bool = False
    git: bool = True
    lock: bool = True
    install: bool = False
    dry_run: bool = False
    # Shown the recorded answers after rendering (in the scratch folder) and before anything
    # slow or visible happens; returns False to stop (issue 9: the interactive review screen).
    review: Callable[[Mapping[str, Any]], bool] | None = None


@dataclass(frozen=True)
class NewResult:
    """What was (or, in a dry run, would be) created."""

    path: Path
    answers: dict[str, Any]
    files: list[str]
    committed: bool = False
    locked: bool = False
    notes: list[str] = field(default_factory=list)
    installed: bool = False


def check_destination(name: str, output_dir: Path) -> Path:
    """The project's final path; refuse a non-empty destination or an unwritable parent."""
    dest = (output_dir / name).absolute()
    if dest.is_symlink():
        raise UsageError(f"{dest} is a symbolic link; choose another name or --output-dir")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(
            f"{dest} already exists and is not empty; choose another name or --output-dir"
        )
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir} is a file, not a directory")
    anchor = _nearest_existing(output_dir)
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write to {anchor}; choose a writable --output-dir")
    return dest


def _quiet(_: str) -> None:
    """The default progress reporter: say nothing."""


def create_project(
    request: NewRequest,
    source: TemplateSource | None = None,
    progress: Callable[[str], None] = _quiet,
) -> NewResult:
    """Render, lock and commit in a scratch folder, then move the result to its destination.

    ``progress`` is told about each slow step before it starts (the CLI prints it on stderr).
    With ``install`` the environment is created after the move: the project is complete by then,
    so a failed `uv sync` is reported but leaves the project in place.
    """
    source = source or template_source(dry_run=request.dry_run)
    dest = check_destination(request.name, request.output_dir)
    if request.dry_run:
        with tempfile.TemporaryDirectory(prefix="pyapi-scaffold-dry-") as dry:
            staged = Path(dry) / request.name
            _render(source, staged, request)
            return NewResult(dest, _recorded_answers(staged), _list_files(staged))

    created_parents = _make_parents(request.output_dir)
    sweep_stale_scratch(request.output_dir)
    scratch: Path | None = None
    held: list[int] = []
    try:
        scratch = _make_scratch(request)
        staged = scratch / request.name
        _render(source, staged, request)
        _check_prompted_answers(staged)
        signals.checkpoint("new:rendered")
        if request.review is not None and not request.review(_recorded_answers(staged)):
            raise ReviewDeclinedError("cancelled at the review: nothing was written")
        notes: list[str] = []
        if request.lock:
            progress("locking dependencies (uv lock)")
        locked = request.lock and _uv_lock(staged, notes)
        signals.checkpoint("new:locked")
        committed = request.git and _git_commit(staged, request.answers, notes)
        signals.checkpoint("new:committed")
        result = NewResult(
            dest, _recorded_answers(staged), _list_files(staged), committed, locked, notes
        )
        # The commit point: once the rename is done the project is complete, so a signal now
        # waits until the scratch folder is gone, then is reported as what it is.
        with signals.deferred(reraise=False) as held:
            _move_into_place(staged, dest)
            signals.checkpoint("new:moved")
            shutil.rmtree(scratch, ignore_errors=True)
    except BaseException:
        with signals.deferred():
            for parent in created_parents:
                shutil.rmtree(parent, ignore_errors=True)
        raise
    finally:
        if scratch is not None:
            with signals.deferred():
                shutil.rmtree(scratch, ignore_errors=True)
    if held:
        raise InterruptError(
            f"interrupted, but only once {dest} was complete; it is kept as created",
            signals.exit_code(held[0]),
        )
    if request.install:
        progress("creating the environment (uv sync)")
        try:
            _uv_sync(dest)
        except KeyboardInterrupt as err:
            shutil.rmtree(dest / ".venv", ignore_errors=True)
            raise InterruptError(
                f"interrupted while creating the environment: the project {dest} is complete and "
                "kept; its partial .venv was removed (run `uv sync` there to create it)",
                signals.exit_code(err),
            ) from None
        result = dataclasses.replace(result, installed=True)
    return result


def _make_scratch(request: NewRequest) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=scratch_prefix(request.name), dir=request.output_dir))
    except OSError as err:
        raise UsageError(
            f"cannot create the project in {request.output_dir.absolute()}: "
            f"{err.strerror or err}; choose another --output-dir"
        ) from None


def _check_prompted_answers(project: Path) -> None:
    """Answers typed at Copier's prompts skipped our checks (e.g. a package name that shadows a
    dependency, which copier.yml cannot know); refuse them before anything is moved into place."""
    from pyapi_scaffold.names import check_answer  # noqa: PLC0415

    for key, value in _recorded_answers(project).items():
        problem = check_answer(key, value)
        if problem:
            raise UsageError(problem)


def _move_into_place(staged: Path, dest: Path) -> None:
    """One rename; if the destination appeared meanwhile (another run), say so in our words."""
    try:
        if dest.exists() and not dest.is_symlink():
            dest.rmdir()  # checked empty at the start; fails if something arrived since
        staged.rename(dest)
    except OSError as err:
        raise UsageError(
            f"{dest} appeared while the project was being made (another run?) and was left "
            f"as it is: {err.strerror or 'cannot replace it'}; nothing was written"
        ) from None


def _uv_sync(project: Path) -> None:
    problem = _run_uv(project, "sync")
    if problem == UV_MISSING:
        raise ScaffoldError(f"created {project}, but uv was not found: install uv, run `uv sync`")
    if problem:
        raise ScaffoldError(
            f"created {project}, but `uv sync` failed ({problem}); run it again there"
        )


def _render(source: TemplateSource, staged: Path, request: NewRequest) -> None:
    render_project(
        source, staged, request.answers, user_defaults=request.user_defaults, ask=request.ask
    )


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _make_parents(output_dir: Path) -> list[Path]:
    """Create a missing --output-dir; return the outermost folder created, for clean-up."""
    missing: list[Path] = []
    path = output_dir.absolute()
    while not path.exists():
        missing.append(path)
        path = path.parent
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create --output-dir {output_dir}: {err.strerror}") from None
    return missing[-1:]


def _recorded_answers(project: Path) -> dict[str, Any]:
    answers_file = project / ".copier-answers.yml"
    loaded = yaml.safe_load(answers_file.read_text(encoding="utf-8")) or {}
    return {k: v for k, v in loaded.items() if not str(k).startswith("_")}


def _list_files(project: Path) -> list[str]:
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    )


def uv_binary() -> str | None:
    """uv from our own dependency (the `uv` wheel ships it), else from PATH."""
    try:
        from uv import find_uv_bin  # noqa: PLC0415 (optional: only when the uv wheel is installed)

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def uv_command() -> str | None:
    """How to run uv on this machine, as a person would type it.

    `uv` when it is on PATH; otherwise the uv our own install ships (pipx and virtual
    environments do not put it on PATH), through the Python running us; None when neither exists.
    """
    if shutil.which("uv"):
        return "uv"
    try:
        from uv import find_uv_bin  # noqa: PLC0415

        find_uv_bin()
    except (ImportError, FileNotFoundError):
        return None
    return f"{shlex.quote(sys.executable)} -m uv"


UV_MISSING = "uv was not found"


def uv_lock(project: Path) -> str | None:
    """Run `uv lock` in ``project``; None when uv.lock was written, else why not (one line)."""
    return _run_uv(project, "lock")


def _run_uv(project: Path, command: str) -> str | None:
    """Run `uv <command> --quiet` in ``project``; None on success, else why not (one line)."""
    uv = uv_binary()
    if uv is None:
        return UV_MISSING
    proc = subprocess.run(
        [uv, command, "--quiet"],
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
    return None


def _uv_lock(project: Path, notes: list[str]) -> bool:
    problem = uv_lock(project)
    if problem == UV_MISSING:
        notes.append("uv was not found, so no uv.lock was written: install uv and run `uv lock`")
        return False
    if problem:
        raise ScaffoldError(
            f"`uv lock` failed ({problem}); rerun with --no-lock to skip it (e.g. offline)"
        )
    return True


def _git_commit(project: Path, answers: Mapping[str, Any], notes: list[str]) -> bool:
    git = shutil.which("git")
    if git is None:
        notes.append("git was not found, so the project is not a repository yet: run `git init`")
        return False
    identity: list[str] = []
    if not _git_config(git, "user.email"):
        name = str(answers.get("author_name") or "pyapi-scaffold")
        email = str(answers.get("author_email") or "pyapi-scaffold@localhost")
        identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    for argv in (
        [git, "init", "-q", "-b", "main"],
        [git, "add", "-A"],
        [
            git,
            *identity,
            "commit",
            "-q",
            "--no-verify",
            "-m",
            f"Initial commit from pyapi-scaffold {__version__}",
        ],
    ):
        proc = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ScaffoldError(f"`git {argv[1]}` failed: {proc.stderr.strip() or proc.stdout}")
    return True


def _git_config(git: str, key: str) -> str:
    proc = subprocess.run([git, "config", key], capture_output=True, text=True, check=False)
    return proc.stdout.strip()
