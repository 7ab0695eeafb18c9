"""Where `new` renders from. (Placeholder until the shipped template history lands: issue 6.)"""

from __future__ import annotations

from dataclasses import dataclass

from pyapi_scaffold.resources import templates_dir


@dataclass(frozen=True)
class TemplateSource:
    """A Copier source: a path (or `~/...` path) and the git ref to render, if any."""

    src_path: str
    vcs_ref: str | None


def template_source() -> TemplateSource:
    """The packaged template folder, rendered as it is."""
    return TemplateSource(str(templates_dir()), None)
