"""`pyapi-scaffold update`: move a generated project to this install's template version.

The work itself is Copier's update (a three-way merge of the user's project with the old and the
new render); around it we check what Copier would otherwise report as a traceback or a riddle:
the project is a clean git work tree, was generated from pyapi-scaffold's released templates, at
a version this install knows, and the local template source exists (rebuilt if missing). We end
with a summary: versions, changed files, conflicts and how to resolve them (or undo it all).

All or nothing: the update (Copier's merge, restored files, the re-lock) runs in a scratch git
worktree; only when all of it has succeeded are its files and git index copied into the project,
with Ctrl-C and SIGTERM held for those milliseconds. An interruption or failure before that leaves
the project exactly as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, TemplateError

from pyapi_scaffold import shapes, signals
from pyapi_scaffold import template_history as th
from pyapi_scaffold.decision import with_decision
from pyapi_scaffold.errors import InterruptError, ScaffoldError, UsageError
from pyapi_scaffold.needs import follow_purpose
from pyapi_scaffold.scratch import apply_scratch, scratch_copy
from pyapi_scaffold.template_source import (
    LOCAL_REPO_SPEC,
    TemplateSource,
    ensure_local_repo,
    local_repo_path,
    shipped_history,
    tool_version,
)

ANSWERS_FILE = ".copier-answers.yml"


# Copier writes its inline conflict markers at the start of a line; prose that merely mentions them
# (the generated README explains how to resolve conflicts) must not count.
PLAIN_COPIER = (
    "plain `copier update --defaults` works on this machine from now on (it needs "
    f"{LOCAL_REPO_SPEC}, which any pyapi-scaffold command creates)"
)

# Works with conflicts too (`git checkout -- .` refuses unmerged paths); the tree was clean before.
UNDO = "git reset -q --hard HEAD && git clean -fdq -- ."

CONFLICT_MARKER = re.compile(r"^<<<<<<< before updating", re.MULTILINE)


@dataclass(frozen=True)
class ProjectState:
    """What the project's answers file says about where it came from."""

    path: Path
    answers: dict[str, Any]
    src_path: str | None
    version: str | None  # the released template version it was last rendered from


@dataclass(frozen=True)
class UpdateCheck:
    """`update --check`: is a newer template version available?"""

    current: str
    latest: str

    @property
    def outdated(self) -> bool:
        return th.version_key(self.latest) > th.version_key(self.current)

    def message(self) -> str:
        if self.outdated:
            head = f"template {self.current} -> {self.latest} available: "
            head += "run `pyapi-scaffold update`"
        else:
            head = f"up to date (template {self.current})"
        return f"{head}\n{PLAIN_COPIER}"


@dataclass(frozen=True)
class UpdateSummary:
    """What an update did (or, with dry_run, would do)."""

    project: Path
    from_version: str
    to_version: str
    changed_answers: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    changed: tuple[str, ...] = ()  # "M path", "A path", "D path"
    conflicts: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()  # deleted by the user, changed by the template: back again
    dry_run: bool = False
    lock_note: str | None = None  # what happened to uv.lock

    @property
    def nothing_to_do(self) -> bool:
        return not self.changed and not self.conflicts

    def lines(self) -> list[str]:
        verb = "would update" if self.dry_run else "updated"
        head = (
            f"{verb} {self.project}: template {self.from_version} -> {self.to_version}"
            if self.from_version != self.to_version
            else f"{verb} {self.project} at template {self.to_version}"
        )
        out = [head]
        for key, (old, new) in self.changed_answers.items():
            out.append(f"  answer {key}: {old!r} -> {new!r}")
        if self.nothing_to_do:
            out.append("  no file changes")
            return out
        out.append(f"  {len(self.changed)} file(s) changed:")
        out.extend(f"    {entry}" for entry in self.changed)
        if self.restored:
            out.append(
                f"  {len(self.restored)} file(s) you had deleted came back because the template "
                "changed them (delete them again if you do not want the new version):"
            )
            out.extend(f"    {path}" for path in self.restored)
        if self.conflicts:
            out.append(f"  {len(self.conflicts)} file(s) in conflict:")
            out.extend(f"    {path}" for path in self.conflicts)
            if not self.dry_run:
                out.append(
                    "  resolve: in each file keep the lines you want between "
                    "'<<<<<<< before updating' (yours) and '>>>>>>> after updating' (the "
                    "template's), delete the markers, `git add <file>`; then review with "
                    "`git diff HEAD`, run the tests and commit"
                )
        elif not self.dry_run:
            out.append("  no conflicts: review with `git diff HEAD`, run the tests, then commit")
        if self.lock_note:
            out.append(f"  {self.lock_note}")
        if not self.dry_run:
            out.append(f"  undo the whole update: {UNDO}")
            out.append(f"  {PLAIN_COPIER}")
        return out


