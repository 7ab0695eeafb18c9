"""The `add resource` command between the CLI and the work: flags or questions, plan, confirm.

On a terminal without NAME or --field, the name and the fields are asked one by one (prompts),
the plan is shown and confirmed. Without a terminal nothing is ever asked: a missing name or
field list is a one-line usage error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pyapi_scaffold.add_resource import ResourcePlan, add_resource, next_steps, open_project
from pyapi_scaffold.errors import ReviewDeclinedError, UsageError
from pyapi_scaffold.flows import has_terminal
from pyapi_scaffold.resource_spec import check_resource_name, describe, parse_field


def run_add_resource(
    path: Path, name: str | None, fields: Sequence[str], *, dry_run: bool, yes: bool
) -> None:
    from pyapi_scaffold import output

    interactive = has_terminal() and not yes
    if name is None or not fields:
        if not interactive:
            raise UsageError(
                "give the resource and its fields: pyapi-scaffold add resource NAME "
                "--field NAME:TYPE ... (see --help)"
            )
        layout = open_project(path, need_clean=not dry_run)  # refuse before asking anything
        from pyapi_scaffold import prompts

        existing = list(layout.resources())
        if name is None:
            name = prompts.ask_text(
                "Resource name, singular (e.g. order)",
                lambda text: check_resource_name(text, existing=existing),
            )
        if not fields:
            fields = prompts.ask_many(
                "Field NAME:TYPE (e.g. total:decimal, note:text?, status:enum[a,b]); "
                "empty line when done",
                _field_problem,
            )

    def confirm(plan: ResourcePlan, files: Sequence[str]) -> bool:
        if not interactive:
            return True
        output.resource_plan(_plan_lines(plan), files, dry_run=False)
        from pyapi_scaffold import prompts

        if not prompts.confirm("Add this resource?"):
            raise ReviewDeclinedError("declined; nothing was written")
        return True

    plan, files, written = add_resource(path, name, fields, dry_run=dry_run, confirm=confirm)
    if dry_run:
        output.resource_plan(_plan_lines(plan), files, dry_run=True)
        return
    if written:
        output.resource_added(plan.spec.name, files, next_steps(plan))


def _field_problem(spec: str) -> str | None:
    try:
        parse_field(spec)
    except UsageError as err:
        return str(err)
    return None


def _plan_lines(plan: ResourcePlan) -> list[str]:
    spec = plan.spec
    lines = [f"resource {spec.name} (/{spec.plural}, table {spec.plural}):"]
    lines += [f"  {describe(f)}" for f in spec.fields]
    return lines
