"""`pyapi-scaffold remove resource NAME`: what `rails destroy` does, for `add resource` (issue 12).

It deletes the resource's files and its answers file, and (with a database) adds a migration that
drops its table after the current head: the create migration stays, because migration history is
append-only (databases already migrated past it must be able to drop the table).

It refuses in one line, leaving the tree untouched, when another resource refers to this one (its
foreign key would break), or when the user edited the resource's files (a fresh render of the
recorded answers differs; `--force` removes them anyway).
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from pyapi_scaffold import signals
from pyapi_scaffold.add_resource import (
    ResourcePlan,
    migrate_command,
    open_project,
    render_files,
)
from pyapi_scaffold.errors import ScaffoldError, UsageError
from pyapi_scaffold.project import ProjectLayout
from pyapi_scaffold.resource_spec import ResourceSpec, fields_from_answers
from pyapi_scaffold.template_source import template_source

_BODIES = re.compile(
    r"^def upgrade\(\) -> None:\n(?P<up>.*?)\n\n\ndef downgrade\(\) -> None:\n(?P<down>.*?)\n?\Z",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Removal:
    """What `remove resource` deletes and adds (project-relative paths)."""

    name: str
    deleted: tuple[str, ...]
    added: tuple[str, ...]
    migrate: str = ""  # the project's migration command


def drop_migration(create_text: str, *, name: str, plural: str, revision: str, down: str) -> str:
    """The migration that drops the table: the create migration's two bodies, swapped."""
    match = _BODIES.search(create_text)
    if match is None:
        raise ScaffoldError(
            f"cannot read the upgrade/downgrade functions of the {plural} create migration; "
            "write the drop migration by hand (uv run alembic revision -m 'drop ...')"
        )
    return (
        f'"""Drop the {plural} table (`pyapi-scaffold remove resource`).\n\n'
        "The inverse of the migration that created it: downgrading re-creates the table, empty.\n\n"
        f"Revision ID: {revision}\nRevises: {down}\n"
        '"""\n\n'
        "from collections.abc import Sequence\n\n"
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f'revision: str = "{revision}"\n'
        f'down_revision: str | None = "{down}"\n'
        "branch_labels: str | Sequence[str] | None = None\n"
        "depends_on: str | Sequence[str] | None = None\n\n\n"
        f"def upgrade() -> None:\n{match['down']}\n\n\n"
        f"def downgrade() -> None:\n{match['up']}\n"
    )


def _referrers(layout: ProjectLayout, name: str) -> list[str]:
    found = []
    for other, path in layout.resources().items():
        if other == name:
            continue
        answers = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for field in fields_from_answers(answers.get("resource_fields")):
            if field.target == name:
                found.append(f"{other}.{field.name}")
    return found


def remove_resource(
    path: Path, name: str, *, force: bool = False, dry_run: bool = False
) -> Removal:
    """The whole command after flag parsing."""
    layout = open_project(path, need_clean=not dry_run)
    resources = layout.resources()
    if name not in resources:
        known = ", ".join(sorted(resources)) or "none"
        raise UsageError(f"the project has no resource {name!r} (resources: {known})")
    referrers = _referrers(layout, name)
    if referrers:
        raise UsageError(
            f"{name} is referred to by {', '.join(referrers)}; remove "
            f"{'that' if len(referrers) == 1 else 'those'} first (its foreign key needs the table)"
        )
    answers = yaml.safe_load(resources[name].read_text(encoding="utf-8")) or {}
    recorded = {k: v for k, v in answers.items() if not k.startswith("_")}
    spec = ResourceSpec(name, fields_from_answers(recorded.get("resource_fields")))
    plural = str(recorded.get("resource_plural") or spec.plural)
    plan = ResourcePlan(layout, spec, recorded, template_source(dry_run=True))
    with tempfile.TemporaryDirectory(prefix="pyapi-resource-") as tmp:
        scratch = Path(tmp) / "render"
        files = render_files(plan, scratch)
        migrations = [f for f in files if f"_create_{plural}.py" in f and "versions" in f]
        owned = [f for f in files if f not in migrations]
        if not force:
            _refuse_edits(layout.root, scratch, owned)
    deleted = tuple(f for f in owned if (layout.root / f).exists())
    added: tuple[str, ...] = ()
    migration_text = ""
    if layout.has_database and migrations:
        create = layout.root / migrations[0]
        if not create.is_file():
            raise UsageError(f"{migrations[0]} is missing; restore it (history is append-only)")
        revision = secrets.token_hex(6)
        migration_text = drop_migration(
            create.read_text(encoding="utf-8"),
            name=name,
            plural=plural,
            revision=revision,
            down=layout.alembic_head(),
        )
        rel = layout.versions_dir.relative_to(layout.root) / f"{revision}_drop_{plural}.py"
        added = (rel.as_posix(),)
    if not dry_run:
        with signals.deferred():
            for rel_path in added:
                (layout.root / rel_path).write_text(migration_text, encoding="utf-8")
            for rel_path in deleted:
                (layout.root / rel_path).unlink()
    return Removal(name, deleted, added, migrate_command(layout))


def _refuse_edits(root: Path, scratch: Path, files: list[str]) -> None:
    for rel in files:
        if rel.startswith(".copier-answers."):
            continue  # Copier rewrites it; its content is the recorded answers
        mine = root / rel
        if not mine.is_file():
            continue
        if mine.read_bytes() != (scratch / rel).read_bytes():
            raise UsageError(
                f"{rel} was edited since the resource was added; remove it anyway with --force "
                "(your edits are in git history)"
            )
