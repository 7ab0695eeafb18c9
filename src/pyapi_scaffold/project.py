"""What a generated project already holds, read from its files: resources, modules, Alembic heads.

`add resource` and `remove resource` (issue 12) decide from this before anything is rendered:
which names are taken, where the migrations live and which revision a new one must follow. The
parsing functions take text and are pure; `ProjectLayout` only reads files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyapi_scaffold.errors import ScaffoldError

RESOURCE_ANSWERS = re.compile(r"\.copier-answers\.resource-([a-z][a-z0-9_]*)\.yml")
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def resource_answers_file(name: str) -> str:
    return f".copier-answers.resource-{name}.yml"


def revision_graph(scripts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """{revision: down revisions} from the text of Alembic migration scripts."""
    graph: dict[str, tuple[str, ...]] = {}
    for text in scripts:
        revision = _REVISION.search(text)
        if revision is None:
            continue
        down = _DOWN.search(text)
        graph[revision[1]] = tuple(_QUOTED.findall(down[1])) if down else ()
    return graph


def heads(graph: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Revisions no other revision follows (sorted): one for a linear history."""
    followed = {down for downs in graph.values() for down in downs}
    return sorted(rev for rev in graph if rev not in followed)


@dataclass(frozen=True)
class ProjectLayout:
    """Where a service project keeps its package, resources and migrations."""

    root: Path
    answers: Mapping[str, Any]

    @property
    def package(self) -> str:
        return str(self.answers.get("package_name", ""))

    @property
    def framework(self) -> str:
        return str(self.answers.get("framework", "fastapi"))

    @property
    def package_dir(self) -> Path:
        return self.root / "src" / self.package

    @property
    def has_database(self) -> bool:
        return str(self.answers.get("database", "none")) != "none"

    @property
    def versions_dir(self) -> Path:
        if self.framework == "flask":
            return self.package_dir / "migrations" / "versions"
        return self.root / "migrations" / "versions"

    def resources(self) -> dict[str, Path]:
        """{name: answers file} of the resources added to the project."""
        found = {}
        for path in sorted(self.root.glob(".copier-answers.resource-*.yml")):
            match = RESOURCE_ANSWERS.fullmatch(path.name)
            if match:
                found[match[1]] = path
        return found

    def module_names(self) -> set[str]:
        """Module and package names in the project's package (and its routers/ folder)."""
        names: set[str] = set()
        for folder in (self.package_dir, self.package_dir / "routers"):
            if folder.is_dir():
                names.update(p.stem for p in folder.iterdir() if p.suffix == ".py" or p.is_dir())
        names.discard("__init__")
        return names

    def alembic_head(self) -> str:
        """The single head the next migration follows; refuse a branched history."""
        try:
            scripts = [
                p.read_text(encoding="utf-8") for p in sorted(self.versions_dir.glob("*.py"))
            ]
        except OSError as err:
            raise ScaffoldError(f"cannot read the migrations: {err.strerror or err}") from None
        found = heads(revision_graph(scripts))
        if len(found) != 1:
            what = "no migration" if not found else f"{len(found)} heads ({', '.join(found)})"
            raise ScaffoldError(
                f"the Alembic history has {what}; merge it into one head "
                "(`uv run alembic merge heads -m merge`), commit, then try again"
            )
        return found[0]
