"""Project shapes: how much project a purpose gets (issue 9).

A shape is the layout of the generated project. ``service`` is the full production layout
(migrations, deployment files, CI). Which shape a project has is recorded in its answers (it
follows from ``purpose``), so the review screen, the decision record and ``update`` agree on it.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

SHAPE_DESCRIPTIONS: Final[dict[str, str]] = {
    "service": "service (production layout: settings, migrations, production server)",
}


def shape_of(answers: Mapping[str, Any]) -> str:
    """The shape a project with these answers gets."""
    return "service"


def describe(shape: str) -> str:
    """One line for the review screen."""
    return SHAPE_DESCRIPTIONS.get(shape, shape)
