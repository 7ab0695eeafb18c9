"""Everything the CLI prints: the only module that imports rich.

Human output goes to stdout; errors and notes go to stderr so `--json` keeps stdout to exactly one
JSON object. Colour is rich's decision (off when not a terminal or when NO_COLOR is set).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pyapi_scaffold.criteria import FRAMEWORK_NAMES
from pyapi_scaffold.recommender import Flip, Recommendation

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
_NAMES: dict[str, str] = {str(k): v for k, v in FRAMEWORK_NAMES.items()}


def error(message: str) -> None:
    """The single line every failure ends with."""
    err.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)


def note(message: str) -> None:
    err.print(f"[yellow]note:[/] {message}", soft_wrap=True)


def step(message: str) -> None:
    """A slow step is starting: shown on a terminal only, so scripts see just the result or the
    one-line error (and `--json` stdout stays one object)."""
    if err.is_terminal:
        err.print(f"[dim]… {message}[/]")


def emit_json(payload: Mapping[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def recommendation(rec: Recommendation, chosen: str | None = None) -> None:
    """Both scores, then the criteria that pushed each way with their reasons and sources."""
    name = _NAMES[rec.framework]
    scores = "  ".join(f"{_NAMES[k]} {v}" for k, v in rec.scores.items())
    out.print(f"\n[bold]Recommended: {name}[/]   (scores: {scores})")
    out.print(rec.summary)
    table = Table(show_lines=True, pad_edge=False, expand=True)
    table.add_column("favours")
    table.add_column("weight", justify="right")
    table.add_column("criterion", overflow="fold", ratio=1)
    table.add_column("why (source document)", overflow="fold", ratio=2)
    for reason in rec.reasons:
        favours = _NAMES[reason.favours] if reason.favours else "-"
        why = f"{reason.reason}\n[dim]{reason.source}[/]"
        table.add_row(favours, f"+{reason.weight}", reason.title, why)
    out.print(table)
    if chosen and chosen != rec.framework:
        out.print(
            f"[yellow]Overridden:[/] {name} was recommended; using {_NAMES[chosen]} as you asked."
        )


def flip(change: Flip | None) -> None:
    if change is None:
        out.print("No change of answers would flip this recommendation.")
    else:
        out.print(f"What would flip it: {change.describe()}.")


_REVIEWED_OPTIONS: tuple[tuple[str, str], ...] = (
    ("database", "database"),
    ("auth", "authentication"),
    ("html_pages", "HTML pages"),
    ("websockets", "WebSockets"),
    ("api_docs", "API docs pages"),
    ("docker", "Dockerfile"),
    ("compose", "compose.yaml"),
    ("kubernetes", "Kubernetes"),
    ("ci", "CI"),
    ("python_version", "Python"),
)


def review(path: Path, rec: Recommendation, answers: Mapping[str, Any], shape: str) -> None:
    """One screen before anything is written: framework, shape, options and destination."""
    framework = str(answers["framework"])
    if framework == rec.framework:
        how = f"recommended ({rec.scores[framework]} vs {rec.scores[rec.other]} points)"
    else:
        how = f"[yellow]overridden[/]: {_NAMES[rec.framework]} was recommended"
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("framework", f"{_NAMES[framework]}, {how}")
    table.add_row("shape", shape)
    for key, label in _REVIEWED_OPTIONS:
        if key in answers:
            value = answers[key]
            shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            table.add_row(label, shown)
    table.add_row("written to", str(path))
    out.print("\n[bold]Review[/]")
    out.print(table)


def dry_run(path: Path, framework: str, answers: Mapping[str, Any], files: Sequence[str]) -> None:
    out.print(f"\n[bold]Dry run[/]: would create {path} ({_NAMES[framework]}), nothing written.")
    out.print("Answers:")
    for key, value in answers.items():
        out.print(f"  {key}: {value}")
    out.print(f"Files ({len(files)}):")
    for name in files:
        out.print(f"  {name}")


def created(
    path: Path,
    framework: str,
    answers: Mapping[str, Any],
    notes: Sequence[str],
    installed: bool = False,
    uv: str | None = "uv",
) -> None:
    """Success, then the exact commands to install, run and test: each works as printed here."""
    out.print(f"\n[bold green]Created[/] {_display_path(path)} ({_NAMES[framework]}).\n")
    out.print("Next steps:")
    for command, why in next_steps(path, answers, installed, uv):
        out.print(f"  [cyan]{command}[/]" + (f"   # {why}" if why else ""), soft_wrap=True)
    for message in notes:
        note(message)


UV_INSTALL = "curl -LsSf https://astral.sh/uv/install.sh | sh"


def next_steps(
    path: Path, answers: Mapping[str, Any], installed: bool, uv: str | None
) -> list[tuple[str, str]]:
    """(command, comment) pairs tailored to the answers; ``uv`` is how uv runs on this machine
    (None: not available, so installing it comes first)."""
    package = answers.get("package_name", path.name)
    database, auth = answers.get("database", "none"), answers.get("auth", "none")
    minimal = answers.get("shape") == "minimal"  # one module, no migrations (issue 9)
    steps = [(f"cd {_display_path(path)}", "")]
    if uv is None:
        steps.append((UV_INSTALL, "install uv (see https://docs.astral.sh/uv/)"))
        uv = "uv"
    if not installed:
        steps.append((f"{uv} sync", "install (creates .venv from uv.lock)"))
    if database == "postgres":
        steps.append(
            (
                f"docker run -d --name {package}-db -p 5432:5432 -e POSTGRES_PASSWORD=postgres "
                f"-e POSTGRES_DB={package} postgres:16",
                "a local PostgreSQL matching the default DATABASE_URL",
            )
        )
    if database not in (None, "none") and not minimal:
        steps.append((f"{uv} run alembic upgrade head", "create the database schema"))
    if auth not in (None, "none"):
        steps.append((f"{uv} run python -m {package} create-user admin", "the first user"))
    flask = framework_of(answers) == "flask"
    if answers.get("api_docs") is False:  # no docs pages (issue 9)
        urls = ["http://127.0.0.1:8000/health"]
    else:
        docs = "/openapi/swagger" if minimal and flask else "/docs"
        urls = [f"http://127.0.0.1:8000{docs} (API docs)"]
    if auth == "session":
        urls.append("/login")
    if answers.get("html_pages"):
        urls.append("/pages/items" if flask and not minimal else "/ (pages)")
    steps.append((f"{uv} run python -m {package}", f"run it: {', '.join(urls)}"))
    if database == "postgres":
        # The tests never use DATABASE_URL: they create (and drop) a database of their own on the
        # server that TEST_DATABASE_URL names, so the app's own database stays untouched.
        test_url = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
        steps.append((f"TEST_DATABASE_URL={test_url} {uv} run pytest", "run the tests (own db)"))
    else:
        steps.append((f"{uv} run pytest", "run the tests"))
    steps.append((f"{uv} run ruff check . && {uv} run mypy", "lint and type-check"))
    return steps


def framework_of(answers: Mapping[str, Any]) -> str:
    return str(answers.get("framework", "fastapi"))


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resource_plan(lines: Sequence[str], files: Sequence[str], *, dry_run: bool) -> None:
    """The plan of `add resource`: fields, then the files it writes."""
    head = "[bold]Dry run[/]: nothing written. " if dry_run else ""
    out.print(f"\n{head}Would add " + lines[0], soft_wrap=True)
    for line in lines[1:]:
        out.print(line, soft_wrap=True, markup=False)
    out.print(f"Files ({len(files)}):")
    for name in files:
        out.print(f"  {name}", markup=False)


def resource_added(name: str, files: Sequence[str], steps: Sequence[str]) -> None:
    out.print(f"\n[bold green]Added[/] the {name} resource ({len(files)} files):")
    for file in files:
        out.print(f"  {file}", markup=False)
    out.print("Next steps:")
    for step_line in steps:
        out.print(f"  [cyan]{step_line}[/]", soft_wrap=True)


def resource_removed(
    name: str, deleted: Sequence[str], added: Sequence[str], *, dry_run: bool, migrate: str = ""
) -> None:
    verb = "[bold]Dry run[/]: would remove" if dry_run else "[bold green]Removed[/]"
    out.print(f"\n{verb} the {name} resource:")
    for file in deleted:
        out.print(f"  deleted {file}", markup=False)
    for file in added:
        out.print(
            f"  added   {file}   (drops the table; the create migration stays)",
            markup=False,
            soft_wrap=True,
        )
    if not dry_run:
        out.print("Next steps:")
        if added:
            out.print(f"  [cyan]{migrate}[/]   # drop the table")
        out.print(f'  [cyan]git add -A && git commit -m "Remove the {name} resource"[/]')