# ---------------------------------------------------------------- project inspection


def _git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=project, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise ScaffoldError("git is not installed; updating needs git on PATH") from None


def read_project(path: Path) -> ProjectState:
    project = path.expanduser().resolve()
    if not project.is_dir():
        raise UsageError(f"{path} is not a directory")
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        raise UsageError(f"{path} is not a project generated by pyapi-scaffold (no {ANSWERS_FILE})")
    from pyapi_scaffold.answers import load_yaml  # noqa: PLC0415

    try:
        answers = load_yaml(answers_path.read_text(encoding="utf-8"), str(answers_path)) or {}
    except (OSError, UnicodeDecodeError) as err:
        raise ScaffoldError(f"cannot read {answers_path}: {' '.join(str(err).split())}") from None
    if not isinstance(answers, dict):
        raise ScaffoldError(f"{answers_path} is not a mapping of answers")
    commit = answers.get("_commit")
    version = None
    if isinstance(commit, str) and commit.startswith("v") and th.is_release_version(commit[1:]):
        version = commit[1:]
    src = answers.get("_src_path")
    return ProjectState(
        path=project,
        answers=answers,
        src_path=src if isinstance(src, str) else None,
        version=version,
    )


def check_clean(project: Path, doing: str = "updating") -> None:
    top = _git(project, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(
            f"{project} is not in a git repository; {doing} needs one "
            "(git init && git add -A && git commit -m 'Generated project')"
        )
    if _git(project, "rev-parse", "--verify", "-q", "HEAD").returncode != 0:
        raise UsageError(f"{project} has no commit yet; commit the project before {doing}")
    status = _git(project, "status", "--porcelain", "--untracked-files=all")
    dirty = [line[3:] for line in status.stdout.splitlines() if line.strip()]
    if dirty:
        more = f" and {len(dirty) - 1} more" if len(dirty) > 1 else ""
        raise UsageError(
            f"the project has uncommitted changes ({dirty[0]}{more}); "
            f"commit or stash them before {doing}"
        )


def _upgrade_hint(version: str) -> str:
    return f"upgrade pyapi-scaffold to >= {version} (pip install -U 'pyapi-scaffold>={version}')"


def validate_source(state: ProjectState, history: th.History, tool_version: str) -> None:
    """Refuse, with the fix, every project this install cannot update."""
    if state.src_path != LOCAL_REPO_SPEC:
        raise ScaffoldError(
            f"this project's template source is {_short(state.src_path, 60)}, not "
            f"{LOCAL_REPO_SPEC}: made from a development checkout or another template, it "
            "cannot be updated by pyapi-scaffold"
        )
    commit = state.answers.get("_commit")
    if state.version is None:
        raise ScaffoldError(
            f"the project records no released template version (_commit: {commit!r}) "
            "and cannot be updated"
        )
    known = history.versions()
    if not known or tool_version not in known:
        raise ScaffoldError(
            f"this pyapi-scaffold ({tool_version}) ships no released template; "
            "install a released pyapi-scaffold"
        )
    if state.version not in known:
        if th.version_key(state.version) > th.version_key(tool_version):
            raise ScaffoldError(
                f"this project uses template {state.version}, newer than this pyapi-scaffold "
                f"({tool_version}): {_upgrade_hint(state.version)}"
            )
        raise ScaffoldError(
            f"template version {state.version} is unknown to this pyapi-scaffold "
            f"({tool_version}); {_upgrade_hint(state.version)}"
        )


def _ensure_source(history: th.History) -> None:
    try:
        ensure_local_repo(history)
    except th.HistoryError as err:
        raise ScaffoldError(f"cannot prepare the local template source: {err}") from None


def _collect(project: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(changed, conflicts) of a work tree after an update, relative to the project."""
    status = _git(project, "status", "--porcelain", "-z", "--untracked-files=all", "--", ".")
    changed: list[str] = []
    conflicts: list[str] = []
    prefix = _git(project, "rev-parse", "--show-prefix").stdout.strip()
    entries = iter(status.stdout.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:
            next(entries, None)  # -z: a rename's source path follows as its own entry
        rel = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        if "U" in code or code in {"AA", "DD"}:
            conflicts.append(rel)
            changed.append(f"C {rel}")
            continue
        kind = "A" if code == "??" or "A" in code else "D" if "D" in code else "M"
        changed.append(f"{kind} {rel}")
        file = project / rel
        if kind == "A" and rel.endswith(".rej"):
            conflicts.append(rel)
        elif kind in {"M", "A"} and file.is_file():
            try:
                if CONFLICT_MARKER.search(file.read_text(encoding="utf-8", errors="replace")):
                    conflicts.append(rel)
            except OSError:
                pass
    return tuple(changed), tuple(dict.fromkeys(conflicts))


def _changed_answers(
    before: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    return {
        key: (before.get(key), value)
        for key, value in data.items()
        if str(before.get(key)).lower() != str(value).lower()
    }


# ---------------------------------------------------------------- files the user deleted


def _rendered_path(template_path: str, answers: Mapping[str, Any], env: Environment) -> str | None:
    """Where Copier would write a template file (None: not rendered, or not computable here)."""
    parts = []
    for segment in template_path.split("/"):
        try:
            rendered = env.from_string(segment).render(**answers) if "{" in segment else segment
        except TemplateError:  # Copier-only context (e.g. _copier_conf): not a candidate
            return None
        if not rendered:
            return None
        parts.append(rendered)
    path = "/".join(parts)
    return path.removesuffix(".jinja")


def _deleted_by_user(state: ProjectState) -> tuple[str, ...]:
    """Files the project's template version renders that are missing from the project (cheap)."""
    framework = state.answers.get("framework")
    if not isinstance(framework, str) or state.version is None:
        return ()
    folder = shapes.template_folder(state.answers)  # e.g. flask-minimal/ (issue 9)
    try:
        listing = th.git(
            "ls-tree", "-r", "--name-only", th.tag_for(state.version), "--", f"{folder}/",
            cwd=local_repo_path(),
        )  # fmt: skip
    except th.HistoryError:
        return ()
    answers = {k: v for k, v in state.answers.items() if not str(k).startswith("_")}
    env = Environment(autoescape=False)
    missing = []
    for line in listing.splitlines():
        rel = _rendered_path(line[len(folder) + 1 :], answers, env)
        if rel and not (state.path / rel).exists():
            missing.append(rel)
    return tuple(missing)


def _restore_changed_deletions(
    state: ProjectState, where: Path, deleted: Sequence[str], target: str
) -> tuple[str, ...]:
    """Bring back deleted files whose content the template changed (Copier drops the change)."""
    still = [rel for rel in deleted if not (where / rel).exists()]
    if not still:
        return ()
    from pyapi_scaffold.render import render_project  # noqa: PLC0415 - imports copier

    old_answers = {k: v for k, v in state.answers.items() if not str(k).startswith("_")}
    new_all = yaml.safe_load((where / ANSWERS_FILE).read_text(encoding="utf-8")) or {}
    new_answers = {k: v for k, v in new_all.items() if not str(k).startswith("_")}
    restored = []
    with tempfile.TemporaryDirectory(prefix="pyapi-update-renders-") as tmp:
        old, new = Path(tmp) / "old", Path(tmp) / "new"
        assert state.version is not None
        for dest, ref, answers in (
            (old, th.tag_for(state.version), old_answers),
            (new, target, new_answers),
        ):
            render_project(
                TemplateSource(LOCAL_REPO_SPEC, ref), dest, answers, user_defaults={}, ask=False
            )
        for rel in still:
            fresh = new / rel
            if not fresh.is_file():
                continue
            before = old / rel
            if before.is_file() and before.read_bytes() == fresh.read_bytes():
                continue
            (where / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(fresh, where / rel)
            restored.append(rel)
    return tuple(restored)


# ---------------------------------------------------------------- the commands


def check_update(
    path: Path, *, version: str | None = None, history: th.History | None = None
) -> UpdateCheck:
    """Compare the project's template version with the newest one this install knows."""
    history = history or shipped_history()
    tool = version or tool_version()
    state = read_project(path)
    validate_source(state, history, tool)
    assert state.version is not None
    return UpdateCheck(current=state.version, latest=tool)


def run_update(
    path: Path,
    data: Mapping[str, Any] | None = None,
    *,
    dry_run: bool = False,
    version: str | None = None,
    history: th.History | None = None,
) -> UpdateSummary:
    """Update the project at ``path`` to ``tool_version`` (answers in ``data`` changed)."""
    from pyapi_scaffold.render import update_project  # noqa: PLC0415 - imports copier

    history = history or shipped_history()
    tool = version or tool_version()
    data = dict(data or {})
    state = read_project(path)
    validate_source(state, history, tool)
    assert state.version is not None
    check_clean(state.path)
    _ensure_source(history)
    target = th.tag_for(tool)
    data = follow_purpose(state.answers, data)  # e.g. purpose=web-app brings pages (issue 9)
    changed_answers = _changed_answers(state.answers, data)
    # A shape switch (minimal <-> service) is refused before anything is touched (issue 9).
    data = shapes.for_update(state.answers, data)

    def summary(where: Path) -> UpdateSummary:
        changed, conflicts = _collect(where)
        return UpdateSummary(
            project=state.path,
            from_version=state.version or "?",
            to_version=tool,
            changed_answers=changed_answers,
            changed=changed,
            conflicts=conflicts,
            dry_run=dry_run,
        )

    deleted = _deleted_by_user(state)

    def apply(where: Path) -> UpdateSummary:
        signals.checkpoint("update:scratch")
        # The decision record (docs/decisions/) follows changed needs (issue 9).
        update_project(where, vcs_ref=target, data=with_decision(state.answers, data))
        signals.checkpoint("update:copier")
        resource_conflicts = _update_resources(where, target, with_decision(state.answers, data))
        restored = _restore_changed_deletions(state, where, deleted, target)
        signals.checkpoint("update:restored")
        result = _with_conflicts(replace(summary(where), restored=restored), resource_conflicts)
        note = _relock(result, where)
        if dry_run:
            return replace(result, lock_note=note)
        signals.checkpoint("update:relocked")
        result = replace(summary(where), restored=restored, lock_note=note)
        return _with_conflicts(result, resource_conflicts)

    top = Path(_git(state.path, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    sub = state.path.relative_to(top)
    held: list[int] = []
    try:
        with scratch_copy(top, worktree=not dry_run) as scratch:
            result = apply(scratch / sub)
            if not dry_run:
                held = apply_scratch(scratch, top)
    except KeyboardInterrupt as err:
        raise InterruptError(
            "interrupted; the project was not changed (the update ran in a scratch copy)",
            signals.exit_code(err),
        ) from None
    if held:
        raise InterruptError(
            f"interrupted, but only once the update was applied in full ({len(result.changed)} "
            f"file(s), {len(result.conflicts)} conflict(s)): review with `git status`; "
            f"undo with `{UNDO}`",
            signals.exit_code(held[0]),
        )
    return result


# ---------------------------------------------------------------- resources (issue 12)


def _update_resources(project: Path, vcs_ref: str, data: Mapping[str, Any]) -> tuple[str, ...]:
    """Update every resource added by `add resource` (its own answers file) in the same scratch
    tree as the project, with the same changed answers (`-d auth=jwt` reaches them too).

    Copier refuses to update a dirty tree, so each step is first recorded in a throw-away commit
    of the scratch worktree; the worktree's HEAD is moved back at the end (`reset --soft`), which
    leaves every change staged. Conflicts are collected before each commit (a commit resolves
    git's unmerged entries, while the markers stay in the files). Returns those conflicts.
    """
    from pyapi_scaffold.project import RESOURCE_ANSWERS  # noqa: PLC0415
    from pyapi_scaffold.render import update_project  # noqa: PLC0415 - imports copier

    files = sorted(p.name for p in project.glob(".copier-answers.resource-*.yml"))
    files = [name for name in files if RESOURCE_ANSWERS.fullmatch(name)]
    if not files:
        return ()
    start = _git(project, "rev-parse", "HEAD").stdout.strip()
    conflicts: list[str] = []
    try:
        for answers_file in files:
            conflicts += _collect(project)[1]
            _snapshot(project)
            update_project(project, vcs_ref=vcs_ref, data=data, answers_file=answers_file)
            signals.checkpoint("update:resource")
        conflicts += _collect(project)[1]
        _snapshot(project)
    finally:
        _git(project, "reset", "-q", "--soft", start)
    return tuple(dict.fromkeys(conflicts))


def _snapshot(project: Path) -> None:
    _git(project, "add", "-A", "--", ".")
    _git(
        project,
        *("-c", "user.name=pyapi-scaffold", "-c", "user.email=pyapi-scaffold@localhost"),
        *("-c", "core.hooksPath=" + os.devnull, "-c", "commit.gpgsign=false"),
        *("commit", "-q", "--allow-empty", "--no-verify", "-m", "pyapi-scaffold update step"),
    )


def _with_conflicts(summary: UpdateSummary, conflicts: Sequence[str]) -> UpdateSummary:
    """``summary`` with the conflicts seen between the steps of a multi-template update."""
    if not conflicts:
        return summary
    merged = tuple(dict.fromkeys((*summary.conflicts, *conflicts)))
    changed = tuple(f"C {entry[2:]}" if entry[2:] in merged else entry for entry in summary.changed)
    return replace(summary, conflicts=merged, changed=changed)


# ---------------------------------------------------------------- the CLI command's body


def _relock(summary: UpdateSummary, project: Path) -> str | None:
    """Refresh ``project``'s uv.lock when the update changed pyproject.toml; say what happened.

    A dry run only says it would: the file list comes before the re-lock, so without the note
    the dry run would leave out a uv.lock the real update changes."""
    touched = {entry[2:] for entry in summary.changed}
    if "pyproject.toml" not in touched or not (project / "uv.lock").is_file():
        return None
    if "pyproject.toml" in summary.conflicts:
        return "pyproject.toml is in conflict: resolve it, then run `uv lock`"
    if summary.dry_run:
        return "uv.lock would be refreshed for the new dependencies"
    from pyapi_scaffold.generate import UV_MISSING, uv_lock  # noqa: PLC0415

    problem = uv_lock(project)
    if problem == UV_MISSING:
        return "uv was not found: run `uv lock` to refresh uv.lock"
    if problem:
        return f"`uv lock` failed ({problem}): run it again when online"
    return "uv.lock refreshed for the new dependencies"


def parse_update_data(
    state: ProjectState, pairs: Sequence[str], data_file: Path | None
) -> dict[str, Any]:
    """Validate `--data` / `--data-file` against the template's questions (the lead's rules)."""
    from pyapi_scaffold.answers import (  # noqa: PLC0415
        load_data_file,
        merge_sources,
        parse_data_pairs,
    )
    from pyapi_scaffold.questions import coerce_answers, hidden_keys, load_questions  # noqa: PLC0415
    from pyapi_scaffold.resources import templates_dir  # noqa: PLC0415

    file_answers = load_data_file(data_file) if data_file else {}
    merged = merge_sources(("--data-file", file_answers), ("--data", parse_data_pairs(pairs)))
    if not merged:
        return {}
    questions = load_questions(templates_dir())
    given = coerce_answers(questions, merged)
    _refuse_fixed_answers(state, given)
    previous = {k: v for k, v in state.answers.items() if k in questions}
    previous.setdefault("shape", "service")  # projects older than shapes are services (issue 9)
    # An option the ML shape does not offer is refused, not dropped as hidden (issue 10).
    shapes.refuse_ml_options({**previous, **given})
    hidden = set(hidden_keys(questions, {**previous, **given}))
    return {k: v for k, v in given.items() if k not in hidden}


# Answers an update cannot change: Copier would delete one framework's files and render the
# other's (an edited router lost without a conflict, the Alembic history replaced), or move src/.
_FIXED = {
    "framework": "routes, models and migrations differ; generate a new project with "
    "`pyapi-scaffold new` and move your code over",
    "package_name": "it would move src/{old} and every import; keep {old!r}",
    "project_name": "it names the distribution and the package; keep {old!r}",
}


def _refuse_fixed_answers(state: ProjectState, given: Mapping[str, Any]) -> None:
    for key, why in _FIXED.items():
        old = state.answers.get(key)
        if key in given and str(given[key]) != str(old):
            shown = _short(given[key])
            raise UsageError(
                f"update cannot change {key} ({old} -> {shown}): {why.format(old=old)}"
            )


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_package_dir(state: ProjectState) -> None:
    """Refuse a project whose package folder was renamed: Copier would recreate the old one."""
    package = state.answers.get("package_name")
    src = state.path / "src"
    if not isinstance(package, str) or not src.is_dir() or (src / package).is_dir():
        return
    others = sorted(d.name for d in src.iterdir() if (d / "__init__.py").is_file())
    renamed = f" (renamed to src/{others[0]}?)" if others else ""
    fix = f"git mv src/{others[0]} src/{package}" if others else f"restore src/{package}"
    raise UsageError(
        f"src/{package} is missing{renamed}: the update would recreate its files under the "
        f"old name; {fix}, commit, then update (the template renders into src/{package})"
    )


def update_command(
    path: Path,
    pairs: Sequence[str] = (),
    data_file: Path | None = None,
    *,
    yes: bool = False,
    dry_run: bool = False,
    check: bool = False,
    echo: Callable[[str], None] = print,
    confirm: Callable[[str], bool] | None = None,
) -> UpdateSummary | UpdateCheck | None:
    """The whole `pyapi-scaffold update` command (flags already parsed by typer)."""
    if check:
        if pairs or data_file:
            raise UsageError("--check takes no --data/--data-file")
        result = check_update(path)
        _ensure_source(shipped_history())  # so plain `copier update` / `check-update` work too
        echo(result.message())
        return result
    state = read_project(path)
    validate_source(state, shipped_history(), tool_version())
    data = parse_update_data(state, pairs, data_file)
    check_clean(state.path)
    check_package_dir(state)
    if confirm is not None and not yes and not dry_run:
        changes = _changed_answers(state.answers, data)
        what = "".join(f", {k}: {old} -> {new}" for k, (old, new) in changes.items())
        if not confirm(
            f"Update {state.path} from template {state.version} to {tool_version()}{what}?"
        ):
            echo("nothing changed")
            return None
    summary = run_update(state.path, data, dry_run=dry_run)
    try:
        for line in summary.lines():
            echo(line)
    except KeyboardInterrupt as err:  # applied already: "nothing was written" would be a lie
        if dry_run:
            raise
        raise InterruptError(
            f"interrupted, but only once the update was applied in full: review with "
            f"`git status`; undo with `{UNDO}`",
            signals.exit_code(err),
        ) from None
    return summary
