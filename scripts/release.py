#!/usr/bin/env python3
"""Release a template version: the one scripted step that makes `copier update` possible.

    python scripts/release.py 0.2.0 [--notes "What changed"] [--commit]
                              [--date 2026-11-22T06:30:00Z]
    python scripts/release.py --check

A release
  1. takes the committed tree of `templates/` (HEAD:templates; uncommitted template edits refuse),
  2. appends it to the shipped history (src/pyapi_scaffold/_template_history/: releases.json and
     templates.bundle) as one commit tagged `vX.Y.Z`, built reproducibly (fixed author, recorded
     date, no git config), and re-verifies that the whole history rebuilds to identical ids,
  3. sets the version in pyproject.toml and src/pyapi_scaffold/__init__.py,
  4. adds a `## X.Y.Z - DATE` entry to CHANGELOG.md (the `## Unreleased` notes move under it),
  5. with --commit, commits those files ("Release X.Y.Z") and tags the repository `vX.Y.Z`.
Running it again for the same version and unchanged templates changes nothing (exit 0).

`--check` verifies the history and that HEAD's templates/ equals the release of the current version.
Exit codes: 0 done, 1 refused/failed (one-line message), 2 bad usage.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pyapi_scaffold import template_history as th  # noqa: E402

PYPROJECT = ROOT / "pyproject.toml"
INIT = ROOT / "src" / "pyapi_scaffold" / "__init__.py"
CHANGELOG = ROOT / "CHANGELOG.md"
HISTORY = th.History(ROOT / "src" / "pyapi_scaffold" / "_template_history")

_PYPROJECT_VERSION = re.compile(r'(?m)^(version\s*=\s*")([^"]*)(")')
_INIT_VERSION = re.compile(r'(?m)^(__version__\s*=\s*")([^"]*)(")')


class ReleaseError(Exception):
    pass


def repo_git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=False)
    if proc.returncode != 0:
        raise ReleaseError(f"git {args[0]} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode()


def committed_templates(dest: Path) -> tuple[Path, str]:
    """Extract HEAD:templates into `dest`; return (directory, HEAD's tree id for templates/)."""
    dirty = repo_git("status", "--porcelain", "--untracked-files=all", "--", "templates").strip()
    if dirty:
        raise ReleaseError(
            "templates/ has uncommitted changes; commit them first:\n" + dirty.splitlines()[0]
        )
    tree = repo_git("rev-parse", "HEAD:templates").strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD", "templates"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise ReleaseError("git archive failed: " + archive.stderr.decode(errors="replace"))
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="tar")
    return dest / "templates", tree


def current_version() -> str:
    match = _INIT_VERSION.search(INIT.read_text(encoding="utf-8"))
    if not match:
        raise ReleaseError(f"no __version__ in {INIT}")
    return match.group(2)


def set_version(version: str) -> list[Path]:
    changed = []
    for path, pattern in ((PYPROJECT, _PYPROJECT_VERSION), (INIT, _INIT_VERSION)):
        text = path.read_text(encoding="utf-8")
        if not pattern.search(text):
            raise ReleaseError(f"no version line in {path}")
        new = pattern.sub(lambda m: f"{m.group(1)}{version}{m.group(3)}", text, count=1)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


CHANGELOG_HEAD = """# Changelog

Template releases of pyapi-scaffold. A project generated with version X can move to any later
version with `pyapi-scaffold update` (or plain `copier update`); see the generated README.

## Unreleased
"""


