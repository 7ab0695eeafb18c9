"""`pyapi-scaffold add resource` vs raw `copier copy` of the same resource template, side by side.

    python benchmarks/bench_resource.py [--rounds 5]

Builds a one-version template history (0.0.1 = the current templates) in a temporary HOME,
generates a SQLite FastAPI project at it and adds 10 resources (so discovery, the Alembic head and
the name checks all have something to read). Then it alternates, on fresh clones of that project:

- `pyapi-scaffold add resource` (all its checks, the render into a scratch folder, the move);
- `copier copy` of the same resource (`generator: resource`) with the answers `add` would pass,
  straight into the project (no checks, no scratch folder).

Both run as separate processes, as a user would run them. Prints the medians and the ratio
(goal: pyapi-scaffold <= 1.2 x copier).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pyapi_scaffold import template_history as th  # noqa: E402
from pyapi_scaffold import template_source as ts  # noqa: E402

VERSION = "0.0.1"
FIELDS = ["customer:ref", "total:decimal", "paid:bool=false", "note:text?", "placed_at:datetime"]


def _sh(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def _commit(project: Path, env: dict[str, str]) -> None:
    _sh(["git", "add", "-A"], project, env)
    _sh(["git", "commit", "-qm", "step"], project, env)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    tmp = Path(tempfile.mkdtemp(prefix="bench-resource-"))
    try:
        history = th.History(tmp / "history")
        th.build_history(history, [(VERSION, ROOT / "templates")])
        home = tmp / "home"
        home.mkdir()
        env = {
            **os.environ,
            "HOME": str(home),
            ts.HISTORY_ENV: str(history.directory),
            ts.VERSION_ENV: VERSION,
            "PYTHONPATH": str(ROOT / "src"),
            **{f"GIT_{w}_{k}": v for w in ("AUTHOR", "COMMITTER")
               for k, v in (("NAME", "Bench"), ("EMAIL", "bench@example.com"))},
        }  # fmt: skip
        scaffold = [sys.executable, "-m", "pyapi_scaffold"]
        new = [*scaffold, "new", "shop", "--framework", "fastapi", "--yes", "--no-lock"]
        _sh([*new, "-d", "database=sqlite", "-o", str(tmp)], tmp, env)
        base = tmp / "shop"
        _sh([*scaffold, "add", "resource", "customer", "--field", "name:str"], base, env)
        _commit(base, env)
        for number in range(9):
            flags = [arg for spec in FIELDS for arg in ("--field", spec)]
            _sh([*scaffold, "add", "resource", f"thing{number}", *flags], base, env)
            _commit(base, env)
        # The answers `add resource order` passes to Copier, for the raw copier run.
        answers = yaml.safe_load((base / ".copier-answers.resource-thing8.yml").read_text())
        data = {k: v for k, v in answers.items() if not k.startswith("_")}
        data |= {"resource_name": "order", "resource_plural": "orders"}
        data["resource_down_revision"] = answers["resource_revision"]
        data["resource_revision"] = "0123456789ab"
        data_file = tmp / "order.yml"
        data_file.write_text(yaml.safe_dump(data))
        flags = [arg for spec in FIELDS for arg in ("--field", spec)]
        ours_argv = [*scaffold, "add", "resource", "order", *flags]
        copier_argv = [
            sys.executable, "-m", "copier", "copy", "--quiet", "--defaults", "--overwrite",
            "--data-file", str(data_file), "--vcs-ref", f"v{VERSION}", ts.LOCAL_REPO_SPEC, ".",
        ]  # fmt: skip
        times: dict[str, list[float]] = {"pyapi-scaffold add": [], "copier copy": []}
        for round_number in range(rounds):
            for name, argv in (("pyapi-scaffold add", ours_argv), ("copier copy", copier_argv)):
                clone = tmp / f"run-{round_number}-{name.split()[0]}"
                _sh(["git", "clone", "-q", str(base), str(clone)], tmp, env)
                times[name].append(_sh(argv, clone, env))
                if not (clone / "src/shop/resources/order.py").is_file():
                    raise SystemExit(f"{name} did not write the resource")
                shutil.rmtree(clone)
        ours = statistics.median(times["pyapi-scaffold add"])
        theirs = statistics.median(times["copier copy"])
        print(f"project with {len(list(base.glob('.copier-answers.resource-*.yml')))} resources")
        for name, values in times.items():
            shown = ", ".join(f"{v:.2f}" for v in values)
            print(f"{name:20s} median {statistics.median(values):.2f} s   ({shown})")
        print(f"ratio pyapi-scaffold / copier: {ours / theirs:.2f}x (goal <= 1.2x)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
