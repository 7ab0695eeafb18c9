"""Project and package names: what is accepted and why.

A project name becomes a directory, a distribution name and (lowercased, '-' -> '_') the import
package. Names that would break the generated project are refused up front with a one-line reason:
not a valid identifier, a Python keyword, or a module the project itself imports (shadowing `json`
or `fastapi` makes the generated app fail to start in confusing ways).
"""

from __future__ import annotations

import keyword
import re
import sys

MAX_LENGTH = 40  # the package name is typed in every import; copier.yml agrees
_PROJECT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_PACKAGE_RE = re.compile(r"[a-z][a-z0-9_]*")

# Third-party modules every generated project imports; a package of the same name would shadow them.
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
        "src",
    }
)


def package_name_for(project_name: str) -> str:
    """The import name derived from a project name (the template uses the same rule)."""
    return project_name.lower().replace("-", "_")


def check_project_name(name: str) -> str | None:
    """Why ``name`` cannot be a project name, or None when it can."""
    if not name:
        return "the project name is empty; give one like 'myservice'"
    if "/" in name or "\\" in name:
        return f"'{name}' contains a path separator; give a bare name and --output-dir DIR"
    if len(name) > MAX_LENGTH:
        return f"the project name is {len(name)} characters; use at most {MAX_LENGTH}"
    if not _PROJECT_RE.fullmatch(name):
        return (
            f"'{name}' is not a valid project name; use letters, digits, '-' or '_', "
            "starting with a letter (e.g. 'my-service')"
        )
    return check_package_name(package_name_for(name))


def check_package_name(name: str) -> str | None:
    """Why ``name`` cannot be the generated import package, or None when it can."""
    if not _PACKAGE_RE.fullmatch(name) or len(name) > MAX_LENGTH:
        return (
            f"'{name}' is not a valid package name; use lowercase letters, digits and '_', "
            "starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in {"true", "false", "none"}:
        return f"'{name}' is a Python keyword and cannot be imported; choose another name"
    if name in sys.stdlib_module_names:
        return (
            f"'{name}' would shadow Python's standard-library module '{name}'; choose another name"
        )
    if name in _SHADOWED:
        return (
            f"'{name}' would shadow the '{name}' package the project imports; choose another name"
        )
    return None
