"""Build and run generated images with podman, without Docker and without a registry.

Why this shape (the verified recipe is in ../shared/notes/containers.md):

- Podman's defaults fail on CI machines like ours (rlimits above the hard limit, crun on hybrid
  cgroups, no systemd/journald): a ``containers.conf`` of our own fixes all three.
- No registry is reachable, so the Dockerfile's ``FROM python:X.Y-slim`` and ``COPY --from=
  ghcr.io/astral-sh/uv:V`` are satisfied by *stand-in* images made locally: a Debian minbase
  root filesystem (mmdebstrap) whose Python is X.Y, and the uv binaries from the uv wheel. They are
  tagged with the exact names the Dockerfile uses and built with ``--pull=never``.
- Stand-ins take about a minute to make, so they are made once and kept in a cache directory
  (``$XDG_CACHE_HOME/pyapi-scaffold-ci``, else ``~/.cache/...``), keyed by a hash of everything
  that goes into them (recipe, suite, packages, CA certificates, uv version). The podman storage
  (``--root``/``--runroot``/``--tmpdir``) lives there too, so nothing touches /var/lib/containers
  and the images survive between runs; a lock file serialises concurrent pytest workers.
- Buildah keeps ``RUN --mount=type=cache`` directories under ``$TMPDIR``: pointing it into the
  cache directory keeps uv's download cache between builds and runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Bump to rebuild every cached stand-in (e.g. after changing how they are made).
RECIPE = "4"

CONTAINERS_CONF = """\
[containers]
# This machine's hard limits (RLIMIT_NOFILE 20000, RLIMIT_NPROC = kernel.pid_max 32768):
# podman's defaults ask for more and the runtime's setrlimit fails.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
# crun refuses hybrid cgroups whatever the flags; runc works. No systemd, no journald.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""

# Debian suite whose python3 is the given version: the only Pythons a stand-in can have.
SUITES = {"3.11": "bookworm", "3.13": "trixie"}
PACKAGES = ("python3", "python-is-python3", "passwd", "ca-certificates", "netbase")
MIRROR = "http://deb.debian.org/debian"
EXTRA_CA_DIR = Path("/usr/local/share/ca-certificates")
UV_PLATFORM = "manylinux_2_17_x86_64"
LABEL = "org.pyapi-scaffold.stand-in"
SLIM_EXCLUDES = ("doc", "man", "groff", "info", "locale", "lintian", "linda")


