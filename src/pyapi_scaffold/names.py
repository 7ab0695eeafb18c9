"""Project and package names: what is accepted and why.

A project name becomes a directory, a distribution name and (lowercased, '-' -> '_') the import
package. Names that would break the generated project are refused up front with a one-line reason:
not a valid identifier, a Python keyword, or a module the project itself imports (shadowing `json`
or `fastapi` makes the generated app fail to start in confusing ways).

The dependencies' import names come from `import_names.txt`, written at release time from real
environments of every option set (scripts/import-names.py; a test checks it against a real lock),
so the check works offline and before anything is rendered. It is the union over option sets on
purpose: `update -d` can switch an option on later, and the name must still work then.
"""

from __future__ import annotations

import keyword
import re
import sys
from functools import cache
from pathlib import Path

MAX_LENGTH = 40  # the package name is typed in every import; copier.yml agrees
_PROJECT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_PACKAGE_RE = re.compile(r"[a-z][a-z0-9_]*")

IMPORT_NAMES_FILE = Path(__file__).with_name("import_names.txt")


@cache
def dependency_import_names() -> frozenset[str]:
    """Top-level import names installed into generated projects (any option set)."""
    lines = IMPORT_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# The project's own layout and modules found in every Python install besides the stdlib list.
_SHADOWED = frozenset(
    {
        "alembic",
        "fastapi",
        "flask",
        "flask_openapi3",
        "granian",
        "jinja2",
        "jwt",
        "pydantic",
        "pydantic_settings",
        "pytest",
        "sqlalchemy",
        "starlette",
        "uvicorn",
        "werkzeug",
        "app",
        "tests",
        "test",
        "src",
        "conftest",
    }
)


def package_name_for(project_name: str) -> str:
    """The import name derived from a project name (the template uses the same rule)."""
    return project_name.lower().replace("-", "_")


def _shown(name: str) -> str:
    """``name`` quoted for a one-line message: escapes shown, not obeyed (a newline or an ANSI
    escape in a refused name must not split the line or recolour the terminal), and shortened."""
    if len(name) > MAX_LENGTH:
        name = name[:MAX_LENGTH] + "..."
    return repr(name)


def check_project_name(name: str) -> str | None:
    """Why ``name`` cannot be a project name, or None when it can."""
    if not name:
        return "the project name is empty; give one like 'myservice'"
    if "/" in name or "\\" in name:
        return f"{_shown(name)} contains a path separator; give a bare name and --output-dir DIR"
    if len(name) > MAX_LENGTH:
        return f"the project name is {len(name)} characters; use at most {MAX_LENGTH}"
    if not _PROJECT_RE.fullmatch(name):
        return (
            f"{_shown(name)} is not a valid project name; use letters, digits, '-' or '_', "
            "starting with a letter (e.g. 'my-service')"
        )
    return check_package_name(package_name_for(name))


def check_package_name(name: str) -> str | None:
    """Why ``name`` cannot be the generated import package, or None when it can."""
    if not _PACKAGE_RE.fullmatch(name) or len(name) > MAX_LENGTH:
        return (
            f"{_shown(name)} is not a valid package name; use lowercase letters, digits and '_', "
            "starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in {"true", "false", "none"}:
        return f"'{name}' is a Python keyword and cannot be imported; choose another name"
    if name in sys.stdlib_module_names:
        return (
            f"'{name}' would shadow Python's standard-library module '{name}'; choose another name"
        )
    if name in _SHADOWED or name in dependency_import_names():
        return (
            f"'{name}' would shadow the '{name}' module the project installs; choose another name"
        )
    return None


# Characters that end a line or are invisible controls: a one-line answer must have none (a newline
# in `description` breaks pyproject.toml; U+0085 is read back as a space by YAML). DEL is allowed:
# it breaks no line and the templates escape it.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x80-\x9f\u2028\u2029]")


def check_answer(key: str, value: object) -> str | None:
    """Why a text answer would break the generated project (or git), or None when it is fine."""
    if not isinstance(value, str):
        return None
    bad = _NOT_ONE_LINE.search(value)
    if bad:
        return (
            f"{key} must be one line of plain text; it contains {bad.group()!r} at "
            f"position {bad.start() + 1}"
        )
    if key == "package_name":
        return check_package_name(value)
    if key in {"author_name", "author_email"} and ("<" in value or ">" in value):
        return f"{key} cannot contain '<' or '>' (git and pyproject.toml reject them)"
    return None
