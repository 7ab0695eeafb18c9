"""Run the offline validators our dev extra installs (hadolint, check-jsonschema, zizmor, ...).

One place for "find the tool, run it, fail with its whole output": the deployment and CI-security
layers both check generated files with the same tools.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def tool(name: str) -> str:
    """The path of a validator, or a test failure that says how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: pip install -e '.[dev]' installs the validators")
    return path


def check_tool(*argv: str, cwd: Path) -> str:
    """Run a validator in `cwd`; its output, or a failure showing the command and the output."""
    proc = subprocess.run(
        [tool(argv[0]), *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"`{' '.join(argv)}` in {cwd} exited {proc.returncode}:\n{output}"
    return output
