"""Turn the needs into a framework: add up the criteria that apply, and explain the result.

How it decides
--------------
Every criterion in :data:`pyapi_scaffold.criteria.CRITERIA` whose condition holds adds its points
to FastAPI or to Flask. The framework with more points is recommended. The points are shown to
the user together with each criterion's reason and source, so the advice can be checked rather
than trusted.

Tie rule (documented, deterministic)
------------------------------------
When both frameworks have the same score, the recommendation is **FastAPI if the purpose is a
JSON API** (``api``, ``ml-serving`` or ``realtime``) and **Flask otherwise**.

Why: the documents agree on exactly this split when nothing else decides. For APIs they call
FastAPI the default ("It is the default choice for new Python API projects", 001; "FastAPI is the
clear choice for new API projects", 002); for everything else they call Flask the simpler choice
("Flask is the right tool when simplicity, a proven ecosystem, and server-side rendering take
priority", 002). The rule depends on one answer only, so the user can predict it, and it does not
use ``api_docs`` (which defaults to true and would otherwise push almost every tie to FastAPI).

Smallest flip
-------------
:func:`smallest_flip` finds the fewest answers to change for the other framework to win, so the
CLI can say "answer X instead of Y and it would be Flask". Among changes of the same size it takes
the first in a fixed order: keys in question order (:data:`NEEDS_KEYS`), then values in their
declaration order. The search is exhaustive (there are only 1,344 possible answer sets), so the
result is exactly minimal, not a heuristic.

Everything in this module is pure: no I/O, no randomness, no clock.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from typing import Final

from pyapi_scaffold.criteria import (
    API_PURPOSES,
    CRITERIA,
    FRAMEWORK_NAMES,
    FRAMEWORKS,
    Criterion,
    Framework,
)
from pyapi_scaffold.needs import NEEDS_KEYS, Needs, allowed_values

TIE_RULE: Final = (
    "On a tie: FastAPI if the purpose is a JSON API (api, ml-serving, realtime), otherwise Flask."
)
"""The tie rule in one line, for ``--why`` output and the docs."""


@dataclass(frozen=True)
class Reason:
    """One criterion that applied: what it favoured, by how much, and why (with its source)."""

    id: str
    title: str
    favours: Framework | None
    weight: int
    reason: str
    source: str
    quote: str

    @classmethod
    def from_criterion(cls, criterion: Criterion) -> Reason:
        """Copy the user-facing parts of an applied criterion."""
        return cls(
            id=criterion.id,
            title=criterion.title,
            favours=criterion.favours,
            weight=criterion.weight,
            reason=criterion.reason,
            source=criterion.source,
            quote=criterion.quote,
        )


@dataclass(frozen=True)
class Recommendation:
    """The recommended framework, both scores, the reasons behind them and a one-line summary."""

    framework: Framework
    scores: dict[str, int]
    reasons: tuple[Reason, ...]
    tie_broken: bool
    summary: str

    @property
    def other(self) -> Framework:
        """The framework that was not recommended."""
        return "flask" if self.framework == "fastapi" else "fastapi"

    @property
    def margin(self) -> int:
        """By how many points the recommended framework leads (0 on a tie)."""
        return self.scores[self.framework] - self.scores[self.other]


def _tie_winner(needs: Needs) -> Framework:
    """The documented tie rule (see the module docstring)."""
    return "fastapi" if needs.purpose.value in API_PURPOSES else "flask"


def _summary(framework: Framework, scores: dict[str, int], reasons: tuple[Reason, ...]) -> str:
    """One sentence: the winner, the score, and the strongest reasons that pushed its way."""
    other: Framework = "flask" if framework == "fastapi" else "fastapi"
    name, other_name = FRAMEWORK_NAMES[framework], FRAMEWORK_NAMES[other]
    top = [r.title for r in reasons if r.favours == framework][:3]
    because = f" ({', '.join(top)})" if top else ""
    if scores[framework] == scores[other]:
        kind = "is" if framework == "fastapi" else "is not"
        return (
            f"{name}: tied with {other_name} at {scores[framework]} points; the purpose {kind} "
            f"a JSON API, so the tie rule gives it to {name}."
        )
    return f"{name}: {scores[framework]} points vs {scores[other]} for {other_name}{because}."


def recommend(needs: Needs) -> Recommendation:
    """Score both frameworks against every criterion and recommend the higher one.

    Reasons are ordered strongest first (then in criteria order), so the first lines the user
    reads are the ones that mattered most.
    """
    applied = [criterion for criterion in CRITERIA if criterion.applies(needs)]
    scores: dict[str, int] = {
        "fastapi": sum(criterion.fastapi for criterion in applied),
        "flask": sum(criterion.flask for criterion in applied),
    }
    ranked = sorted(enumerate(applied), key=lambda pair: (-pair[1].weight, pair[0]))
    reasons = tuple(Reason.from_criterion(criterion) for _, criterion in ranked)
    tie = scores["fastapi"] == scores["flask"]
    framework: Framework
    if tie:
        framework = _tie_winner(needs)
    else:
        framework = "fastapi" if scores["fastapi"] > scores["flask"] else "flask"
    return Recommendation(
        framework=framework,
        scores=scores,
        reasons=reasons,
        tie_broken=tie,
        summary=_summary(framework, scores, reasons),
    )


@cache
def _framework_for(needs: Needs) -> Framework:
    """Memoised framework choice; the flip search asks about the same answer sets repeatedly."""
    return recommend(needs).framework


def _show(value: str | bool) -> str:
    """Answers as a user types them: yes/no for booleans."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@dataclass(frozen=True)
class Change:
    """One answer changed: ``key`` from ``old`` to ``new``."""

    key: str
    old: str | bool
    new: str | bool

    def describe(self) -> str:
        """E.g. ``purpose=prototype instead of api``."""
        return f"{self.key}={_show(self.new)} instead of {_show(self.old)}"


@dataclass(frozen=True)
class Flip:
    """The smallest set of answer changes after which the other framework is recommended."""

    changes: tuple[Change, ...]
    needs: Needs
    framework: Framework

    def describe(self) -> str:
        """E.g. ``answer purpose=prototype instead of api and it would be Flask``."""
        parts = [change.describe() for change in self.changes]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return f"answer {listed} and it would be {FRAMEWORK_NAMES[self.framework]}"


def smallest_flip(needs: Needs) -> Flip | None:
    """The fewest answer changes that flip the recommendation, or None if nothing flips it.

    Searches change sets by size (1 key, then 2, ...); within a size, key combinations in question
    order and values in declaration order. The first set that flips is returned, so the result is
    minimal in size and deterministic.
    """
    current = _framework_for(needs)
    answers = needs.as_answers()
    alternatives = {
        key: [value for value in allowed_values(key) if value != answers[key]] for key in NEEDS_KEYS
    }
    for size in range(1, len(NEEDS_KEYS) + 1):
        for keys in itertools.combinations(NEEDS_KEYS, size):
            for new_values in itertools.product(*(alternatives[key] for key in keys)):
                candidate = needs.replace(**dict(zip(keys, new_values, strict=True)))
                framework = _framework_for(candidate)
                if framework != current:
                    changes = tuple(
                        Change(key, answers[key], value)
                        for key, value in zip(keys, new_values, strict=True)
                    )
                    return Flip(changes=changes, needs=candidate, framework=framework)
    return None


__all__ = [
    "FRAMEWORKS",
    "TIE_RULE",
    "Change",
    "Flip",
    "Reason",
    "Recommendation",
    "recommend",
    "smallest_flip",
]
