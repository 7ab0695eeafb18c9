"""Where Copier renders from, so that plain `copier update` works later, offline, on any machine.

Copier can only update a project whose recorded `_src_path` is a git repository that holds the
project's old template version, on every machine where someone runs `copier update`. So:

- the package ships every released template version as a git bundle (see `template_history`);
- on each run we fetch its tags into a local non-bare repository at `~/.pyapi-scaffold/template`
  (the union of every installed version's tags; cheap when nothing is new);
- Copier gets the home-relative string `~/.pyapi-scaffold/template` (kept literally in
  `.copier-answers.yml`, so it resolves for every user) and `vcs_ref = vX.Y.Z`, our own version.

A development checkout whose `templates/` differ from the release of its version (or with no
release yet) renders from the plain templates folder instead (no `_commit`: not updatable).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyapi_scaffold import __version__
from pyapi_scaffold import template_history as th
from pyapi_scaffold.errors import ScaffoldError

LOCAL_REPO_SPEC = "~/.pyapi-scaffold/template"


@dataclass(frozen=True)
class TemplateSource:
    """What to hand Copier: `src_path` (recorded as `_src_path`) and `vcs_ref` (None: plain dir)."""

    src_path: str
    vcs_ref: str | None
    version: str | None = None  # the released template version rendered, None in development

    @property
    def updatable(self) -> bool:
        return self.vcs_ref is not None


def local_repo_path() -> Path:
    """`~/.pyapi-scaffold/template`, expanded the way Copier expands it (HOME)."""
    return Path(os.path.expanduser(LOCAL_REPO_SPEC))


def templates_dir() -> Path:
    from pyapi_scaffold.resources import templates_dir as packaged  # noqa: PLC0415

    return packaged()


# Test and template-development hooks: a different history directory (releases.json + bundle)
# and the template version this install renders, as if it were that release of pyapi-scaffold.
HISTORY_ENV = "PYAPI_SCAFFOLD_HISTORY_DIR"
VERSION_ENV = "PYAPI_SCAFFOLD_TEMPLATE_VERSION"


def shipped_history() -> th.History:
    override = os.environ.get(HISTORY_ENV)
    return th.History(Path(override)) if override else th.History()


def tool_version() -> str:
    """The template version this install renders: its own version."""
    return os.environ.get(VERSION_ENV) or __version__


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise concurrent runs (parallel tests, two terminals) that refresh the local repo."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl  # noqa: PLC0415 - POSIX only
    except ImportError:  # pragma: no cover - Windows: best effort without a lock
        yield
        return
    with (directory / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _local_tags(repo: Path) -> dict[str, str]:
    if not (repo / ".git").is_dir():
        return {}
    try:
        return th.tags_in(repo)
    except th.HistoryError:
        return {}


def _fetch_into(repo: Path, history: th.History) -> None:
    if repo.exists() and not repo.is_dir():
        raise th.HistoryError(f"{repo} exists and is not a directory; remove it")
    if not (repo / ".git").is_dir():
        th.init_repo(repo)
    th.fetch_bundle_tags(repo, history.bundle)


def ensure_local_repo(history: th.History | None = None) -> Path:
    """Make `~/.pyapi-scaffold/template` hold every tag of `history` (rebuilding it if missing).

    Tags already there from other (newer) installs are kept. Returns the repository path.
    """
    history = history or shipped_history()
    releases = history.releases()
    repo = local_repo_path()
    wanted = {r.tag: r.commit for r in releases}
    if not releases:
        raise th.HistoryError("this pyapi-scaffold has no released template version")
    have = _local_tags(repo)
    if all(have.get(tag) == commit for tag, commit in wanted.items()):
        return repo
    with _locked(repo.parent):
        have = _local_tags(repo)
        if all(have.get(tag) == commit for tag, commit in wanted.items()):
            return repo
        try:
            _fetch_into(repo, history)
        except th.HistoryError:
            # A broken repository (interrupted first run, corrupted objects): start again. Tags
            # other installs had added come back the next time those installs run.
            shutil.rmtree(repo, ignore_errors=True)
            _fetch_into(repo, history)
        tags = th.tags_in(repo)
        newest = max(
            (t for t in tags if th.is_release_version(t[1:])), key=lambda t: th.version_key(t[1:])
        )
        th.git(
            "-c", "advice.detachedHead=false", "checkout", "-q", "-f", "--detach", newest, cwd=repo
        )
    return repo


def _dev_checkout_matches(version: str, history: th.History, templates: Path) -> bool:
    """In a source checkout: are the committed, clean templates/ exactly the release?"""
    release = history.find(version)
    if release is None:
        return False
    root = templates.parent
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "templates"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        head = subprocess.run(
            ["git", "rev-parse", "HEAD:templates"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return not status.strip() and head == release.tree


def _is_source_checkout(templates: Path) -> bool:
    root = templates.parent
    return (root / "pyproject.toml").is_file() and (root / ".git").exists()


def template_source(
    version: str | None = None, history: th.History | None = None, *, dry_run: bool = False
) -> TemplateSource:
    """The source `new` (and `update`) render from: the released version when there is one.

    A dry run renders straight from the shipped bundle (Copier accepts a git bundle as a source),
    so it writes nothing, not even `~/.pyapi-scaffold`.
    """
    overridden = history is not None or HISTORY_ENV in os.environ
    history = history or shipped_history()
    version = version or tool_version()
    templates = templates_dir()
    plain = TemplateSource(src_path=str(templates), vcs_ref=None)
    if os.environ.get("PYAPI_SCAFFOLD_DEV_TEMPLATES") == "1" or shutil.which("git") is None:
        return plain  # without git Copier cannot render a version (the project won't update)
    if history.find(version) is None:
        return plain
    if (
        not overridden
        and _is_source_checkout(templates)
        and not _dev_checkout_matches(version, history, templates)
    ):
        return plain
    if dry_run:
        return TemplateSource(str(history.bundle), th.tag_for(version), version=version)
    try:
        ensure_local_repo(history)
    except th.HistoryError as err:
        raise ScaffoldError(f"cannot prepare the local template source: {err}") from None
    return TemplateSource(src_path=LOCAL_REPO_SPEC, vcs_ref=th.tag_for(version), version=version)
