"""Project shapes: how much project a purpose gets (issue 9).

``service`` is the full production layout (settings, migrations, production server, deployment
files, CI). ``minimal`` is the smallest honest project for prototypes and learning: one module
with the example resource, its tests, pyproject and lock file, README and the decision record.
Each shape is its own template folder (``fastapi/``, ``fastapi-minimal/``, ...), chosen by
``copier.yml``'s ``_subdirectory``, so neither tree is a maze of conditionals.

The shape is a recorded answer whose default follows the purpose (the same rule as
``copier.yml``). Switching it on an existing project would swap one layout for another, which a
3-way merge cannot do sensibly, so ``update`` refuses it in one line and says what to do.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pyapi_scaffold.errors import UsageError

MINIMAL_PURPOSES: Final = ("prototype", "learning")
SERVICE_ONLY: Final = ("docker", "compose", "kubernetes", "ci")
"""Options that exist in the service shape only (copier.yml hides them for the minimal one)."""

SHAPE_DESCRIPTIONS: Final[dict[str, str]] = {
    "service": "service (settings, migrations, production server; deployment files below)",
    "minimal": "minimal (one module with the example resource and its tests)",
}


def default_shape(answers: Mapping[str, Any]) -> str:
    """The shape the purpose implies: minimal for prototypes and learning (without WebSockets)."""
    purpose = answers.get("purpose", "api")
    websockets = answers.get("websockets", purpose == "realtime")
    return "minimal" if purpose in MINIMAL_PURPOSES and not websockets else "service"


def shape_of(answers: Mapping[str, Any]) -> str:
    """The shape a project with these answers has (recorded, else implied)."""
    return str(answers.get("shape") or default_shape(answers))


def describe(shape: str) -> str:
    """One line for the review screen."""
    return SHAPE_DESCRIPTIONS.get(shape, shape)


def template_folder(answers: Mapping[str, Any]) -> str:
    """The template folder a project is rendered from (copier.yml's `_subdirectory`)."""
    suffix = "-minimal" if shape_of(answers) == "minimal" else ""
    return f"{answers.get('framework', 'fastapi')}{suffix}"


def refuse_service_only_options(answers: Mapping[str, Any]) -> None:
    """`new`: a deployment option given for a minimal project is refused, not silently dropped."""
    if shape_of(answers) != "minimal":
        return
    given = [key for key in SERVICE_ONLY if key in answers]
    if given:
        raise UsageError(
            f"{given[0]} is not part of the minimal shape (prototype and learning projects); "
            "add -d shape=service for the full service layout"
        )


def for_update(previous: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` for an update, after refusing a shape switch; projects older than shapes are
    services, and say so explicitly (else Copier would derive a new shape from the purpose)."""
    result = dict(data)
    old = str(previous.get("shape") or "service")
    if "shape" in data:
        new = str(data["shape"])
        cause = f"shape={new}"
    else:
        new = default_shape({**previous, **data}) if "purpose" in data else old
        cause = f"purpose={data.get('purpose')}"
    if new != old:
        raise UsageError(
            f"{cause} would switch this {old} project to the {new} shape, a different layout that "
            f"update cannot merge: generate a new project (pyapi-scaffold new NAME ...) and move "
            f"your code, or keep the shape with -d shape={old}"
        )
    if old == "minimal" and data.get("websockets") in (True, "true"):
        raise UsageError(
            "the minimal shape has no WebSockets: generate a service project "
            "(pyapi-scaffold new NAME --websockets) and move your code"
        )
    if "shape" not in previous:
        result["shape"] = old
    return result