def update_changelog(version: str, date: str, notes: str | None) -> bool:
    """Add the `## version - date` entry; move `## Unreleased` notes under it. False if present."""
    text = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else CHANGELOG_HEAD
    if re.search(rf"(?m)^## \[?{re.escape(version)}\]?(\s|$)", text):
        return False
    if "## Unreleased" not in text:
        text = text.rstrip("\n") + "\n\n## Unreleased\n"
    before, _, after = text.partition("## Unreleased\n")
    match = re.search(r"(?m)^## ", after)
    pending = (after[: match.start()] if match else after).strip()
    rest = after[match.start() :] if match else ""
    body = "\n\n".join(part for part in (notes and notes.strip(), pending) if part)
    body = body or "- Template release."
    entry = f"## {version} - {date[:10]}\n\n{body}\n"
    CHANGELOG.write_text(
        f"{before}## Unreleased\n\n{entry}" + (f"\n{rest}" if rest else ""), encoding="utf-8"
    )
    return True


def check() -> int:
    releases = th.verify(HISTORY)
    version = current_version()
    if not releases:
        print("no template release yet (run: python scripts/release.py X.Y.Z)")
        return 1
    release = HISTORY.find(version)
    if release is None:
        print(f"version {version} is not released (run: python scripts/release.py {version})")
        return 1
    for rel in releases:  # the repository's own release tags, when present, must agree
        tagged = subprocess.run(
            ["git", "rev-parse", "-q", "--verify", f"refs/tags/{rel.tag}^{{commit}}:templates"],
            cwd=ROOT, capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
        if tagged and tagged != rel.tree:
            print(f"repository tag {rel.tag} has other templates than the shipped {rel.tag}")
            return 1
    head = repo_git("rev-parse", "HEAD:templates").strip()
    if head != release.tree:
        print(f"templates/ changed since {version} was released: release a new version")
        return 1
    ids = ", ".join(f"{r.tag} {r.commit[:12]}" for r in releases)
    print(f"history OK, rebuilt to identical ids: {ids}")
    return 0


def release(version: str, date: str | None, notes: str | None, commit: bool) -> int:
    th.version_key(version)
    with tempfile.TemporaryDirectory(prefix="pyapi-release-src-") as tmp:
        source, head_tree = committed_templates(Path(tmp))
        existing = HISTORY.find(version)
        rel = th.add_release(HISTORY, version, source, date or (existing and existing.date))
    if rel.tree != head_tree:
        raise ReleaseError(f"tree mismatch: released {rel.tree}, HEAD:templates {head_tree}")
    changed = set_version(version)
    if update_changelog(version, rel.date, notes):
        changed.append(CHANGELOG)
    new = existing is None
    print(
        f"{'released' if new else 'already released'} template {rel.tag}: "
        f"commit {rel.commit[:12]}, tree {rel.tree[:12]}, date {rel.date}"
    )
    paths = [
        str(p.relative_to(ROOT))
        for p in (HISTORY.manifest, HISTORY.bundle, PYPROJECT, INIT, CHANGELOG)
    ]
    status = repo_git("status", "--porcelain", "--", *paths).strip()
    if not status:
        print("nothing to commit")
        return 0
    if commit:
        repo_git("add", "--", *paths)
        repo_git("commit", "-q", "-m", f"Release {version}", "--", *paths)
        if not repo_git("tag", "--list", th.tag_for(version)).strip():
            repo_git("tag", th.tag_for(version))
        print(f"committed 'Release {version}' and tagged {th.tag_for(version)}")
    else:
        print("next: git add " + " ".join(paths) + f" && git commit -m 'Release {version}'")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", nargs="?", help="X.Y.Z, newer than the last release")
    parser.add_argument("--date", help="release date, ISO 8601 UTC (default: now)")
    parser.add_argument("--notes", help="CHANGELOG text for this release (Markdown)")
    parser.add_argument("--commit", action="store_true", help="commit the release and tag it")
    parser.add_argument("--check", action="store_true", help="verify only")
    args = parser.parse_args(argv)
    try:
        if args.check:
            return check()
        if not args.version:
            parser.error("give the version to release, or --check")
        if args.date:
            th._git_date(args.date)
        return release(args.version, args.date, args.notes, args.commit)
    except (ReleaseError, th.HistoryError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
