"""What the person is building: the public contract of the recommender's input.

The seven needs are the first questions in ``templates/copier.yml``; their names, values and
defaults here must stay identical to that file, because the answers are recorded in the
generated project's ``.copier-answers.yml`` and read back on ``update``. Keeping them in one
small, dependency-free module lets the CLI, the recommender and the tests share one definition.

Everything here is pure: no I/O, no third-party imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Final, TypeVar


class Purpose(StrEnum):
    """The main kind of project; the strongest single driver of the recommendation."""

    API = "api"
    WEB_APP = "web-app"
    ML_SERVING = "ml-serving"
    REALTIME = "realtime"
    PROTOTYPE = "prototype"
    INTERNAL_TOOL = "internal-tool"
    LEARNING = "learning"


class Concurrency(StrEnum):
    """Expected concurrent load; async I/O only pays off when there is a lot of it."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class TeamExperience(StrEnum):
    """Which framework the team already knows; experience shortens the first month."""

    NONE = "none"
    FLASK = "flask"
    FASTAPI = "fastapi"
    BOTH = "both"


NEEDS_KEYS: Final[tuple[str, ...]] = (
    "purpose",
    "concurrency",
    "websockets",
    "html_pages",
    "api_docs",
    "team_experience",
    "flask_extensions",
)
"""The need keys in question order (the same order as in ``templates/copier.yml``)."""

_ENUM_KEYS: Final[dict[str, type[StrEnum]]] = {
    "purpose": Purpose,
    "concurrency": Concurrency,
    "team_experience": TeamExperience,
}
_BOOL_KEYS: Final[tuple[str, ...]] = ("websockets", "html_pages", "api_docs", "flask_extensions")
_TRUE_WORDS: Final[frozenset[str]] = frozenset({"true", "yes", "1"})
_FALSE_WORDS: Final[frozenset[str]] = frozenset({"false", "no", "0"})

_E = TypeVar("_E", bound=StrEnum)

IMPLIED_OPTIONS: Final[dict[str, dict[str, bool]]] = {
    "web-app": {"html_pages": True},
    "internal-tool": {"html_pages": True},
    "realtime": {"websockets": True},
}
"""Needs that a purpose already answers: a web app has pages, a real-time app has WebSockets.

They are the derived defaults of those questions (``templates/copier.yml`` says the same in
Jinja), they are not asked again after such a purpose, and an explicit answer still wins. The
criteria never count them on top of the purpose, so deriving them cannot change a score.
"""


def derived_defaults(purpose: str) -> dict[str, bool]:
    """The default of each option-like need for this purpose (False unless the purpose says so)."""
    return {"websockets": False, "html_pages": False, **IMPLIED_OPTIONS.get(purpose, {})}


def allowed_values(key: str) -> tuple[str, ...] | tuple[bool, ...]:
    """The values a need accepts, in declaration order (used for messages and enumeration)."""
    if key in _ENUM_KEYS:
        return tuple(member.value for member in _ENUM_KEYS[key])
    if key in _BOOL_KEYS:
        return (False, True)
    raise ValueError(f"unknown need {key!r}; expected one of: {', '.join(NEEDS_KEYS)}")


def _parse_enum(key: str, enum: type[_E], value: object) -> _E:
    """Accept an enum member or its string value (case and surrounding spaces ignored)."""
    if isinstance(value, enum):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        for member in enum:
            if member.value == text:
                return member
    allowed = ", ".join(member.value for member in enum)
    raise ValueError(f"invalid value {value!r} for {key}; allowed: {allowed}")


def _parse_bool(key: str, value: object) -> bool:
    """Accept a bool or one of true/false/yes/no/1/0 as a string (Copier and CLI flags)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_WORDS:
            return True
        if text in _FALSE_WORDS:
            return False
    raise ValueError(f"invalid value {value!r} for {key}; allowed: true, false (or yes/no, 1/0)")


def follow_purpose(
    previous: Mapping[str, object], changes: Mapping[str, object]
) -> dict[str, object]:
    """``changes`` plus the option-like needs that follow a changed purpose (for ``update``).

    An option follows only where the person never chose it: its recorded value is still the
    derived default of the old purpose, and ``changes`` does not set it. An explicit answer
    (a value that differs from that default, or one given now) stays as it is. It follows
    towards "on" only: a new purpose adds what it implies and never removes code.
    """
    result = dict(changes)
    old, new = previous.get("purpose"), changes.get("purpose")
    if new is None or new == old:
        return result
    before, after = derived_defaults(str(old or "api")), derived_defaults(str(new))
    for key, value in after.items():
        # Only towards "on": a new purpose brings what it implies, it never removes code.
        if value and key not in changes and previous.get(key, before[key]) == before[key]:
            result[key] = value
    return result


@dataclass(frozen=True)
class Needs:
    """The answers to the seven need questions, always valid once constructed.

    Defaults match ``templates/copier.yml`` so that ``Needs()`` recommends exactly what
    ``copier copy --defaults`` would record.
    """

    purpose: Purpose = Purpose.API
    concurrency: Concurrency = Concurrency.MODERATE
    websockets: bool = False
    html_pages: bool = False
    api_docs: bool = True
    team_experience: TeamExperience = TeamExperience.NONE
    flask_extensions: bool = False

    def __post_init__(self) -> None:
        """Coerce plain strings to the enums and refuse anything else, so a Needs is never invalid.

        Callers that build a Needs from untyped data (``Needs(purpose="api")`` at runtime) get the
        same checks and the same one-line ``ValueError`` as :meth:`from_mapping`.
        """
        for key, enum in _ENUM_KEYS.items():
            object.__setattr__(self, key, _parse_enum(key, enum, getattr(self, key)))
        for key in _BOOL_KEYS:
            value = getattr(self, key)
            if not isinstance(value, bool):
                object.__setattr__(self, key, _parse_bool(key, value))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Needs:
        """Build Needs from answers (Copier data, CLI options, a YAML answers file).

        Missing keys take their defaults; ``html_pages`` and ``websockets`` default to what the
        purpose implies (:data:`IMPLIED_OPTIONS`), exactly as Copier derives them. Unknown keys
        are refused rather than ignored, because a misspelt need would otherwise silently fall
        back to its default and change the advice.
        Keys that are not needs (e.g. ``project_name`` in an answers file) must be filtered out by
        the caller; :data:`NEEDS_KEYS` lists the ones to keep.
        """
        unknown = [key for key in data if key not in NEEDS_KEYS]
        if unknown:
            raise ValueError(
                f"unknown need {unknown[0]!r}; expected one of: {', '.join(NEEDS_KEYS)}"
            )
        values: dict[str, object] = {}
        for key, value in data.items():
            if key in _ENUM_KEYS:
                values[key] = _parse_enum(key, _ENUM_KEYS[key], value)
            else:
                values[key] = _parse_bool(key, value)
        purpose = values.get("purpose", Purpose.API)
        for key, value in derived_defaults(str(getattr(purpose, "value", purpose))).items():
            values.setdefault(key, value)
        return cls(**values)  # type: ignore[arg-type]  # each value was parsed for its key above

    def as_answers(self) -> dict[str, str | bool]:
        """The plain values (str and bool, no enum types) in question order, ready for Copier."""
        answers: dict[str, str | bool] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            answers[field.name] = value.value if isinstance(value, StrEnum) else bool(value)
        return answers

    def replace(self, **changes: str | bool) -> Needs:
        """A copy with some answers changed (plain values accepted, validated like the rest)."""
        merged: dict[str, object] = dict(self.as_answers())
        merged.update(changes)
        return Needs.from_mapping(merged)
