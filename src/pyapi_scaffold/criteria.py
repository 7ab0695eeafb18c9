"""The criteria behind the recommendation, kept as data so every one can be read, cited and tested.

Each :class:`Criterion` says when it applies (a declarative condition on the answers), how many
points it gives FastAPI or Flask, one sentence the user reads, and the seed document plus a short
verbatim quote that supports it. ``tests/test_criteria.py`` checks that each quote really occurs
in its document, so a criterion cannot drift away from its evidence.

Weight scale (points go to one side only; ``0/0`` marks a criterion that is shown but neutral):

* 1 -- a tilt: real, but rarely decisive on its own;
* 2 -- a clear advantage the documents agree on;
* 3 -- the documents name it as a "choose X when ..." use case;
* 4 -- a use case that several documents name independently;
* 7 -- close to a hard constraint (Flask-only extensions cannot run on FastAPI at all).

Performance: the documents' request-per-second figures ("~120k vs ~30k", "3-10x", "2-3x") were not
reproduced (the shared notes' ``stack.md``: in-process cost is about equal and the gap is mostly
the server; Flask on granian closes most of it under I/O-bound load). So no criterion rests on raw
speed; the only performance criterion is async I/O under high concurrency, weighted 2, not more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal

from pyapi_scaffold.needs import Needs, allowed_values

Framework = Literal["fastapi", "flask"]
"""The two frameworks pyapi-scaffold can render."""

FRAMEWORKS: Final[tuple[Framework, Framework]] = ("fastapi", "flask")
FRAMEWORK_NAMES: Final[dict[Framework, str]] = {"fastapi": "FastAPI", "flask": "Flask"}

API_PURPOSES: Final[tuple[str, ...]] = ("api", "ml-serving", "realtime")
"""Purposes whose product is a JSON API (used by criteria and by the recommender's tie rule)."""

TOPICS: Final[tuple[str, ...]] = (
    "async-concurrency",
    "validation",
    "api-docs",
    "performance",
    "ssr-jinja2",
    "extensions",
    "team-flask",
    "team-fastapi",
    "team-both",
    "learning-curve",
    "prototype",
    "internal-tool",
    "learning",
    "ml-serving",
    "realtime-websockets",
    "microservices-api-first",
    "dependency-injection",
)
"""The comparison topics the seed documents discuss; each must be covered by some criterion."""


@dataclass(frozen=True)
class Condition:
    """``key`` is one of ``values``: a declarative test on one answer, printable for the user."""

    key: str
    values: frozenset[str | bool]

    def holds(self, needs: Needs) -> bool:
        """True when the answer for ``key`` is one of ``values``."""
        return needs.as_answers()[self.key] in self.values

    def describe(self) -> str:
        """A short human form such as ``purpose is api or ml-serving`` or ``websockets``."""
        if self.values == frozenset({True}):
            return self.key
        if self.values == frozenset({False}):
            return f"not {self.key}"
        order = allowed_values(self.key)
        shown = [str(value) for value in order if value in self.values]
        return f"{self.key} is {' or '.join(shown)}"


def unless(key: str, *values: str | bool) -> Condition:
    """``key`` is anything but ``values``: the complement of :func:`when` (same checks)."""
    when(key, *values)  # refuses unknown keys and values
    return Condition(key, frozenset(v for v in allowed_values(key) if v not in values))


def when(key: str, *values: str | bool) -> Condition:
    """Build a :class:`Condition`, refusing keys or values the needs do not have.

    Checking here (at import time) means a typo in a criterion fails every test run at once
    instead of making that criterion silently never apply.
    """
    allowed = allowed_values(key)  # raises ValueError for an unknown key
    if not values:
        raise ValueError(f"condition on {key} needs at least one value")
    for value in values:
        if value not in allowed or type(value) is not type(allowed[0]):
            raise ValueError(f"invalid value {value!r} for {key} in a criterion")
    return Condition(key, frozenset(values))


@dataclass(frozen=True)
class Criterion:
    """One reason to prefer a framework, with the evidence for it.

    ``conditions`` are combined with AND; :meth:`applies` is the predicate the recommender uses.
    ``fastapi`` and ``flask`` are the points it adds to each side when it applies.
    """

    id: str
    title: str
    conditions: tuple[Condition, ...]
    fastapi: int
    flask: int
    reason: str
    source: str
    quote: str
    topics: tuple[str, ...]
    note: str = field(default="")

    def applies(self, needs: Needs) -> bool:
        """True when every condition holds for these answers."""
        return all(condition.holds(needs) for condition in self.conditions)

    def describe_condition(self) -> str:
        """The condition in words, e.g. ``purpose is api and api_docs``."""
        return " and ".join(condition.describe() for condition in self.conditions)

    @property
    def favours(self) -> Framework | None:
        """The framework this criterion pushes towards, or None when it is neutral."""
        if self.fastapi > self.flask:
            return "fastapi"
        if self.flask > self.fastapi:
            return "flask"
        return None

    @property
    def weight(self) -> int:
        """How hard it pushes (criteria push one way only, so this is the non-zero weight)."""
        return max(self.fastapi, self.flask)


def _criterion(
    id: str,
    title: str,
    conditions: Iterable[Condition],
    *,
    fastapi: int = 0,
    flask: int = 0,
    reason: str,
    source: str,
    quote: str,
    topics: Iterable[str],
    note: str = "",
) -> Criterion:
    """Keyword-only constructor so the table below reads like a table."""
    return Criterion(
        id=id,
        title=title,
        conditions=tuple(conditions),
        fastapi=fastapi,
        flask=flask,
        reason=reason,
        source=source,
        quote=quote,
        topics=tuple(topics),
        note=note,
    )


DOC_000: Final = "000_fcc6b7cbbea624bb.txt"
DOC_001: Final = "001_d648b3b768b21b59.txt"
DOC_002: Final = "002_dfb22b300b4c5aa0.txt"
DOC_003: Final = "003_3945880a68f37d75.plain.txt"
DOC_004: Final = "004_54ca845f91073b15.txt"

STACK_NOTE: Final = (
    "Measured (notes/stack.md): the documents' ~120k vs ~30k req/s was not reproduced; the gap is "
    "mostly the server, and async I/O matters under many concurrent I/O-bound requests."
)

CRITERIA: Final[tuple[Criterion, ...]] = (
    # ------------------------------------------------------------- what is being built
    _criterion(
        "api-first",
        "API-first service or microservice",
        [when("purpose", "api")],
        fastapi=3,
        reason=(
            "The documents call FastAPI the default for new JSON APIs and microservices, where "
            "typed request/response models and generated docs save the most time."
        ),
        source=DOC_001,
        quote="Choose FastAPI for API-first services, microservices",
        topics=["microservices-api-first"],
    ),
    _criterion(
        "ml-serving",
        "ML model serving",
        [when("purpose", "ml-serving")],
        fastapi=3,
        reason=(
            "Serving a model as an API is a use case the documents give to FastAPI: typed inputs "
            "and async handling of many waiting requests."
        ),
        source=DOC_002,
        quote="FastAPI is ideal for data science APIs and ML model serving",
        topics=["ml-serving"],
    ),
    _criterion(
        "realtime",
        "Real-time features",
        [when("purpose", "realtime")],
        fastapi=3,
        reason=(
            "Live updates keep many connections open at once, which an async (ASGI) framework "
            "handles natively."
        ),
        source=DOC_001,
        quote="particularly strong for ML model serving, real-time data APIs",
        topics=["realtime-websockets"],
    ),
    _criterion(
        "server-rendered-app",
        "Web application, not just an API",
        [when("purpose", "web-app")],
        flask=3,
        reason=(
            "For a full web application (pages, forms, sessions) rather than a JSON API, the "
            "documents recommend Flask."
        ),
        source=DOC_002,
        quote="building a monolithic web application that is more than just an API",
        topics=["ssr-jinja2"],
    ),
    _criterion(
        "prototype",
        "Quick prototype",
        [when("purpose", "prototype")],
        flask=3,
        reason="For a quick prototype, Flask's minimal boilerplate gets something running fastest.",
        source=DOC_001,
        quote="for simple prototypes where you want minimal boilerplate",
        topics=["prototype"],
    ),
    _criterion(
        "internal-tool",
        "Internal tool",
        [when("purpose", "internal-tool")],
        flask=3,
        reason=(
            "Internal tools value minimal configuration and fast results over API features, "
            "which is where the documents place Flask."
        ),
        source=DOC_002,
        quote="internal tools, and proof-of-concepts where minimal configuration and fast results",
        topics=["internal-tool"],
    ),
    _criterion(
        "learning",
        "Learning or teaching project",
        [when("purpose", "learning")],
        flask=4,
        reason=(
            "Flask has fewer concepts to learn first (no async, no Pydantic), which three of the "
            "documents single out for teaching web development."
        ),
        source=DOC_002,
        quote="Choose Flask for educational projects where simple concepts help beginners learn",
        topics=["learning"],
        note="Also 001 ('a better teaching tool') and 000 ('Excellent as a learning tool').",
    ),
    # ------------------------------------------------------------- API features
    _criterion(
        "request-validation",
        "Built-in request validation",
        [when("purpose", *API_PURPOSES)],
        fastapi=1,
        reason=(
            "FastAPI validates JSON bodies, query and path parameters from type hints with no "
            "extra library; Flask needs an extension for the same."
        ),
        source=DOC_001,
        quote="the framework automatically validates request bodies, query parameters, and path",
        topics=["validation"],
    ),
    _criterion(
        "dependency-injection",
        "Built-in dependency injection",
        [when("purpose", *API_PURPOSES)],
        fastapi=1,
        reason=(
            "API services share database sessions and auth across endpoints, which FastAPI's "
            "Depends() handles without extra packages."
        ),
        source=DOC_002,
        quote="Built-in DI system with Depends() for reusable dependencies, auth, and database",
        topics=["dependency-injection"],
    ),
    _criterion(
        "api-docs",
        "Interactive API docs",
        [when("api_docs", True)],
        fastapi=2,
        reason=(
            "FastAPI generates OpenAPI, Swagger UI and ReDoc from the code itself, so the docs "
            "cannot drift; in Flask they come from an extension."
        ),
        source=DOC_002,
        quote="Auto-generated with Swagger UI and ReDoc out of the box, always synchronized",
        topics=["api-docs"],
        note="pyapi-scaffold's Flask template serves docs too, via the flask-openapi3 extension.",
    ),
    # ------------------------------------------------------------- load and connections
    _criterion(
        "high-concurrency",
        "High concurrency, I/O-bound",
        [when("concurrency", "high")],
        fastapi=2,
        reason=(
            "With thousands of concurrent I/O-bound requests, async endpoints keep serving while "
            "they wait on the database or other services."
        ),
        source=DOC_002,
        quote="designed for high concurrency and I/O-bound workloads",
        topics=["async-concurrency", "performance"],
        note=STACK_NOTE,
    ),
    _criterion(
        "limited-concurrency",
        "Limited concurrency",
        [when("concurrency", "low")],
        flask=1,
        reason=(
            "At low load, synchronous request handling is simpler to write and reason about "
            "and fast enough."
        ),
        source=DOC_002,
        quote="suitable for standard web applications with limited concurrency needs",
        topics=["async-concurrency"],
    ),
    _criterion(
        "websockets",
        "WebSockets",
        # Not for purpose=realtime: that purpose turns WebSockets on by default and its own
        # criterion already counts live connections (a need is counted once, issue 9).
        [when("websockets", True), unless("purpose", "realtime")],
        fastapi=3,
        reason=(
            "FastAPI has native async WebSocket handlers; Flask needs Flask-SocketIO with extra "
            "deployment configuration."
        ),
        source=DOC_002,
        quote="Native WebSocket support via Starlette with async handlers",
        topics=["realtime-websockets"],
    ),
    # ------------------------------------------------------------- pages and extensions
    _criterion(
        "server-rendered-html",
        "Server-rendered HTML with Jinja2",
        # Not for web-app / internal-tool: those purposes turn pages on by default and their own
        # criteria already count them, so deriving html_pages never changes the scores (issue 9).
        [when("html_pages", True), unless("purpose", "web-app", "internal-tool")],
        flask=3,
        reason=(
            "Flask ships Jinja2 templating and request/session helpers for pages; the documents "
            "place server-side rendering on Flask's side."
        ),
        source=DOC_002,
        quote="simple web application with server-side rendering via Jinja2 templates",
        topics=["ssr-jinja2"],
    ),
    _criterion(
        "flask-extensions",
        "Flask-only extensions",
        [when("flask_extensions", True)],
        flask=7,
        reason=(
            "Extensions such as Flask-Admin or Flask-Login expect a Flask app object and cannot "
            "be used in FastAPI, so relying on them nearly decides the question."
        ),
        source=DOC_000,
        quote="Most Flask extensions expect a Flask app object, so they cannot be used directly",
        topics=["extensions"],
        note="001: 'Flask's extensive extension ecosystem for admin interfaces, authentication'.",
    ),
    # ------------------------------------------------------------- the team
    _criterion(
        "team-knows-flask",
        "Team knows Flask",
        [when("team_experience", "flask")],
        flask=3,
        reason="A team with Flask experience is productive from day one and avoids a migration.",
        source=DOC_002,
        quote="when your team already has extensive Flask experience",
        topics=["team-flask"],
    ),
    _criterion(
        "team-knows-fastapi",
        "Team knows FastAPI",
        [when("team_experience", "fastapi")],
        fastapi=3,
        reason=(
            "A team that already uses FastAPI has paid its learning cost (async, Pydantic), "
            "which the documents name as its main hurdle."
        ),
        source=DOC_004,
        quote="it might pose a learning curve for developers unfamiliar with asynchronous",
        topics=["team-fastapi"],
    ),
    _criterion(
        "team-knows-both",
        "Team knows both",
        [when("team_experience", "both")],
        reason=(
            "Experience with both frameworks tips neither way; the other answers decide, and "
            "moving between them later is easy."
        ),
        source=DOC_002,
        quote="both frameworks use similar routing patterns",
        topics=["team-both"],
    ),
    _criterion(
        "gentle-learning-curve",
        "Gentler learning curve",
        [when("team_experience", "none")],
        flask=1,
        reason=(
            "For a team new to both, Flask is slightly quicker to learn: FastAPI adds async "
            "concepts and Pydantic models."
        ),
        source=DOC_003,
        quote="Slightly steeper (due to async concepts and Pydantic)",
        topics=["learning-curve"],
        note="002 differs in degree: FastAPI's learning curve 'Low', Flask's 'Very low'.",
    ),
)
"""Every criterion, in the order reasons are shown."""

CRITERIA_BY_ID: Final[dict[str, Criterion]] = {criterion.id: criterion for criterion in CRITERIA}


def seeds_needed() -> frozenset[str]:
    """The seed documents the criteria cite (for packaging checks and the ``--why`` output)."""
    return frozenset(criterion.source for criterion in CRITERIA)


__all__ = [
    "API_PURPOSES",
    "CRITERIA",
    "CRITERIA_BY_ID",
    "FRAMEWORKS",
    "FRAMEWORK_NAMES",
    "TOPICS",
    "Condition",
    "Criterion",
    "Framework",
    "seeds_needed",
    "unless",
    "when",
]
