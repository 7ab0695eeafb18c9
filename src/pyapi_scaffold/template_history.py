"""The shipped history of released template versions, and how it is (re)built reproducibly.

Every released template version is one git commit holding exactly the tree of `templates/` at
release time, tagged with a lightweight tag `vX.Y.Z`; each release's commit has the previous one as
parent. Author, committer, dates and message are fixed by recorded inputs (the manifest), and git
runs with no user or system configuration, so rebuilding the history from the same trees gives the
same commit ids on every machine.

Two files ship inside the package (`pyapi_scaffold/_template_history/`):

- `releases.json`: the reviewable record, one entry per release: version, release date, the git
  tree id of `templates/` and the resulting commit id;
- `templates.bundle`: a git bundle holding those commits and tags (the trees' content).

`scripts/release.py` appends a release; `template_source.ensure_local_repo` fetches the bundle's
tags into a local repository Copier renders from.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

HISTORY_DIR = Path(__file__).resolve().parent / "_template_history"
MANIFEST_NAME = "releases.json"
BUNDLE_NAME = "templates.bundle"

AUTHOR_NAME = "pyapi-scaffold"
AUTHOR_EMAIL = "release@pyapi-scaffold.invalid"
MANIFEST_FORMAT = 1

_VERSION_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class HistoryError(Exception):
    """The shipped history is missing, inconsistent, or a git command failed."""


@dataclass(frozen=True)
class Release:
    """One released template version, as recorded in `releases.json`."""

    version: str
    date: str  # ISO 8601 UTC, seconds precision: 2026-11-22T06:30:00Z
    tree: str  # git tree id of templates/
    commit: str  # the commit built from (tree, parent, date, version)

    @property
    def tag(self) -> str:
        return tag_for(self.version)


@dataclass(frozen=True)
class History:
    """Where a history lives: the manifest and the bundle beside it."""

    directory: Path = HISTORY_DIR

    @property
    def manifest(self) -> Path:
        return self.directory / MANIFEST_NAME

    @property
    def bundle(self) -> Path:
        return self.directory / BUNDLE_NAME

    def releases(self) -> list[Release]:
        return load_manifest(self.manifest)

    def versions(self) -> list[str]:
        return [r.version for r in self.releases()]

    def find(self, version: str) -> Release | None:
        return next((r for r in self.releases() if r.version == version), None)


def tag_for(version: str) -> str:
    return f"v{version}"


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for the X.Y.Z versions we release (raises ValueError on anything else)."""
    match = _VERSION_RE.match(version)
    if not match:
        raise ValueError(f"not a release version (X.Y.Z): {version!r}")
    return tuple(int(part) for part in match.groups())


def is_release_version(version: str) -> bool:
    return bool(_VERSION_RE.match(version))


# ---------------------------------------------------------------- manifest


def load_manifest(path: Path) -> list[Release]:
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != MANIFEST_FORMAT:
        raise HistoryError(f"{path}: unknown manifest format {data.get('format')!r}")
    return [Release(**entry) for entry in data["releases"]]


def save_manifest(path: Path, releases: Sequence[Release]) -> None:
    data = {
        "format": MANIFEST_FORMAT,
        "comment": (
            "Released template versions. Written by scripts/release.py; the commits are rebuilt "
            "identically from (tree, date, version) - see pyapi_scaffold/template_history.py."
        ),
        "releases": [asdict(r) for r in releases],
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_date(iso: str) -> str:
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return f"{int(moment.timestamp())} +0000"


# ---------------------------------------------------------------- git plumbing


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment where no user/system git configuration can change what we build."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in {"GIT_EXEC_PATH"}
    }
    env.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    if extra:
        env.update(extra)
    return env


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """Run git with a clean configuration; return stdout stripped; HistoryError on failure."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=git_env(env),
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as exc:
        raise HistoryError("git is not installed (pyapi-scaffold needs git on PATH)") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise HistoryError(f"git {' '.join(args[:2])} failed: {detail[-1] if detail else '?'}")
    return proc.stdout.strip()


def init_repo(path: Path, *, bare: bool = False) -> None:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", *(["--bare"] if bare else []), str(path))


def tree_from_directory(repo: Path, directory: Path) -> str:
    """Write every file under `directory` (nothing ignored) as a tree object into `repo`."""
    with tempfile.TemporaryDirectory(prefix="pyapi-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": str(directory)}
        git_dir = git("rev-parse", "--absolute-git-dir", cwd=repo)
        env["GIT_DIR"] = git_dir
        git("add", "-A", "--force", ".", cwd=directory, env=env)
        return git("write-tree", cwd=directory, env=env)


def commit_message(version: str) -> str:
    return f"pyapi-scaffold template {tag_for(version)}"


def make_commit(repo: Path, tree: str, parent: str | None, version: str, date: str) -> str:
    """The release commit: identical id for identical (tree, parent, version, date)."""
    when = _git_date(date)
    env = {
        "GIT_AUTHOR_NAME": AUTHOR_NAME,
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": AUTHOR_NAME,
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_DATE": when,
    }
    args = ["commit-tree", tree, "-m", commit_message(version)]
    if parent:
        args[2:2] = ["-p", parent]
    return git(*args, cwd=repo, env=env)


def tags_in(repo: Path) -> dict[str, str]:
    """Tag name -> commit id for every tag of a repository (lightweight tags)."""
    out = git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/tags", cwd=repo)
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def fetch_bundle_tags(repo: Path, bundle: Path) -> None:
    """Union the bundle's tags into `repo` (ours win on a clash: ids are reproducible)."""
    git("fetch", "-q", "--no-write-fetch-head", str(bundle), "+refs/tags/*:refs/tags/*", cwd=repo)


