"""The command line: flags in, one-line errors and exit codes out — in one place, `main`.

Commands only parse flags and hand over to `flows`; every error raised anywhere below is turned
into a single `error: ...` line here (2 usage, 1 failure, 130/143 interrupted by Ctrl-C/SIGTERM),
never a traceback.
Heavy libraries (copier, questionary, rich) are imported inside the commands so `--help` is fast.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pyapi_scaffold import __version__, signals
from pyapi_scaffold.errors import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ScaffoldError,
    UsageError,
)
from pyapi_scaffold.needs import Concurrency, Purpose, TeamExperience


class FrameworkOpt(StrEnum):
    fastapi = "fastapi"
    flask = "flask"


INTERRUPTED = "interrupted; nothing was written"
NEEDS = "Needs (what you are building)"
ANSWERS = "Answers"

app = typer.Typer(
    name="pyapi-scaffold",
    help="Recommend FastAPI or Flask from what you are building, then generate the project.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PurposeFlag = Annotated[
    Purpose | None, typer.Option(help="What you are building.", rich_help_panel=NEEDS)
]
ConcurrencyFlag = Annotated[
    Concurrency | None, typer.Option(help="Expected concurrent load.", rich_help_panel=NEEDS)
]
WebsocketsFlag = Annotated[
    bool | None, typer.Option("--websockets/--no-websockets", help="Need WebSockets.")
]
HtmlFlag = Annotated[
    bool | None,
    typer.Option("--html-pages/--no-html-pages", help="Server-rendered HTML pages (Jinja2)."),
]
DocsFlag = Annotated[
    bool | None, typer.Option("--api-docs/--no-api-docs", help="Interactive API docs needed.")
]
TeamFlag = Annotated[TeamExperience | None, typer.Option(help="What your team already knows.")]
ExtensionsFlag = Annotated[
    bool | None,
    typer.Option(
        "--flask-extensions/--no-flask-extensions",
        help="Need Flask-only extensions (admin, login, CMS...).",
    ),
]
DataFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--data", "-d", help="Answer any question: KEY=VALUE (repeatable).", metavar="KEY=VALUE"
    ),
]
DataFileFlag = Annotated[
    Path | None,
    typer.Option("--data-file", help="YAML file of answers (a .copier-answers.yml works too)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _needs_flags(
    purpose: Purpose | None,
    concurrency: Concurrency | None,
    websockets: bool | None,
    html_pages: bool | None,
    api_docs: bool | None,
    team_experience: TeamExperience | None,
    flask_extensions: bool | None,
) -> dict[str, object]:
    return {
        "purpose": purpose.value if purpose else None,
        "concurrency": concurrency.value if concurrency else None,
        "websockets": websockets,
        "html_pages": html_pages,
        "api_docs": api_docs,
        "team_experience": team_experience.value if team_experience else None,
        "flask_extensions": flask_extensions,
    }


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pyapi-scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Recommend FastAPI or Flask from what you are building, then generate the project."""


