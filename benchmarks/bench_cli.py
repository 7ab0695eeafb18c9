"""Benchmark: our CLI against its baselines, run side by side in one process tree.

1. `pyapi-scaffold --help` vs `python -c "import typer"` (aim: within 1.3x; copier and questionary
   are imported lazily, only by the commands that need them).
2. `pyapi-scaffold new NAME --yes --no-lock --no-git` vs raw `copier copy --defaults` of the same
   template with the same answers (aim: within 1.15x). `--no-lock`/`--no-git` keep the work the
   same: raw Copier neither runs `uv lock` nor commits; a third row shows `new` with git too.

Runs are interleaved (A, B, A, B...) so machine noise hits both sides alike; the median is shown.
Usage: python benchmarks/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
PY = sys.executable
SCAFFOLD = [PY, "-m", "pyapi_scaffold"]
ANSWERS = ["-d", "framework=fastapi", "-d", "python_version=3.11"]


def timed(argv: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def pair(
    runs: int, ours: Callable[[Path], Sequence[str]], base: Callable[[Path], Sequence[str]]
) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for argv_of, into in ((ours, a), (base, b)) if i % 2 == 0 else ((base, b), (ours, a)):
                into.append(timed(argv_of(work), work))
                for child in work.iterdir():
                    shutil.rmtree(child)
    return statistics.median(a), statistics.median(b)


def report(label: str, ours: float, base: float, aim: float) -> None:
    ratio = ours / base
    verdict = "ok" if ratio <= aim else "over aim"
    times = f"{ours * 1000:8.0f} ms {base * 1000:8.0f} ms"
    print(f"{label:<58} {times} {ratio:6.2f}x  (aim <= {aim}x, {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    runs = parser.parse_args().runs
    title = f"comparison (median of {runs} interleaved runs)"
    print(f"{title:<58} {'ours':>11} {'baseline':>11} {'ratio':>7}")
    report(
        "pyapi-scaffold --help  vs  python -c 'import typer'",
        *pair(runs, lambda _: [*SCAFFOLD, "--help"], lambda _: [PY, "-c", "import typer"]),
        aim=1.3,
    )
    new = [*SCAFFOLD, "new", "svc", "--yes", "--no-lock", "--purpose", "api", *ANSWERS]
    copy = [
        PY,
        "-m",
        "copier",
        "copy",
        "--defaults",
        "--quiet",
        "-d",
        "project_name=svc",
        "-d",
        "purpose=api",
        *ANSWERS,
        str(TEMPLATES),
    ]
    report(
        "new --yes --no-lock --no-git  vs  copier copy --defaults",
        *pair(runs, lambda _: [*new, "--no-git"], lambda w: [*copy, str(w / "svc")]),
        aim=1.15,
    )
    report(
        "new --yes --no-lock (with git init+commit)  vs  copier copy",
        *pair(runs, lambda _: new, lambda w: [*copy, str(w / "svc")]),
        aim=1.15,
    )


if __name__ == "__main__":
    main()