class PodmanUnavailableError(Exception):
    """Podman (or what the stand-ins need) cannot run on this machine at all."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "pyapi-scaffold-ci"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Result:
    argv: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    def check(self) -> Result:
        assert self.returncode == 0, (
            f"`{' '.join(self.argv)}` exited {self.returncode}:\n"
            f"{self.stdout[-3000:]}\n{self.stderr[-5000:]}"
        )
        return self


class Podman:
    """The podman CLI with our configuration and storage; every call goes through ``run``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("storage", "run", "tmp", "buildah-tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.conf = root / "containers.conf"
        if not self.conf.exists() or self.conf.read_text() != CONTAINERS_CONF:
            self.conf.write_text(CONTAINERS_CONF)

    def argv(self, *args: str) -> list[str]:
        return [
            "podman",
            "--root",
            str(self.root / "storage"),
            "--runroot",
            str(self.root / "run"),
            "--tmpdir",
            str(self.root / "tmp"),
            "--storage-driver",
            "overlay",
            *args,
        ]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["CONTAINERS_CONF"] = str(self.conf)
        # Buildah's `RUN --mount=type=cache` directories live under $TMPDIR (kept between runs).
        env["TMPDIR"] = str(self.root / "buildah-tmp")
        return env

    def run(
        self, *args: str, timeout: float = 300, input: bytes | None = None, check: bool = True
    ) -> Result:
        proc = subprocess.run(
            self.argv(*args),
            env=self.env(),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        result = Result(
            self.argv(*args),
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )
        return result.check() if check else result

    def inspect(self, kind: str, name: str) -> dict[str, Any]:
        out = self.run(kind, "inspect", name).stdout
        data = json.loads(out)
        return dict(data[0])

    def label(self, image: str, key: str) -> str | None:
        proc = self.run("image", "inspect", image, check=False)
        if proc.returncode != 0:
            return None
        labels = json.loads(proc.stdout)[0].get("Labels") or {}
        value = labels.get(key)
        return str(value) if value is not None else None

    def remove_container(self, name: str) -> None:
        self.run("rm", "--force", "--time", "5", "--ignore", name, check=False, timeout=60)


def unavailable_reason() -> str | None:
    """Why podman cannot run here at all (None when it can)."""
    for tool in ("podman", "runc", "mmdebstrap"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install podman runc mmdebstrap uidmap)"
    probe = Podman(cache_dir() / "podman")
    try:
        result = probe.run("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`podman info` failed: {exc}"
    if result.returncode != 0:
        return f"`podman info` failed: {result.stderr.strip()[-300:]}"
    return None


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One process at a time builds stand-ins (pytest-xdist workers, parallel runs)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tool(argv: list[str], timeout: float) -> bytes:
    """Run a preparation tool; on failure the assertion shows what it printed."""
    proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    assert proc.returncode == 0, (
        f"`{' '.join(argv[:3])} ...` exited {proc.returncode}:\n"
        f"{proc.stderr.decode('utf-8', 'replace')[-3000:]}"
    )
    return proc.stdout


def _extra_cas() -> list[Path]:
    return sorted(EXTRA_CA_DIR.glob("*.crt")) if EXTRA_CA_DIR.is_dir() else []


def python_key(python_version: str) -> str:
    """Hash of every input of the Python stand-in: rebuilt when any of them changes."""
    digest = hashlib.sha256()
    digest.update(f"{RECIPE}|{SUITES[python_version]}|{','.join(PACKAGES)}|{MIRROR}".encode())
    for cert in _extra_cas():
        digest.update(cert.name.encode() + cert.read_bytes())
    return digest.hexdigest()[:16]


def uv_key(uv_version: str) -> str:
    return hashlib.sha256(f"{RECIPE}|uv|{uv_version}|{UV_PLATFORM}".encode()).hexdigest()[:16]


def _ensure_python(podman: Podman, python_version: str, work: Path) -> str:
    name = f"docker.io/library/python:{python_version}-slim"
    key = python_key(python_version)
    if podman.label(name, LABEL) == key:
        return name
    if python_version not in SUITES:
        raise PodmanUnavailableError(
            f"no Debian stand-in for Python {python_version} (only {', '.join(SUITES)})"
        )
    suite = SUITES[python_version]
    rootfs = work / f"python-{python_version}.tar"
    # The machine's extra CA certificates (a TLS-inspecting proxy) go into the image, or
    # `uv sync` inside the build fails with "invalid peer certificate: UnknownIssuer".
    hooks: list[str] = []
    if _extra_cas():
        hooks = [
            f'--customize-hook=mkdir -p "$1/usr/local/share/ca-certificates" && '
            f'cp {EXTRA_CA_DIR}/*.crt "$1/usr/local/share/ca-certificates/" && '
            'chroot "$1" update-ca-certificates'
        ]
    _tool(
        [
            "mmdebstrap",
            "--quiet",
            "--variant=minbase",
            # /usr merged by the hook, not by the `usrmerge` package (which drags in ~45 MB of
            # Perl that the official slim images do not have).
            "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
            f"--include={','.join(PACKAGES)}",
            *hooks,
            # Slim like the official images (debuerreotype's slimify): no docs, manuals or
            # translations, no apt lists or caches.
            *(f"--dpkgopt=path-exclude=/usr/share/{d}/*" for d in SLIM_EXCLUDES),
            "--dpkgopt=path-include=/usr/share/doc/*/copyright",
            '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
            suite,
            str(rootfs),
            f"deb {MIRROR} {suite} main",
            f"deb {MIRROR}-security {suite}-security main",
        ],
        timeout=900,
    )
    podman.run(
        "import",
        "--change",
        "ENV LANG=C.UTF-8",
        "--change",
        "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
        "--change",
        f"LABEL {LABEL}={key}",
        "--change",
        'CMD ["python3"]',
        str(rootfs),
        name,
        timeout=600,
    )
    rootfs.unlink()
    return name


def _ensure_uv(podman: Podman, uv_version: str, work: Path) -> str:
    name = f"ghcr.io/astral-sh/uv:{uv_version}"
    key = uv_key(uv_version)
    if podman.label(name, LABEL) == key:
        return name
    download = work / "uv-wheel"
    _tool(
        [
            "python3",
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            UV_PLATFORM,
            "--dest",
            str(download),
            f"uv=={uv_version}",
        ],
        timeout=600,
    )
    (wheel,) = download.glob("uv-*.whl")
    unpacked = work / "uv-bin"
    unpacked.mkdir()
    _tool(["python3", "-m", "zipfile", "-e", str(wheel), str(unpacked)], timeout=120)
    (scripts,) = unpacked.glob("uv-*.data/scripts")
    for tool in ("uv", "uvx"):
        (scripts / tool).chmod(0o755)
    tar = _tool(["tar", "-C", str(scripts), "-c", "uv", "uvx"], timeout=120)
    podman.run("import", "--change", f"LABEL {LABEL}={key}", "-", name, input=tar, timeout=300)
    return name


@dataclass(frozen=True)
class StandIns:
    podman: Podman
    python: str
    uv: str
    seconds: float  # time spent making them in this run (0 when reused from the cache)


def ensure_stand_ins(podman: Podman, python_version: str, uv_version: str) -> StandIns:
    """The Dockerfile's base images under their exact names: reused, or made once and cached."""
    start = time.monotonic()
    with (
        locked(podman.root / "stand-ins.lock"),
        tempfile.TemporaryDirectory(dir=podman.root / "tmp") as scratch,
    ):
        work = Path(scratch)
        python = _ensure_python(podman, python_version, work)
        uv = _ensure_uv(podman, uv_version, work)
    return StandIns(podman, python, uv, time.monotonic() - start)
