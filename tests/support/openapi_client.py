"""openapi-python-client in an environment of its own, and the clients it generates.

The generator pins an older typer than pyapi-scaffold needs, so it can never share our dev
environment. It gets a venv keyed by its version (and our Python's), built once under a file lock
in a cache directory and reused read-only by every test, worker and later session; uv's cache
makes even the first build a matter of seconds. Each generated client is then installed the way a
user would (`pip install ./client`, here `uv pip install`) into a fresh venv of its own, so two
tests never overwrite each other's `demo_client`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.projects import project_env

# Pinned: a new generator release can change the generated code; bump it on purpose.
GENERATOR_VERSION = "0.29.1"
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"


def cache_root() -> Path:
    base = os.environ.get("PYAPI_TEST_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "pyapi-scaffold-tests"


def _uv(*argv: str, timeout: float = 600) -> None:
    proc = subprocess.run(
        ["uv", *argv],
        env=project_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"uv {' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def generator() -> Path:
    """The `openapi-python-client` executable of the generator's own, cached venv."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / f"openapi-python-client-{GENERATOR_VERSION}-py{PYTHON}"
    done = venv / ".complete"
    with (root / f"{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder; the other workers wait, then reuse
        if not (done.exists() and _bin(venv, "python").exists()):  # e.g. its base Python moved
            shutil.rmtree(venv, ignore_errors=True)
            _uv("venv", "--quiet", "--python", sys.executable, str(venv))
            _uv(
                "pip",
                "install",
                "--quiet",
                "--python",
                str(_bin(venv, "python")),
                f"openapi-python-client=={GENERATOR_VERSION}",
            )
            done.write_text(GENERATOR_VERSION + "\n")
    return _bin(venv, "openapi-python-client")


def generate(schema_url: str, output: Path) -> Path:
    """Generate a client package from a live schema; return its project directory."""
    proc = subprocess.run(
        [
            str(generator()),
            "generate",
            "--url",
            schema_url,
            "--meta",
            "uv",
            "--output-path",
            str(output),
            "--fail-on-warning",
        ],
        env=project_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"openapi-python-client failed:\n{proc.stdout}{proc.stderr}"
    return output


def install(client: Path, venv: Path) -> Path:
    """`pip install` the generated client into a new venv; return that venv's python."""
    _uv("venv", "--quiet", "--python", sys.executable, str(venv))
    python = _bin(venv, "python")
    _uv("pip", "install", "--quiet", "--python", str(python), str(client))
    return python


def package_of(client: Path) -> str:
    """The import name of a generated client (the folder that holds its `client.py`)."""
    (found,) = [path.parent.name for path in client.glob("*/client.py")]
    return found
