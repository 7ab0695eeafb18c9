"""The shipped template history: reproducible ids, the release script, the local template source.

Fast: only git and the file system (no Copier render).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pyapi_scaffold import __version__
from pyapi_scaffold import template_history as th
from pyapi_scaffold import template_source as ts

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"


def _snapshot(tmp: Path, name: str, extra: str) -> Path:
    """A small template-like tree (with a .gitignore that must NOT hide files from the history)."""
    root = tmp / name
    (root / "fastapi" / "src").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: fastapi\n")
    (root / "fastapi" / "README.md.jinja").write_text(f"# {{{{ project_name }}}}\n{extra}\n")
    (root / "fastapi" / ".gitignore").write_text("*.db\n.env\n")
    (root / "fastapi" / "app.db").write_text("ignored by the project, kept in the template\n")
    script = root / "fastapi" / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    return root


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own HOME: the real ~/.pyapi-scaffold is never touched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(ts.HISTORY_ENV, raising=False)
    monkeypatch.delenv(ts.VERSION_ENV, raising=False)
    return home


def test_rebuilding_the_history_gives_identical_commit_ids(tmp_path: Path) -> None:
    one, two = _snapshot(tmp_path, "one", "v1"), _snapshot(tmp_path, "two", "v2")
    first = th.build_history(th.History(tmp_path / "a"), [("0.0.1", one), ("0.1.0", two)])
    # A second build elsewhere, later, with a hostile environment: other TZ, user identity and
    # GIT_* variables must not leak into the commits.
    time.sleep(1.1)
    env = {
        "TZ": "Asia/Kolkata",
        "GIT_AUTHOR_NAME": "Someone Else",
        "GIT_COMMITTER_DATE": "1999-01-01T00:00:00",
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        second = th.build_history(th.History(tmp_path / "b"), [("0.0.1", one), ("0.1.0", two)])
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert first == second
    assert first[1].commit != first[0].commit
    assert th.verify(th.History(tmp_path / "b")) == second


def test_history_keeps_every_file_and_the_executable_bit(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path, "one", "v1")
    (release,) = th.build_history(th.History(tmp_path / "h"), [("0.1.0", snap)])
    repo = tmp_path / "clone"
    th.init_repo(repo)
    th.fetch_bundle_tags(repo, tmp_path / "h" / th.BUNDLE_NAME)
    listing = th.git("ls-tree", "-r", "v0.1.0", cwd=repo)
    assert "fastapi/app.db" in listing  # a template's own .gitignore must not hide its files
    assert "100755 blob" in next(line for line in listing.splitlines() if "run.sh" in line)
    assert th.git("rev-parse", "v0.1.0^{tree}", cwd=repo) == release.tree


def test_add_release_is_idempotent_and_refuses_rewrites(tmp_path: Path) -> None:
    one, two = _snapshot(tmp_path, "one", "v1"), _snapshot(tmp_path, "two", "v2")
    history = th.History(tmp_path / "h")
    first = th.add_release(history, "0.1.0", one, "2026-01-01T00:00:00Z")
    bundle = history.bundle.read_bytes()
    assert th.add_release(history, "0.1.0", one) == first
    assert history.bundle.read_bytes() == bundle
    with pytest.raises(th.HistoryError, match="already released with a different template"):
        th.add_release(history, "0.1.0", two)
    with pytest.raises(th.HistoryError, match="not newer"):
        th.add_release(history, "0.0.9", two)
    with pytest.raises(ValueError, match=r"X\.Y\.Z"):
        th.add_release(history, "1.0", two)
    second = th.add_release(history, "0.2.0", two, "2026-02-01T00:00:00Z")
    assert [r.version for r in th.verify(history)] == ["0.1.0", "0.2.0"]
    assert second.commit != first.commit


def test_verify_catches_a_tampered_manifest(tmp_path: Path) -> None:
    history = th.History(tmp_path / "h")
    th.build_history(history, [("0.1.0", _snapshot(tmp_path, "one", "v1"))])
    data = json.loads(history.manifest.read_text())
    data["releases"][0]["date"] = "2026-01-01T00:00:01Z"  # a different date: a different id
    history.manifest.write_text(json.dumps(data))
    with pytest.raises(th.HistoryError, match="different commit ids"):
        th.verify(history)


# ---------------------------------------------------------------- the shipped history


def _working_templates_tree() -> str:
    """The tree git would commit for templates/ now (uncommitted edits included)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}

        def git(*args: str) -> str:
            return subprocess.run(
                ["git", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
            ).stdout.strip()

        git("read-tree", "--empty")
        git("add", "-A", "templates")
        return git("write-tree", "--prefix=templates/")


SHIPPED = th.History()
NO_RELEASE = not SHIPPED.releases()


def test_shipped_history_rebuilds_to_identical_ids() -> None:
    if NO_RELEASE:
        pytest.skip("no template release yet: cut 0.1.0 with `python scripts/release.py 0.1.0`")
    releases = th.verify(SHIPPED)
    assert [r.version for r in releases] == sorted(
        (r.version for r in releases), key=th.version_key
    )


@pytest.mark.skipif(
    NO_RELEASE, reason="no template release yet: cut 0.1.0 with `python scripts/release.py 0.1.0`"
)
def test_templates_are_exactly_the_release_of_this_version() -> None:
    """A template change without a release (scripts/release.py X.Y.Z) fails here."""
    release = SHIPPED.find(__version__)
    assert release is not None, (
        f"pyapi-scaffold {__version__} has no template release: "
        f"run `python scripts/release.py {__version__}`"
    )
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    assert _working_templates_tree() == release.tree, (
        f"templates/ differ from the released {release.tag}: release a new version with "
        "`python scripts/release.py X.Y.Z` (a template change needs a new template version)"
    )


# ---------------------------------------------------------------- the release script


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _release(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    identity = {
        f"GIT_{who}_{what}": value
        for who in ("AUTHOR", "COMMITTER")
        for what, value in (("NAME", "Release Test"), ("EMAIL", "release@example.com"))
    }
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "release.py"), *args],
        cwd=repo,
        env={**os.environ, **identity},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A throw-away git repository with this checkout's release inputs, history emptied."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("scripts", "src", "templates"):
        shutil.copytree(REPO / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", repo)
    shutil.rmtree(repo / "src" / "pyapi_scaffold" / "_template_history", ignore_errors=True)
    (repo / "CHANGELOG.md").write_text(
        "# Changelog\n\n## Unreleased\n\n- First template: FastAPI and Flask.\n"
    )
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "init")
    return repo


