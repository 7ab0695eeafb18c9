"""`pyapi-scaffold add resource NAME --field ...`: grow a generated project (issue 12).

Every check runs before anything is rendered (the project is ours, clean, at this tool's template
version, of the service shape; the name and fields are valid; refs point to existing resources).
Then Copier renders the resource (``generator: resource``) from the same template root and
version as the project into an empty scratch folder, with its own answers file; the new files are
moved into the project only when all of them rendered, with signals held, and none exists yet.

The project serves the resource without edits: its app factory includes every module of
``resources/``. A database project gets a migration chained after the current Alembic head (the
head is computed here and recorded as an answer, so updates re-render the same file).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyapi_scaffold import shapes, signals
from pyapi_scaffold import template_history as th
from pyapi_scaffold.errors import UsageError
from pyapi_scaffold.names import dependency_import_names
from pyapi_scaffold.project import ProjectLayout
from pyapi_scaffold.resource_spec import (
    ResourceSpec,
    check_identifier_lengths,
    check_refs,
    check_resource_name,
    parse_fields,
    plural_of,
)
from pyapi_scaffold.template_source import TemplateSource, template_source, tool_version
from pyapi_scaffold.update import check_clean, read_project

SUPPORTED_FRAMEWORKS = ("fastapi", "flask")


@dataclass(frozen=True)
class ResourcePlan:
    """What `add resource` will do: the answers Copier gets and where the project is."""

    layout: ProjectLayout
    spec: ResourceSpec
    answers: dict[str, Any]
    source: TemplateSource


def open_project(
    path: Path, *, need_clean: bool = True, doing: str = "adding a resource"
) -> ProjectLayout:
    """The generated service project at ``path``, after every check that refuses it."""
    state = read_project(path)
    answers = state.answers
    shape = shapes.shape_of(answers)
    if shape == "ml":
        raise UsageError(
            "add resource works on service projects; a model-serving (ml) project has no database "
            "or CRUD resources: serve the data from a service project (new NAME -d shape=service)"
        )
    if shape != "service":
        raise UsageError(
            f"add resource works on service projects; this one has the {shape} shape: add the "
            "resource by hand following its example, or generate a service project "
            "(pyapi-scaffold new NAME -d shape=service) and move your code"
        )
    framework = str(answers.get("framework"))
    if framework not in SUPPORTED_FRAMEWORKS:
        raise UsageError(
            f"add resource supports FastAPI and Flask projects, not {framework!r}; "
            "copy the items example by hand"
        )
    _check_version(state.version, state.src_path)
    if need_clean:
        check_clean(state.path, doing)
    return ProjectLayout(state.path, answers)


def _check_version(version: str | None, src_path: str | None) -> None:
    tool = tool_version()
    if version is None:
        if src_path and "pyapi-scaffold" in src_path:
            raise UsageError("the project records no released template version; cannot add to it")
        return  # generated from a development checkout: resources render from it too
    if th.version_key(version) > th.version_key(tool):
        raise UsageError(
            f"this project uses template {version}, newer than this pyapi-scaffold ({tool}): "
            f"upgrade pyapi-scaffold (pip install -U 'pyapi-scaffold>={version}')"
        )
    if version != tool:
        raise UsageError(
            f"this project is at template {version} and this pyapi-scaffold renders {tool}: "
            "run `pyapi-scaffold update`, commit, then add the resource"
        )


def plan(
    layout: ProjectLayout, name: str, field_specs: Sequence[str], *, dry_run: bool
) -> ResourcePlan:
    """Check the name and the fields against the project; the answers to render with."""
    existing = list(layout.resources())
    problem = check_resource_name(
        name,
        existing=existing,
        project_modules=layout.module_names(),
        dependencies=dependency_import_names(),
    )
    if problem:
        raise UsageError(problem)
    if not field_specs:
        raise UsageError(
            "give the fields: --field NAME:TYPE (repeatable), e.g. --field total:decimal"
        )
    spec = ResourceSpec(name, parse_fields(field_specs))
    check_refs(spec, existing)
    check_identifier_lengths(spec)
    resource = {
        "generator": "resource",
        "resource_name": name,
        "resource_plural": plural_of(name),
        "resource_fields": [f.as_answer() for f in spec.fields],
        "resource_revision": secrets.token_hex(6) if layout.has_database else "",
        "resource_down_revision": layout.alembic_head() if layout.has_database else "",
    }
    project = {k: v for k, v in layout.answers.items() if not k.startswith("_")}
    source = template_source(dry_run=dry_run)
    return ResourcePlan(layout, spec, {**project, **resource}, source)


def render_files(resource_plan: ResourcePlan, scratch: Path) -> list[str]:
    """Render the resource into ``scratch``; the project-relative paths of its files."""
    from pyapi_scaffold.render import render_resource  # noqa: PLC0415 - imports copier

    render_resource(resource_plan.source, scratch, resource_plan.answers)
    return sorted(
        str(p.relative_to(scratch)) for p in scratch.rglob("*") if p.is_file() or p.is_symlink()
    )


def apply(resource_plan: ResourcePlan, scratch: Path, files: Sequence[str]) -> None:
    """Move the rendered files into the project: all of them, or none if one exists already."""
    root = resource_plan.layout.root
    clash = next((f for f in files if (root / f).exists() or (root / f).is_symlink()), None)
    if clash:
        raise UsageError(f"{clash} already exists; remove it (or the resource) first")
    with signals.deferred():
        for rel in files:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(scratch / rel, target)


def add_resource(
    path: Path,
    name: str,
    field_specs: Sequence[str],
    *,
    dry_run: bool = False,
    confirm: Callable[[ResourcePlan, Sequence[str]], bool] | None = None,
) -> tuple[ResourcePlan, list[str], bool]:
    """The whole command after flag parsing: (plan, files, written)."""
    layout = open_project(path, need_clean=not dry_run)
    resource_plan = plan(layout, name, field_specs, dry_run=dry_run)
    with tempfile.TemporaryDirectory(prefix="pyapi-resource-") as tmp:
        scratch = Path(tmp) / "render"
        files = render_files(resource_plan, scratch)
        if dry_run:
            return resource_plan, files, False
        if confirm is not None and not confirm(resource_plan, files):
            return resource_plan, files, False
        apply(resource_plan, scratch, files)
    return resource_plan, files, True


def migrate_command(layout: ProjectLayout) -> str:
    """The project's documented migration command (its README says the same)."""
    if layout.framework == "flask":
        return f"uv run python -m {layout.package} migrate"
    return "uv run alembic upgrade head"


def next_steps(resource_plan: ResourcePlan) -> list[str]:
    """What to run after adding, each command as typed."""
    layout, spec = resource_plan.layout, resource_plan.spec
    steps = []
    if layout.has_database:
        steps.append(f"{migrate_command(layout)}   # create the table")
    steps += [
        "uv run pytest && uv run ruff check . && uv run mypy",
        f'git add -A && git commit -m "Add the {spec.name} resource"',
    ]
    return steps
