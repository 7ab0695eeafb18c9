"""The template's questions, read from its `copier.yml`, so the CLI never keeps a second copy.

Flags, `--data`, answers files, the "what is missing" message and the JSON output all use this
schema: a key is valid if `copier.yml` asks it, a value is valid if it fits the question's type and
choices, and a question is asked only when its `when` holds for the answers so far.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment

from pyapi_scaffold.answers import shorten
from pyapi_scaffold.errors import UsageError
from pyapi_scaffold.names import check_answer

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})


@dataclass(frozen=True)
class Question:
    """One Copier question, as far as the CLI needs to know it."""

    key: str
    type: str
    help: str
    choices: tuple[str, ...]
    labels: tuple[str, ...]
    default: Any
    when: Any

    def coerce(self, raw: object) -> str | bool:
        """Turn a flag/`--data`/YAML value into this question's type, or explain the problem."""
        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise UsageError(f"{self.key} must be true or false, not {shorten(raw)}")
        if self.type == "yaml":
            return raw  # type: ignore[return-value]  # structured data, e.g. the decision record
        if isinstance(raw, bool | dict | list) or raw is None:
            raise UsageError(f"{self.key} must be a text value, not {shorten(raw)}")
        if isinstance(raw, float) and self.choices and str(raw) not in self.choices:
            raise UsageError(
                f"{self.key}: YAML reads {raw} as a number (3.10 becomes 3.1); quote it, "
                f'e.g. {self.key}: "{self.choices[-1]}" (one of {", ".join(self.choices)})'
            )
        value = str(raw)
        if self.choices and value not in self.choices:
            raise UsageError(
                f"{self.key} must be one of {', '.join(self.choices)}; got {shorten(value)}"
            )
        return value


@cache
def load_questions(template_root: Path) -> dict[str, Question]:
    """Parse `copier.yml` (keys starting with '_' are Copier settings, not questions)."""
    raw = yaml.safe_load((template_root / "copier.yml").read_text(encoding="utf-8"))
    questions: dict[str, Question] = {}
    for key, spec in raw.items():
        if key.startswith("_") or not isinstance(spec, dict):
            continue
        choices = spec.get("choices") or ()
        values = tuple(
            _choice_value(v) for v in (choices.values() if isinstance(choices, dict) else choices)
        )
        labels = tuple(str(k) for k in choices) if isinstance(choices, dict) else values
        questions[key] = Question(
            key=key,
            type=str(spec.get("type", "str")),
            help=str(spec.get("help", key)),
            choices=values,
            labels=labels,
            default=spec.get("default"),
            when=spec.get("when", True),
        )
    return questions


def _choice_value(choice: object) -> str:
    """A choice's value; extended choices (``{value: x, validator: ...}``) can be disabled by
    their validator, which Copier itself evaluates (in its prompt, and for given answers)."""
    if isinstance(choice, dict):
        return str(choice["value"])
    return str(choice)


def coerce_answers(questions: Mapping[str, Question], raw: Mapping[str, object]) -> dict[str, Any]:
    """Validate keys and values given by a person or a script; unknown keys are usage errors."""
    unknown = sorted(set(raw) - set(questions))
    if unknown:
        keys = ", ".join(shorten(k, 30) for k in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        raise UsageError(
            f"unknown answer key {keys}{more}; see `pyapi-scaffold new --help` and the README"
        )
    coerced = {key: questions[key].coerce(value) for key, value in raw.items()}
    for key, value in coerced.items():
        problem = check_answer(key, value)
        if problem:
            raise UsageError(problem)
    return coerced


def resolved_defaults(
    questions: Mapping[str, Question], answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Every question's value: the answer when given, else its (Jinja-rendered) default."""
    env = Environment(autoescape=False)
    context: dict[str, Any] = {}
    for key, question in questions.items():
        if key in answers:
            context[key] = answers[key]
        elif isinstance(question.default, str) and "{{" in question.default:
            rendered = env.from_string(question.default).render(**context)
            # A bool default renders as "True"/"False": a later `not websockets` must see a bool
            # (as in Copier, which casts each answer to its type), not a non-empty string.
            is_bool = question.type == "bool"
            context[key] = rendered.strip().lower() == "true" if is_bool else rendered
        else:
            context[key] = question.default
    return context


def is_asked(question: Question, context: Mapping[str, Any]) -> bool:
    """Whether Copier would ask ``question`` given the other answers (its `when` holds)."""
    when = question.when
    if isinstance(when, bool):
        return when
    if isinstance(when, str):
        rendered = Environment(autoescape=False).from_string(when).render(**context)
        return rendered.strip().lower() not in {"", "false", "0", "no", "none", "off"}
    return bool(when)


def hidden_keys(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> list[str]:
    """Given keys whose question is hidden by the other answers (e.g. compose without docker)."""
    context = resolved_defaults(questions, answers)
    return [k for k in answers if k in questions and not is_asked(questions[k], context)]


def unanswered(questions: Mapping[str, Question], answers: Mapping[str, Any]) -> list[str]:
    """Keys Copier would still have to ask about, in the template's order."""
    context = resolved_defaults(questions, answers)
    return [k for k, q in questions.items() if k not in answers and is_asked(q, context)]