def test_release_script_cuts_checks_and_is_idempotent(repo_copy: Path) -> None:
    repo = repo_copy
    first = _release(repo, "0.1.0", "--date", "2026-11-22T06:30:00Z", "--commit")
    assert first.returncode == 0, first.stderr
    assert "released template v0.1.0" in first.stdout
    history = th.History(repo / "src" / "pyapi_scaffold" / "_template_history")
    (release,) = th.verify(history)
    assert release.tree == _git(repo, "rev-parse", "HEAD:templates").strip()
    changelog = (repo / "CHANGELOG.md").read_text()
    assert "## 0.1.0 - 2026-11-22\n\n- First template: FastAPI and Flask." in changelog
    assert _git(repo, "tag", "--list").split() == ["v0.1.0"]
    assert _release(repo, "--check").returncode == 0

    bundle = history.bundle.read_bytes()
    again = _release(repo, "0.1.0", "--commit")
    assert again.returncode == 0, again.stderr
    assert "already released" in again.stdout and "nothing to commit" in again.stdout
    assert history.bundle.read_bytes() == bundle
    assert not _git(repo, "status", "--porcelain").strip()

    readme = repo / "templates" / "fastapi" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA change.\n")
    dirty = _release(repo, "0.2.0")
    assert dirty.returncode == 1 and "uncommitted" in dirty.stderr
    _git(repo, "commit", "-qam", "template change")
    stale = _release(repo, "--check")
    assert stale.returncode == 1 and "release a new version" in stale.stdout
    same = _release(repo, "0.1.0")
    assert same.returncode == 1 and "different template" in same.stderr

    second = _release(repo, "0.2.0", "--notes", "- README line.", "--commit")
    assert second.returncode == 0, second.stderr
    assert 'version = "0.2.0"' in (repo / "pyproject.toml").read_text()
    assert '__version__ = "0.2.0"' in (repo / "src" / "pyapi_scaffold" / "__init__.py").read_text()
    assert "## 0.2.0 - " in (repo / "CHANGELOG.md").read_text()
    assert [r.version for r in th.verify(history)] == ["0.1.0", "0.2.0"]
    assert th.verify(history)[0] == release  # earlier ids never move
    assert _release(repo, "--check").returncode == 0
    assert _release(repo, "0.1.5").returncode == 1  # not newer than 0.2.0


