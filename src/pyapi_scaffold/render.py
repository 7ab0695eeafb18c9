"""The render adapter: the only module that imports Copier.

Copier's public API (`run_copy`) renders; its errors are translated here into the CLI's two kinds:
bad answers (Copier raises a plain ValueError naming the question) become usage errors, anything
else Copier reports becomes a failure. Copier's own warnings are not shown to users.

Copier clones the template into temporary folders; an interruption at the wrong moment (between
its `mkdtemp` and registering the clean-up) would leave them behind. So every Copier call runs
with a private temporary folder of ours that is removed afterwards, whatever happened, and a
later run sweeps those of processes that were killed outright.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from copier import run_copy
from copier.errors import CopierAnswersInterrupt, CopierError, CopierWarning

from pyapi_scaffold.errors import ScaffoldError, UsageError
from pyapi_scaffold.scratch import private_tempdir
from pyapi_scaffold.template_source import TemplateSource


def render_project(
    source: TemplateSource,
    dest: Path,
    answers: Mapping[str, Any],
    *,
    user_defaults: Mapping[str, Any],
    ask: bool,
) -> None:
    """Render the template into ``dest`` (which must not exist yet).

    With ``ask`` Copier prompts on the terminal for every question not in ``answers`` (defaults
    from ``user_defaults``); without it every such question takes its default.
    """
    try:
        with private_tempdir(), warnings.catch_warnings():
            warnings.simplefilter("ignore", CopierWarning)
            run_copy(
                source.src_path,
                str(dest),
                data=dict(answers),
                user_defaults=dict(user_defaults),
                defaults=not ask,
                vcs_ref=source.vcs_ref,
                quiet=True,
                unsafe=False,
            )
    except CopierAnswersInterrupt:
        raise KeyboardInterrupt from None  # Ctrl-C at one of Copier's prompts
    except ValueError as err:
        raise UsageError(one_line(str(err))) from None
    except CopierError as err:
        raise ScaffoldError(f"rendering the template failed: {one_line(str(err))}") from None


def render_resource(source: TemplateSource, dest: Path, answers: Mapping[str, Any]) -> None:
    """Render one resource (``generator: resource``) into the empty folder ``dest``.

    Every answer is given, so nothing is asked; Copier writes the resource's own answers file.
    """
    try:
        with private_tempdir(), warnings.catch_warnings():
            warnings.simplefilter("ignore", CopierWarning)
            run_copy(
                source.src_path,
                str(dest),
                data=dict(answers),
                defaults=True,
                vcs_ref=source.vcs_ref,
                quiet=True,
                unsafe=False,
            )
    except ValueError as err:
        raise UsageError(one_line(str(err))) from None
    except CopierError as err:
        raise ScaffoldError(f"rendering the resource failed: {one_line(str(err))}") from None


def one_line(message: str) -> str:
    """Collapse a library's multi-line message into the single line the CLI prints."""
    return " ".join(message.split())


# ==================================================================================================
# Updates (issue 6): `copier update` for `pyapi-scaffold update`. Owned by the updates work; the
# orchestration (clean tree, known version, summary) lives in pyapi_scaffold.update.
# ==================================================================================================


def update_project(
    project: Path,
    *,
    vcs_ref: str,
    data: Mapping[str, Any],
    conflict: str = "inline",
    answers_file: str | None = None,
) -> None:
    """Run Copier's update in ``project`` (a clean git work tree) to template ``vcs_ref``.

    Previous answers are kept except those in ``data``; nothing is asked. Clashes between the
    user's edits and the template's changes become inline conflict markers. ``answers_file``
    selects what is updated: the project (default) or one resource (issue 12).
    """
    from copier import run_update  # noqa: PLC0415 - lazy: keeps --help fast

    try:
        with private_tempdir(), warnings.catch_warnings():
            warnings.simplefilter("ignore", CopierWarning)
            run_update(
                str(project),
                data=dict(data),
                vcs_ref=vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                conflict="rej" if conflict == "rej" else "inline",
                unsafe=False,
                answers_file=answers_file,
            )
    except ValueError as err:
        raise UsageError(one_line(str(err))) from None
    except CopierError as err:
        raise ScaffoldError(f"updating the project failed: {one_line(str(err))}") from None
