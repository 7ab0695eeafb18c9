#!/usr/bin/env python3
"""Write src/pyapi_scaffold/import_names.txt: the top-level import names generated projects install.

A project package named like one of them (`yaml`, `anyio`, `sniffio`...) shadows that dependency:
its tests fail, or `uv lock` does, after rendering. `new` refuses such names before rendering,
offline, from this shipped list. Run at release time (needs uv and its cache or the network):

    python scripts/import-names.py            # rewrite the list
    python scripts/import-names.py --check    # exit 1 if the list misses a name

It renders the option sets that together pull in every optional dependency of both frameworks
(the union matters: `update -d` can switch an option on later), runs `uv sync` in each, and reads
the top-level names from the environment's site-packages.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "src" / "pyapi_scaffold" / "import_names.txt"
HOST = f"{sys.version_info.major}.{sys.version_info.minor}"

# Together these install every dependency either template can declare.
OPTION_SETS: tuple[dict[str, object], ...] = (
    {"framework": "fastapi", "database": "postgres", "auth": "jwt", "websockets": True,
     "html_pages": True},
    {"framework": "fastapi", "database": "sqlite"},
    {"framework": "flask", "database": "postgres", "auth": "session", "websockets": True,
     "html_pages": True},
    {"framework": "flask", "database": "sqlite", "auth": "jwt"},
)  # fmt: skip


def top_level_names(site_packages: Path) -> set[str]:
    """Importable top-level names in an environment (packages, modules, extension modules)."""
    names: set[str] = set()
    for entry in site_packages.iterdir():
        name = entry.name
        if name.endswith((".dist-info", ".egg-info", ".pth")) or name == "__pycache__":
            continue
        if entry.is_dir():
            names.add(name)
        elif name.endswith((".py", ".so", ".pyd")):
            names.add(name.split(".", 1)[0])
    return {n for n in names if n.isidentifier() and not n.startswith("_")}


def environment_names(answers: dict[str, object], workdir: Path) -> set[str]:
    from copier import run_copy  # noqa: PLC0415 - only this step needs it

    data = {"project_name": "probe", "python_version": HOST, **answers}
    dest = workdir / "-".join(f"{k}-{v}" for k, v in answers.items())
    run_copy(str(ROOT / "templates"), dest, data=data, defaults=True, quiet=True)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.setdefault("UV_PYTHON", sys.executable)
    subprocess.run(["uv", "sync", "--quiet"], cwd=dest, env=env, check=True)
    site = next((dest / ".venv").glob("lib/python*/site-packages"))
    return top_level_names(site) - {"probe"}


def collect(option_sets: Iterable[dict[str, object]]) -> set[str]:
    names: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="pyapi-import-names-") as tmp:
        for answers in option_sets:
            names |= environment_names(answers, Path(tmp))
    return names


def read_list(path: Path = LIST) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the shipped list")
    args = parser.parse_args()
    names = collect(OPTION_SETS)
    if args.check:
        missing = sorted(names - read_list())
        if missing:
            print(f"import_names.txt misses: {', '.join(missing)}", file=sys.stderr)
            return 1
        return 0
    header = (
        "# Top-level import names installed by generated projects (every option set), from\n"
        "# `uv sync` at release time by scripts/import-names.py. A project package with one of\n"
        "# these names would shadow a dependency, so `new` refuses it.\n"
    )
    LIST.write_text(header + "".join(f"{n}\n" for n in sorted(names | read_list_safe())))
    print(f"{len(names)} names written to {LIST.relative_to(ROOT)}")
    return 0


def read_list_safe() -> set[str]:
    return read_list() if LIST.is_file() else set()


if __name__ == "__main__":
    sys.exit(main())
