"""Project shapes: how much project a purpose gets (issue 9).

``service`` is the full production layout (settings, migrations, production server, deployment
files, CI). ``minimal`` is the smallest honest project for prototypes and learning: one module
with the example resource, its tests, pyproject and lock file, README and the decision record.
``ml`` (issue 10) serves a model: ``/predict``, micro-batching, readiness on a warm-up prediction,
deployment files; no database, auth, pages or WebSockets (``ML_REFUSED`` says why for each).
Each shape is its own template folder (``fastapi/``, ``fastapi-minimal/``, ``flask-ml/``, ...),
chosen by ``copier.yml``'s ``_subdirectory``, so neither tree is a maze of conditionals.

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

ML_PURPOSE: Final = "ml-serving"
ML_REFUSED: Final[dict[str, str]] = {
    "database": "the ML shape stores nothing, it serves a model",
    "auth": "the ML shape has no users; put it behind your gateway's authentication",
    "html_pages": "the ML shape is a JSON API without pages",
    "websockets": "the ML shape answers requests, it has no WebSockets",
}
"""Options the ML shape does not offer, and why (one line each, used in refusals)."""

SHAPE_DESCRIPTIONS: Final[dict[str, str]] = {
    "service": "service (settings, migrations, production server; deployment files below)",
    "minimal": "minimal (one module with the example resource and its tests)",
    "ml": "ml (a model served at /predict, micro-batched; deployment files; "
    "no database, auth, pages or WebSockets: -d shape=service has them)",
}
_FOLDER_SUFFIX: Final[dict[str, str]] = {"minimal": "-minimal", "ml": "-ml"}


def default_shape(answers: Mapping[str, Any]) -> str:
    """The shape the purpose implies: minimal for prototypes and learning (without WebSockets),
    ml for model serving (without WebSockets or pages, which only the service has)."""
    purpose = answers.get("purpose", "api")
    websockets = answers.get("websockets", purpose == "realtime")
    if purpose in MINIMAL_PURPOSES and not websockets:
        return "minimal"
    if purpose == ML_PURPOSE and not websockets and not answers.get("html_pages", False):
        return "ml"
    return "service"


def shape_of(answers: Mapping[str, Any]) -> str:
    """The shape a project with these answers has (recorded, else implied)."""
    return str(answers.get("shape") or default_shape(answers))


def describe(shape: str) -> str:
    """One line for the review screen."""
    return SHAPE_DESCRIPTIONS.get(shape, shape)


def template_folder(answers: Mapping[str, Any]) -> str:
    """The template folder a project is rendered from (copier.yml's `_subdirectory`)."""
    suffix = _FOLDER_SUFFIX.get(shape_of(answers), "")
    return f"{answers.get('framework', 'fastapi')}{suffix}"


def refuse_service_only_options(answers: Mapping[str, Any]) -> None:
    """`new`: a deployment option given for a minimal project is refused, not silently dropped;
    so is an option the ML shape does not offer (issue 10)."""
    refuse_ml_options(answers)
    if shape_of(answers) != "minimal":
        return
    given = [key for key in SERVICE_ONLY if key in answers]
    if given:
        raise UsageError(
            f"{given[0]} is not part of the minimal shape (prototype and learning projects); "
            "add -d shape=service for the full service layout"
        )


def _offered(key: str, value: Any) -> bool:
    """Whether an answer asks for something (auth=none, database=none, false do not)."""
    return value not in (None, False, "none", "false", "no", "0")


def refuse_ml_options(answers: Mapping[str, Any]) -> None:
    """An option the ML shape does not offer, asked for an ML project: one line saying why."""
    if shape_of(answers) != "ml":
        return
    for key, why in ML_REFUSED.items():
        if key in answers and _offered(key, answers[key]):
            raise UsageError(
                f"{key}={answers[key]} is not part of the ML shape ({why}); "
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
    if old == "ml":
        refuse_ml_options({**data, "shape": "ml"})
    if "shape" not in previous:
        result["shape"] = old
    return result
