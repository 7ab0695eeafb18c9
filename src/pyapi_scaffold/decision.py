"""The framework decision as data, recorded in the project so its decision record can be rendered.

Every generated project has ``docs/decisions/0001-framework.md`` (an ADR: context, decision,
consequences). Copier renders it from the project's answers only, and hidden (``when: false``)
values are not saved, so the recommendation is recorded as an ordinary answer, ``decision``:
scores, the criteria that applied with their reasons and sources, and the smallest flip. Plain
``copier update`` then reproduces the record, and ``pyapi-scaffold update`` refreshes the data
when a need or the framework changes, so the record follows the needs.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pyapi_scaffold.criteria import FRAMEWORK_NAMES
from pyapi_scaffold.needs import NEEDS_KEYS, Needs
from pyapi_scaffold.recommender import TIE_RULE, recommend, smallest_flip

DECISION_KEY: Final = "decision"
"""The answer (a YAML mapping in ``.copier-answers.yml``) that holds the recorded decision."""


def decision_data(needs: Needs) -> dict[str, Any]:
    """What the decision record needs beyond the answers themselves (plain YAML-able values)."""
    rec = recommend(needs)
    flip = smallest_flip(needs)
    return {
        "recommended": rec.framework,
        "scores": dict(rec.scores),
        "tie_broken": rec.tie_broken,
        "tie_rule": TIE_RULE,
        "summary": rec.summary,
        "criteria": [
            {
                "id": reason.id,
                "title": reason.title,
                "favours": FRAMEWORK_NAMES[reason.favours] if reason.favours else "neither",
                "points": reason.weight,
                "reason": reason.reason,
                "source": reason.source,
            }
            for reason in rec.reasons
        ],
        "flip": flip.describe() if flip else "no change of needs would flip it",
    }


def needs_from_answers(answers: Mapping[str, Any]) -> Needs:
    """The needs among recorded or given answers (missing ones take their defaults)."""
    return Needs.from_mapping({k: answers[k] for k in NEEDS_KEYS if k in answers})


def with_decision(previous: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` for an update, plus a fresh decision when it is due.

    Due when a need or the framework changes, or when the project has none recorded yet
    (generated before decision records). Otherwise the recorded decision is kept as it was made:
    a later release with different criteria does not rewrite history.
    """
    result = {k: v for k, v in data.items() if k != DECISION_KEY}
    changed = any(
        key in data and data[key] != previous.get(key) for key in (*NEEDS_KEYS, "framework")
    )
    if changed or not previous.get(DECISION_KEY):
        result[DECISION_KEY] = decision_data(needs_from_answers({**previous, **result}))
    return result
