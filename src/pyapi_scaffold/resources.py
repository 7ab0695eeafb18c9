"""Where the Copier template root lives, installed or in a source checkout.

The wheel ships `templates/` inside the package (see pyproject's force-include); an editable
install or a source checkout uses the repository's top-level `templates/` folder.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The folder holding `copier.yml` and the framework trees."""
    for candidate in (_PACKAGE_DIR / "templates", _PACKAGE_DIR.parents[1] / "templates"):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise FileNotFoundError(
        f"pyapi-scaffold's templates are missing (looked beside {_PACKAGE_DIR})"
    )
