"""Scratch space that never outlives a run: the means by which nothing is ever left half done.

- `new` renders into `.NAME.pyapi-<pid>-…` beside the destination and moves it into place in one
  rename; `update` runs in a scratch git worktree and copies the result into the project at the
  end, signals held (`apply_scratch`); Copier runs with a private TMPDIR (`private_tempdir`).
- Each of these is removed on the way out, whatever happened (SIGTERM included: see `signals`).
- Names carry the process id, so a later run sweeps the leftovers of one killed outright (SIGKILL,
  power loss) and never touches a live run's folders or anyone else's files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pyapi_scaffold import signals
from pyapi_scaffold.errors import ScaffoldError


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)


# Our scratch folders are named after the process that made them, so a later run can tell the
# leftovers of a run that was killed outright (SIGKILL, power loss) from those of a live one.
_SCRATCH = re.compile(r"\..+\.pyapi-(\d+)-[^/]*")


def scratch_prefix(name: str) -> str:
    return f".{name}.pyapi-{os.getpid()}-"


def sweep_stale_scratch(folder: Path) -> None:
    """Remove scratch folders of ours whose process is gone (never another tool's files)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        match = _SCRATCH.fullmatch(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not process_alive(int(match[1])):
            shutil.rmtree(entry, ignore_errors=True)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


_PRIVATE_TMP = re.compile(r"pyapi-scaffold-tmp-(\d+)-[^/]*")


@contextlib.contextmanager
def private_tempdir() -> Iterator[Path]:
    """Point `tempfile` (and git's TMPDIR) at a folder of ours for the block; remove it after."""
    base = Path(tempfile.gettempdir())
    _sweep_private(base)
    private = Path(tempfile.mkdtemp(prefix=f"pyapi-scaffold-tmp-{os.getpid()}-", dir=base))
    saved_dir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(private)
    os.environ["TMPDIR"] = str(private)
    try:
        yield private
    finally:
        with signals.deferred():
            tempfile.tempdir = saved_dir
            if saved_env is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = saved_env
            shutil.rmtree(private, ignore_errors=True)


def _sweep_private(base: Path) -> None:
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            match = _PRIVATE_TMP.fullmatch(entry.name)
            if match and not entry.is_symlink() and not process_alive(int(match[1])):
                shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def scratch_copy(top: Path, *, worktree: bool) -> Iterator[Path]:
    """A throw-away copy of the repository at HEAD to run the update in.

    A real update uses a `git worktree` (it shares the object store, so the index Copier leaves,
    with its conflict stages, is valid in the project too); a dry run uses a clone, leaving the
    project's repository untouched. Either is removed on the way out, whatever happened.
    """
    tmp = Path(tempfile.mkdtemp(prefix="pyapi-update-"))
    tree = tmp / "project"
    quiet_hooks = ("-c", f"core.hooksPath={os.devnull}")
    try:
        if worktree:
            made = _git(top, *quiet_hooks, "worktree", "add", "-q", "--detach", str(tree), "HEAD")
        else:
            made = _git(tmp, "clone", "-q", "--no-hardlinks", str(top), str(tree))
        if made.returncode != 0:
            detail = " ".join(made.stderr.split())[:150]
            raise ScaffoldError(f"cannot make a scratch copy of the project: {detail}")
        yield tree
    finally:
        with signals.deferred():
            if worktree:
                _git(top, "worktree", "remove", "--force", str(tree))
            shutil.rmtree(tmp, ignore_errors=True)
            if worktree:
                _git(top, "worktree", "prune")


def _status_paths(repo: Path) -> list[str]:
    """Every path `git status` reports in ``repo`` (both sides of a rename), repo-relative."""
    status = _git(repo, "status", "--porcelain", "-z", "--untracked-files=all")
    paths: list[str] = []
    entries = iter(status.stdout.split("\0"))
    for entry in entries:
        if not entry:
            continue
        paths.append(entry[3:])
        if "R" in entry[:2] or "C" in entry[:2]:
            source = next(entries, None)
            if source:
                paths.append(source)
    return list(dict.fromkeys(paths))


def _git_index(repo: Path) -> Path:
    out = _git(repo, "rev-parse", "--path-format=absolute", "--git-path", "index").stdout
    return Path(out.strip())


def apply_scratch(scratch: Path, top: Path) -> list[int]:
    """Make the project's files and git index what the update left in the scratch worktree.

    Signals are held meanwhile: copying a few dozen files takes milliseconds, and an update that
    is half applied is the one outcome that must not happen. Returns the signals held.
    """
    paths = _status_paths(scratch)
    index = _git_index(scratch)
    with signals.deferred(reraise=False) as held:
        for count, rel in enumerate(paths):
            if count == len(paths) // 2:
                signals.checkpoint("update:applying")
            src, dst = scratch / rel, top / rel
            if dst.is_symlink() or dst.is_file():
                dst.unlink()
            if src.is_symlink() or src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst, follow_symlinks=False)
            else:
                _remove_empty_parents(dst.parent, top)
        target = _git_index(top)
        staged = target.with_name("index.pyapi-update")
        shutil.copyfile(index, staged)
        os.replace(staged, target)
    return held


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
