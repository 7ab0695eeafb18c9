"""`pyapi-scaffold update` vs raw `copier update` on the same project, side by side.

    python benchmarks/bench_update.py [--rounds 5]

Builds a two-version template history (0.0.1 = current templates with a few changes, 0.1.0 =
current templates) in a temporary HOME, generates one project at 0.0.1, commits a user edit, then
alternates the two commands on fresh copies of that project and prints the medians and the ratio
(goal: pyapi-scaffold <= 1.2 x copier). Both run as separate processes, as a user would run them.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from pyapi_scaffold import template_history as th  # noqa: E402
from pyapi_scaffold import template_source as ts  # noqa: E402


def _sh(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-update-") as tmp_name:
        tmp = Path(tmp_name)
        old, new = tmp / "old", tmp / "new"
        shutil.copytree(ROOT / "templates", old)
        shutil.copytree(ROOT / "templates", new)
        for framework in ("fastapi", "flask"):
            readme = old / framework / "README.md.jinja"
            readme.write_text(readme.read_text() + "\nOld footer.\n")
            (old / framework / "OLD.md").write_text("old\n")
        history = th.History(tmp / "history")
        th.build_history(history, [("0.0.1", old), ("0.1.0", new)])
        home = tmp / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV"}}
        env.update(
            HOME=str(home),
            PYTHONPATH=str(ROOT / "src"),
            GIT_AUTHOR_NAME="bench",
            GIT_AUTHOR_EMAIL="bench@example.com",
            GIT_COMMITTER_NAME="bench",
            GIT_COMMITTER_EMAIL="bench@example.com",
            **{ts.HISTORY_ENV: str(history.directory), ts.VERSION_ENV: "0.0.1"},
        )
        scaffold = [sys.executable, "-m", "pyapi_scaffold"]
        _sh(
            [*scaffold, "new", "demo", "--yes", "--no-lock", "-o", str(tmp), "-d",
             f"python_version={sys.version_info.major}.{sys.version_info.minor}"],
            tmp, env,
        )  # fmt: skip
        project = tmp / "demo"
        readme = project / "README.md"
        readme.write_text("Our notes.\n\n" + readme.read_text())
        _sh(["git", "commit", "-qam", "edit"], project, env)
        env[ts.VERSION_ENV] = "0.1.0"
        copier = shutil.which("copier") or "copier"
        times: dict[str, list[float]] = {"pyapi-scaffold update": [], "copier update": []}
        commands = {
            "pyapi-scaffold update": [*scaffold, "update", "--yes", "."],
            "copier update": [copier, "update", "--defaults", "--vcs-ref", "v0.1.0", "--quiet"],
        }
        for round_ in range(args.rounds):
            order = list(commands) if round_ % 2 == 0 else list(commands)[::-1]
            for name in order:
                copy = tmp / f"run-{round_}-{name.split()[0]}"
                subprocess.run(["git", "clone", "-q", str(project), str(copy)], check=True)
                times[name].append(_sh(commands[name], copy, env))
                shutil.rmtree(copy)
        ours = statistics.median(times["pyapi-scaffold update"])
        theirs = statistics.median(times["copier update"])
        for name, values in times.items():
            shown = " ".join(f"{v:.2f}" for v in values)
            print(f"{name:24s} median {statistics.median(values):.2f} s   ({shown})")
        print(f"ratio pyapi-scaffold / copier: {ours / theirs:.2f}x (goal <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