@app.command()
def new(
    name: Annotated[
        str | None,
        typer.Argument(help="Project name, e.g. my-service (asked for on a terminal if omitted)."),
    ] = None,
    purpose: PurposeFlag = None,
    concurrency: ConcurrencyFlag = None,
    websockets: WebsocketsFlag = None,
    html_pages: HtmlFlag = None,
    api_docs: DocsFlag = None,
    team_experience: TeamFlag = None,
    flask_extensions: ExtensionsFlag = None,
    framework: Annotated[
        FrameworkOpt | None, typer.Option(help="Override the recommended framework.")
    ] = None,
    data: DataFlag = None,
    data_file: DataFileFlag = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Take the default for every unanswered question.")
    ] = False,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Where to create the project folder.")
    ] = Path(),
    no_git: Annotated[
        bool, typer.Option("--no-git", help="Skip git init and the first commit.")
    ] = False,
    no_lock: Annotated[
        bool, typer.Option("--no-lock", help="Skip `uv lock` (e.g. offline); run it later.")
    ] = False,
    install: Annotated[
        bool, typer.Option("--install", help="Also create the environment (`uv sync`).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the answers and files; write nothing.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a new service: answer a few questions (or pass flags), get a green project."""
    from pyapi_scaffold.flows import AnswerSources, NewOptions, run_new

    flags = _needs_flags(
        purpose, concurrency, websockets, html_pages, api_docs, team_experience, flask_extensions
    )
    flags["framework"] = framework.value if framework else None
    run_new(
        NewOptions(
            name=name,
            sources=AnswerSources(flags=flags, data=data or (), data_file=data_file),
            output_dir=output_dir,
            yes=yes,
            git=not no_git,
            lock=not no_lock,
            install=install,
            dry_run=dry_run,
            as_json=as_json,
        )
    )


@app.command()
def recommend(
    purpose: PurposeFlag = None,
    concurrency: ConcurrencyFlag = None,
    websockets: WebsocketsFlag = None,
    html_pages: HtmlFlag = None,
    api_docs: DocsFlag = None,
    team_experience: TeamFlag = None,
    flask_extensions: ExtensionsFlag = None,
    data: DataFlag = None,
    data_file: DataFileFlag = None,
    as_json: JsonFlag = False,
) -> None:
    """Recommend FastAPI or Flask for these needs, say why, and what would flip it."""
    from pyapi_scaffold.flows import AnswerSources, run_recommend

    flags = _needs_flags(
        purpose, concurrency, websockets, html_pages, api_docs, team_experience, flask_extensions
    )
    run_recommend(AnswerSources(flags=flags, data=data or (), data_file=data_file), as_json)


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0911 (one exit per error kind)
    """Run the CLI; every error becomes one line on stderr and an exit code."""
    signals.install()
    try:
        signals.settle_tempdir()
        _refuse_repeated_flags(sys.argv[1:] if argv is None else argv)
        result = app(args=argv, prog_name="pyapi-scaffold", standalone_mode=False)
    except ScaffoldError as err:
        return _fail(str(err), err.exit_code)
    except typer.TyperException as err:  # click usage errors: unknown flag, bad value...
        code = getattr(err, "exit_code", EXIT_USAGE)
        return _fail(f"{err.format_message()} (see --help)", code)
    except KeyboardInterrupt as err:
        return _fail(INTERRUPTED, signals.exit_code(err))
    except typer.Abort:
        return _fail(INTERRUPTED, EXIT_INTERRUPTED)
    except OSError as err:  # not foreseen below: say what, without naming our scratch paths
        return _fail(f"a file operation failed: {err.strerror or err}", EXIT_FAILURE)
    except Exception as err:  # a bug: still one line, the traceback only on request
        if os.environ.get("PYAPI_SCAFFOLD_DEBUG"):
            raise
        return _fail(
            f"internal error: {type(err).__name__}: {err} (set PYAPI_SCAFFOLD_DEBUG=1 for details)",
            EXIT_FAILURE,
        )
    if result == EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into a silent Exit(130)
        return _fail(INTERRUPTED, signals.last_exit_code())
    return result if isinstance(result, int) else 0


_VALUE_FLAGS = {
    "--purpose": "--purpose",
    "--concurrency": "--concurrency",
    "--team-experience": "--team-experience",
    "--framework": "--framework",
    "--output-dir": "--output-dir",
    "-o": "--output-dir",
    "--data-file": "--data-file",
}
_BOOL_FLAGS = {"websockets", "html-pages", "api-docs", "flask-extensions"}


def _refuse_repeated_flags(args: list[str]) -> None:
    """click keeps the last of repeated options silently; two different values are a mistake."""
    seen: dict[str, str] = {}
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            return
        name, eq, value = token.partition("=")
        if name in {"-d", "--data"}:
            if not eq:
                next(tokens, None)
            continue
        if name in _VALUE_FLAGS:
            key = _VALUE_FLAGS[name]
            value = value if eq else next(tokens, "")
        elif name.startswith("--no-") and name[5:] in _BOOL_FLAGS:
            key, value = f"--{name[5:]}", "false"
        elif name.startswith("--") and name[2:] in _BOOL_FLAGS:
            key, value = name, "true"
        else:
            continue
        if key in seen and seen[key] != value:
            raise UsageError(f"{key} is given twice ({seen[key]!r} and {value!r}); give it once")
        seen[key] = value


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    return code


def run() -> None:
    """Console-script entry point."""
    code = main()
    signals.ignore_late()  # the outcome is decided and reported: a late SIGTERM changes nothing
    sys.exit(code)


# ==================================================================================================
# `update` (issue 6): body owned by the updates work; orchestration in pyapi_scaffold.update.
# ==================================================================================================


@app.command()
def update(
    path: Annotated[
        Path, typer.Argument(help="The generated project to update (default: here).")
    ] = Path(),
    data: DataFlag = None,
    data_file: DataFileFlag = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; touch nothing.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Only tell whether a newer template version exists.")
    ] = False,
) -> None:
    """Update a generated project to this version's template (or change answers: -d auth=jwt)."""
    from pyapi_scaffold.flows import has_terminal
    from pyapi_scaffold.update import update_command

    def confirm(question: str) -> bool:
        return typer.confirm(question, default=True)

    update_command(
        path,
        data or (),
        data_file,
        yes=yes,
        dry_run=dry_run,
        check=check,
        echo=typer.echo,
        confirm=confirm if has_terminal() else None,
    )


# ==================================================================================================
# `add resource` / `remove resource` (issue 12): orchestration in pyapi_scaffold.add_resource.
# ==================================================================================================

add_app = typer.Typer(
    help="Add to a generated project: `add resource NAME --field NAME:TYPE ...`.",
    no_args_is_help=True,
)
app.add_typer(add_app, name="add")

FIELD_HELP = (
    "NAME:TYPE[?][:MODIFIER...][=DEFAULT], repeatable. TYPE: str (str:80 sets the max length, "
    "200 by default), text, int, float, decimal (money), bool, date, datetime, uuid, "
    "enum[a,b,c], ref (a foreign key to the resource named like the field) or ref[TARGET]. "
    "`?` or :optional makes it optional, =VALUE sets a default, :unique refuses duplicates "
    "(409). Quote specs with ? or [ in zsh, or use the spellings that need no quotes: "
    "note:text:optional, status:enum:a,b,c, buyer:ref:customer."
)


@add_app.command("resource")
def add_resource_command(
    name: Annotated[
        str | None,
        typer.Argument(help="Resource name, singular (e.g. order); asked on a terminal."),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help=FIELD_HELP, metavar="NAME:TYPE"),
    ] = None,
    path: Annotated[
        Path, typer.Option("--path", "-C", help="The generated project (default: here).")
    ] = Path(),
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the files it would write; write nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Add a resource (model, migration, schemas, repository, CRUD routes, tests) to a FastAPI or
    Flask service project. It is served without editing any file: the app includes every module
    of resources/. Its answers file (.copier-answers.resource-NAME.yml) lets `update` keep it
    current. On a terminal, without NAME or --field, asks for them one by one.
    """
    from pyapi_scaffold.resource_flow import run_add_resource

    run_add_resource(path, name, list(field or ()), dry_run=dry_run, yes=yes)


remove_app = typer.Typer(
    help="Remove what `add` added: `remove resource NAME`.", no_args_is_help=True
)
app.add_typer(remove_app, name="remove")


@remove_app.command("resource")
def remove_resource_command(
    name: Annotated[str, typer.Argument(help="The resource to remove (singular, e.g. order).")],
    path: Annotated[
        Path, typer.Option("--path", "-C", help="The generated project (default: here).")
    ] = Path(),
    force: Annotated[
        bool, typer.Option("--force", help="Remove it even if you edited its files.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what it would delete and add; change nothing.")
    ] = False,
) -> None:
    """Delete a resource's files and add a migration that drops its table (the create migration
    stays: history is append-only). Refuses when another resource refers to it, or when its files
    were edited (unless --force)."""
    from pyapi_scaffold import output
    from pyapi_scaffold.remove_resource import remove_resource

    removal = remove_resource(path, name, force=force, dry_run=dry_run)
    output.resource_removed(
        removal.name, removal.deleted, removal.added, dry_run=dry_run, migrate=removal.migrate
    )