def test_release_script_usage_errors(repo_copy: Path) -> None:
    assert _release(repo_copy, "1.0").returncode == 2
    assert _release(repo_copy, "0.1.0", "--date", "yesterday").returncode == 2
    assert _release(repo_copy).returncode == 2


# ---------------------------------------------------------------- the local template source


@pytest.fixture
def two_histories(tmp_path: Path) -> tuple[th.History, th.History]:
    """What two installs ship: 0.0.1 only, and 0.0.1 + 0.1.0 (same ids for 0.0.1)."""
    one, two = _snapshot(tmp_path, "one", "v1"), _snapshot(tmp_path, "two", "v2")
    old = th.History(tmp_path / "old")
    new = th.History(tmp_path / "new")
    th.build_history(old, [("0.0.1", one)])
    th.build_history(new, [("0.0.1", one), ("0.1.0", two)])
    return old, new


def test_local_repo_is_built_unioned_and_rebuilt(
    home: Path, two_histories: tuple[th.History, th.History]
) -> None:
    old, new = two_histories
    repo = ts.ensure_local_repo(new)
    assert repo == home / ".pyapi-scaffold" / "template"
    assert not repo.name.endswith(".git")
    tags = th.tags_in(repo)
    assert tags == {r.tag: r.commit for r in new.releases()}
    # The newest tag is checked out (a plain directory view of the template).
    assert "v2" in (repo / "fastapi" / "README.md.jinja").read_text()
    # An older install on the same machine keeps the newer tags (union).
    ts.ensure_local_repo(old)
    assert th.tags_in(repo) == tags
    # Nothing to do is cheap.
    start = time.perf_counter()
    ts.ensure_local_repo(new)
    assert time.perf_counter() - start < 0.5
    # Missing (deleted) or emptied: rebuilt.
    shutil.rmtree(repo)
    ts.ensure_local_repo(new)
    assert th.tags_in(repo) == tags


def test_local_repo_survives_corruption_and_concurrent_first_runs(
    home: Path, two_histories: tuple[th.History, th.History]
) -> None:
    _, new = two_histories
    repo = ts.local_repo_path()
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("garbage\n")  # an interrupted or damaged first run
    ts.ensure_local_repo(new)
    assert th.tags_in(repo) == {r.tag: r.commit for r in new.releases()}
    shutil.rmtree(repo.parent)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from pyapi_scaffold import template_source as ts, template_history as th;"
        "ts.ensure_local_repo(th.History(__import__('pathlib').Path(sys.argv[2])))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(REPO / "src"), str(new.directory)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [proc.communicate()[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0, 0, 0], errors
    assert th.tags_in(repo) == {r.tag: r.commit for r in new.releases()}


def test_template_source_points_copier_at_the_home_relative_repo(
    home: Path, two_histories: tuple[th.History, th.History], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, new = two_histories
    monkeypatch.setenv(ts.HISTORY_ENV, str(new.directory))
    monkeypatch.setenv(ts.VERSION_ENV, "0.1.0")
    source = ts.template_source()
    assert source == ts.TemplateSource("~/.pyapi-scaffold/template", "v0.1.0", "0.1.0")
    assert source.updatable
    assert (home / ".pyapi-scaffold" / "template" / ".git").is_dir()
    # A version this install has no release for renders the plain templates (not updatable).
    monkeypatch.setenv(ts.VERSION_ENV, "9.9.9")
    plain = ts.template_source()
    assert plain.vcs_ref is None and not plain.updatable
    assert Path(plain.src_path, "copier.yml").is_file()


def test_template_source_in_a_checkout_without_matching_release_is_the_plain_folder(
    home: Path,
) -> None:
    source = ts.template_source()
    release = SHIPPED.find(__version__)
    if release is None or release.tree != _working_templates_tree():
        assert source.vcs_ref is None
        assert Path(source.src_path) == TEMPLATES
    else:
        assert source.vcs_ref == f"v{__version__}"
