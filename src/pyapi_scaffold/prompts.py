"""Terminal questions: the only module that imports questionary.

Prompts use `unsafe_ask()` so Ctrl-C raises KeyboardInterrupt (questionary's `.ask()` would swallow
it and return None); the CLI turns that into exit code 130 with nothing written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import questionary

from pyapi_scaffold.questions import Question


def ask(questions: Iterable[Question], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Ask each question with arrow-key choices or yes/no, its default preselected."""
    answers: dict[str, Any] = {}
    for question in questions:
        default = defaults.get(question.key, question.default)
        if question.type == "bool":
            answers[question.key] = questionary.confirm(
                question.help, default=bool(default)
            ).unsafe_ask()
        elif question.choices:
            choices = [
                questionary.Choice(title=label, value=value)
                for label, value in zip(question.labels, question.choices, strict=True)
            ]
            answers[question.key] = questionary.select(
                question.help, choices=choices, default=str(default)
            ).unsafe_ask()
        else:
            answers[question.key] = questionary.text(
                question.help, default=str(default or "")
            ).unsafe_ask()
    return answers


def confirm(message: str) -> bool:
    """A yes/no question, yes by default (the review before writing)."""
    answer: bool = questionary.confirm(message, default=True).unsafe_ask()
    return answer


def choose_framework(recommended: str, labels: Mapping[str, str]) -> str:
    """Accept the recommendation (the default) or override it."""
    choices = [
        questionary.Choice(
            title=f"{labels[value]} (recommended)" if value == recommended else labels[value],
            value=value,
        )
        for value in sorted(labels, key=lambda v: v != recommended)
    ]
    answer: str = questionary.select(
        "Which framework should the project use?", choices=choices, default=recommended
    ).unsafe_ask()
    return answer


def ask_project_name(check: Callable[[str], str | None]) -> str:
    """`new` without NAME on a terminal: ask for it, explaining a refused name until one fits."""
    answer: str = questionary.text(
        "Project name (e.g. my-service)",
        validate=lambda text: check(text.strip()) or True,
    ).unsafe_ask()
    return answer.strip()


def ask_text(message: str, check: Callable[[str], str | None]) -> str:
    """One text answer, re-asked with the reason until ``check`` accepts it."""
    answer: str = questionary.text(
        message, validate=lambda text: check(text.strip()) or True
    ).unsafe_ask()
    return answer.strip()


def ask_many(message: str, check: Callable[[str], str | None]) -> list[str]:
    """Answers one by one until an empty one (at least one answer)."""
    answers: list[str] = []
    while True:
        answer = questionary.text(
            f"{message} [{len(answers) + 1}]",
            validate=lambda text: (
                (None if text.strip() or answers else "give at least one")
                or (check(text.strip()) if text.strip() else None)
                or True
            ),
        ).unsafe_ask()
        if not answer.strip():
            return answers
        answers.append(answer.strip())