def write_bundle(repo: Path, destination: Path) -> None:
    """Bundle every tag of `repo` into `destination` (replaced atomically)."""
    tmp = destination.with_suffix(".bundle.tmp")
    git("bundle", "create", "-q", str(tmp), "--tags", cwd=repo)
    tmp.replace(destination)


def build_chain(repo: Path, inputs: Iterable[tuple[str, str, str]]) -> list[Release]:
    """Build the release chain from (version, date, tree) triples whose trees exist in `repo`."""
    releases: list[Release] = []
    parent: str | None = None
    for version, date, tree in inputs:
        commit = make_commit(repo, tree, parent, version, date)
        git("update-ref", f"refs/tags/{tag_for(version)}", commit, cwd=repo)
        releases.append(Release(version=version, date=date, tree=tree, commit=commit))
        parent = commit
    return releases


def verify(history: History) -> list[Release]:
    """Check bundle and manifest agree and that the chain rebuilds to identical ids.

    Returns the releases. Raises HistoryError on any mismatch.
    """
    releases = history.releases()
    if not releases:
        if history.bundle.exists():
            raise HistoryError(f"{history.bundle} exists but {history.manifest} lists no release")
        return releases
    if not history.bundle.is_file():
        raise HistoryError(f"{history.manifest} lists releases but {history.bundle} is missing")
    with tempfile.TemporaryDirectory(prefix="pyapi-verify-") as tmp:
        repo = Path(tmp) / "repo"
        init_repo(repo, bare=True)
        fetch_bundle_tags(repo, history.bundle)
        shipped = tags_in(repo)
        expected = {r.tag: r.commit for r in releases}
        if shipped != expected:
            raise HistoryError(f"bundle tags {shipped} differ from the manifest {expected}")
        for release in releases:
            tree = git("rev-parse", f"{release.commit}^{{tree}}", cwd=repo)
            if tree != release.tree:
                raise HistoryError(f"{release.tag}: bundle tree {tree} != manifest {release.tree}")
        for tag in list(shipped):
            git("update-ref", "-d", f"refs/tags/{tag}", cwd=repo)
        rebuilt = build_chain(repo, ((r.version, r.date, r.tree) for r in releases))
        if rebuilt != releases:
            raise HistoryError("rebuilding the history gave different commit ids")
    return releases


def add_release(history: History, version: str, source: Path, date: str | None = None) -> Release:
    """Append `version` (the files under `source`) to the history; idempotent.

    Re-adding an already released version with the same tree is a no-op returning it; with a
    different tree it raises HistoryError (release a new version instead).
    """
    version_key(version)
    releases = verify(history)
    with tempfile.TemporaryDirectory(prefix="pyapi-release-") as tmp:
        repo = Path(tmp) / "repo"
        init_repo(repo, bare=True)
        tree = tree_from_directory(repo, source)
        existing = next((r for r in releases if r.version == version), None)
        if existing is not None:
            if existing.tree != tree:
                raise HistoryError(
                    f"{version} is already released with a different template "
                    f"(tree {existing.tree[:12]}, now {tree[:12]}); release a new version"
                )
            return existing
        if releases and version_key(version) <= version_key(releases[-1].version):
            raise HistoryError(
                f"{version} is not newer than the last release {releases[-1].version}"
            )
        if releases:
            fetch_bundle_tags(repo, history.bundle)
        parent = releases[-1].commit if releases else None
        when = date or utc_now()
        commit = make_commit(repo, tree, parent, version, when)
        git("update-ref", f"refs/tags/{tag_for(version)}", commit, cwd=repo)
        release = Release(version=version, date=when, tree=tree, commit=commit)
        history.directory.mkdir(parents=True, exist_ok=True)
        write_bundle(repo, history.bundle)
        save_manifest(history.manifest, [*releases, release])
    verify(history)
    return release


def build_history(
    history: History, snapshots: Sequence[tuple[str, Path]], date: str = "2026-01-01T00:00:00Z"
) -> list[Release]:
    """Create a fresh history from (version, directory) pairs (used by tests and benchmarks)."""
    if history.directory.exists():
        shutil.rmtree(history.directory)
    out: list[Release] = []
    for version, directory in snapshots:
        out.append(add_release(history, version, directory, date))
    return out
