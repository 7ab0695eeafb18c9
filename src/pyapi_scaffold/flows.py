"""The `new` and `recommend` flows: gather answers, recommend, confirm, render, report.

This module decides *what* happens; `prompts` asks, `output` prints, `generate` writes. It knows
whether a person is at the keyboard and never waits for one who is not: with no terminal and no
`--yes`, every missing answer is named in a usage error instead.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyapi_scaffold import shapes, signals
from pyapi_scaffold.answers import load_data_file, merge_sources, parse_data_pairs
from pyapi_scaffold.decision import DECISION_KEY, decision_data
from pyapi_scaffold.errors import InterruptError, UsageError
from pyapi_scaffold.names import check_project_name
from pyapi_scaffold.needs import IMPLIED_OPTIONS, NEEDS_KEYS, Needs, derived_defaults
from pyapi_scaffold.questions import (
    Question,
    coerce_answers,
    hidden_keys,
    load_questions,
    unanswered,
)
from pyapi_scaffold.recommender import Recommendation, recommend, smallest_flip

if TYPE_CHECKING:
    from pyapi_scaffold.generate import NewResult
from pyapi_scaffold.resources import templates_dir

# Questions whose default is derived from another answer are never "missing".
_DERIVED = frozenset({"package_name", "shape", DECISION_KEY})


@dataclass(frozen=True)
class AnswerSources:
    """Answers given on the command line, before validation."""

    flags: Mapping[str, Any]
    data: Sequence[str] = ()
    data_file: Path | None = None


@dataclass(frozen=True)
class NewOptions:
    name: str | None  # None: ask for it on a terminal
    sources: AnswerSources
    output_dir: Path
    yes: bool = False
    git: bool = True
    lock: bool = True
    install: bool = False
    dry_run: bool = False
    as_json: bool = False


def has_terminal() -> bool:
    """Prompts need a real terminal on both ends; anything else is a script."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def collect_answers(
    sources: AnswerSources, extra: Mapping[str, Any], *, only: frozenset[str] | None = None
) -> dict[str, Any]:
    """Merge the answers file, `--data`, flags and the NAME argument; validate keys and values.

    Later sources override earlier ones; each override is shown as a note. With ``only``, keys
    outside it (e.g. project questions given to `recommend`) are refused.
    """
    questions = load_questions(templates_dir())
    given = {k: v for k, v in sources.flags.items() if v is not None}
    file_answers = load_data_file(sources.data_file) if sources.data_file else {}
    data = parse_data_pairs(sources.data)
    if only is not None:
        stray = sorted(k for k in data if k not in only)
        if stray:
            raise UsageError(
                f"recommend takes only needs; {', '.join(stray)} is not one "
                f"(needs: {', '.join(sorted(only))})"
            )
        file_answers = {k: v for k, v in file_answers.items() if k in only}
    overrides: list[str] = []
    merged = merge_sources(
        ("--data-file", file_answers),
        ("--data", data),
        ("a flag", given),
        ("the NAME argument", extra),
        overrides=overrides,
    )
    if overrides:
        from pyapi_scaffold import output

        for message in overrides:
            output.note(message)
    answers = coerce_answers(questions, merged)
    shapes.refuse_service_only_options(answers)  # not silently dropped below (issue 9)
    for key in hidden_keys(questions, answers):
        # Copier would still use a value for a question it hides; say so rather than drop it
        # silently (e.g. compose=true with docker=false).
        from pyapi_scaffold import output

        value = answers.pop(key)
        shown = str(value).lower() if isinstance(value, bool) else value
        when = str(questions[key].when).strip("{} ")
        output.note(f"{key}={shown} ignored: it applies only when {when}")
    return answers


def needs_of(answers: Mapping[str, Any]) -> Needs:
    try:
        return Needs.from_mapping({k: answers[k] for k in NEEDS_KEYS if k in answers})
    except ValueError as err:
        raise UsageError(str(err)) from None


def run_recommend(sources: AnswerSources, as_json: bool) -> None:
    from pyapi_scaffold import output

    answers = collect_answers(sources, {}, only=frozenset(NEEDS_KEYS))
    needs = needs_of(answers)
    rec = recommend(needs)
    change = smallest_flip(needs)
    if as_json:
        output.emit_json(
            {
                "needs": needs.as_answers(),
                "recommendation": recommendation_json(rec),
                "flip": None
                if change is None
                else {
                    "framework": change.framework,
                    "changes": [dataclasses.asdict(c) for c in change.changes],
                    "description": change.describe(),
                },
            }
        )
        return
    output.recommendation(rec)
    output.flip(change)


def run_new(options: NewOptions) -> None:
    from pyapi_scaffold import output
    from pyapi_scaffold.generate import NewRequest, check_destination, create_project

    if options.name is None:
        if options.yes or not has_terminal():
            raise UsageError("give the project name: pyapi-scaffold new NAME (e.g. my-service)")
        from pyapi_scaffold import prompts

        options = dataclasses.replace(options, name=prompts.ask_project_name(check_project_name))
    assert options.name is not None
    problem = check_project_name(options.name)
    if problem:
        raise UsageError(problem)
    check_destination(options.name, options.output_dir)
    answers = collect_answers(options.sources, {"project_name": options.name})
    questions = load_questions(templates_dir())
    interactive = has_terminal() and not options.yes
    if not interactive and not options.yes:
        _refuse_missing(questions, answers)

    if interactive:
        _ask_needs(questions, answers)
    rec = recommend(needs_of(answers))
    framework = answers.get("framework")
    if framework is None and interactive:
        if not options.as_json:
            output.recommendation(rec)
        from pyapi_scaffold import prompts

        labels = dict(
            zip(questions["framework"].choices, questions["framework"].labels, strict=True)
        )
        framework = prompts.choose_framework(rec.framework, labels)
    elif not options.as_json:
        output.recommendation(rec, chosen=framework)
    framework = framework or rec.framework
    answers["framework"] = framework
    answers[DECISION_KEY] = decision_data(needs_of(answers))  # for docs/decisions/ (issue 9)
    # The shape follows the purpose (not asked again; the review shows it), unless given.
    answers.setdefault("shape", shapes.default_shape(needs_of(answers).as_answers()))

    review = None
    if interactive and not options.dry_run:
        review = _reviewer((options.output_dir / options.name).absolute(), rec)
    request = NewRequest(
        name=options.name,
        output_dir=options.output_dir,
        answers=answers,
        user_defaults=user_defaults(questions),
        ask=interactive,
        git=options.git,
        lock=options.lock,
        install=options.install,
        dry_run=options.dry_run,
        review=review,
    )
    result = create_project(request, progress=output.step)
    try:
        _report(options, result, framework, rec)
    except KeyboardInterrupt as err:  # the project is there: "nothing was written" would be a lie
        if options.dry_run:
            raise
        raise InterruptError(
            f"interrupted, but only once {result.path} was complete; it is kept as created",
            signals.exit_code(err),
        ) from None


def _report(options: NewOptions, result: NewResult, framework: str, rec: Recommendation) -> None:
    from pyapi_scaffold import output

    if options.as_json:
        output.emit_json(
            {
                "framework": framework,
                "recommended": rec.framework,
                "overridden": framework != rec.framework,
                "recommendation": recommendation_json(rec),
                "path": str(result.path),
                "dry_run": options.dry_run,
                "answers": result.answers,
                "files": result.files,
                "git_committed": result.committed,
                "uv_lock": result.locked,
                "installed": result.installed,
                "notes": result.notes,
            }
        )
    elif options.dry_run:
        output.dry_run(result.path, framework, result.answers, result.files)
    else:
        from pyapi_scaffold.generate import uv_command

        output.created(
            result.path, framework, result.answers, result.notes, result.installed, uv_command()
        )


def _reviewer(dest: Path, rec: Recommendation) -> Callable[[Mapping[str, Any]], bool]:
    """The review before writing (issue 9): one screen, then confirm. `--yes` never gets here."""

    def review(recorded: Mapping[str, Any]) -> bool:
        from pyapi_scaffold import output, prompts

        output.review(dest, rec, recorded, shapes.describe(shapes.shape_of(recorded)))
        return prompts.confirm("Write the project?")

    return review


def _ask_needs(questions: Mapping[str, Question], answers: dict[str, Any]) -> None:
    """Ask the missing needs; a need the purpose already answers is not asked again (issue 9).

    After "Server-rendered web app" the HTML-pages question would only repeat it, so it is left
    to its derived default (the same rule as ``copier.yml``); a flag given for it still wins.
    """
    from pyapi_scaffold import prompts

    if "purpose" not in answers:
        answers.update(prompts.ask([questions["purpose"]], {}))
    implied = {
        k: v
        for k, v in IMPLIED_OPTIONS.get(str(answers["purpose"]), {}).items()
        if k not in answers
    }
    answers.update(implied)  # given to Copier too, or it would ask them itself
    missing = [questions[k] for k in NEEDS_KEYS if k not in answers and k not in implied]
    if missing:
        answers.update(prompts.ask(missing, derived_defaults(str(answers["purpose"]))))


def recommendation_json(rec: Recommendation) -> dict[str, Any]:
    return {
        "framework": rec.framework,
        "scores": rec.scores,
        "tie_broken": rec.tie_broken,
        "summary": rec.summary,
        "reasons": [dataclasses.asdict(r) for r in rec.reasons],
    }


def _refuse_missing(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> None:
    missing = [k for k in unanswered(questions, answers) if k not in _DERIVED]
    if missing:
        named = ", ".join(_flag_for(k) for k in missing[:3])
        more = f" and {len(missing) - 3} more (see --help)" if len(missing) > 3 else ""
        raise UsageError(
            f"no terminal to ask on and {len(missing)} answers are missing: pass --yes to take "
            f"the defaults, or give them: {named}{more}"
        )


def _flag_for(key: str) -> str:
    if key in NEEDS_KEYS or key == "framework":
        return f"--{key.replace('_', '-')}"
    return f"--data {key}=..."


def user_defaults(questions: Mapping[str, Question]) -> dict[str, Any]:
    """Defaults a person would expect: their git identity and the Python they run us with."""
    defaults: dict[str, Any] = {}
    for key, git_key in (("author_name", "user.name"), ("author_email", "user.email")):
        value = _git_config(git_key)
        if value:
            defaults[key] = value
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running in questions["python_version"].choices:
        defaults["python_version"] = running
    return defaults


def _git_config(key: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "config", "--get", key], capture_output=True, text=True, check=False, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip()
