"""Signals: SIGTERM behaves like Ctrl-C, and short critical sections finish before either lands.

Python turns SIGINT into KeyboardInterrupt, so every `finally` and context manager (our scratch
folders, Copier's temporary clones) cleans up. SIGTERM by default kills the process on the spot,
leaving all of that behind; `install()` makes it raise `Terminated`, a KeyboardInterrupt carrying
its signal number, so the same clean-up runs and the CLI exits 128 + 15 = 143 with the same line.

`deferred()` holds both signals while a few files are moved into place (the end of `update`), so
an interruption can never leave half of them applied; the signal is raised as soon as it ends.

`checkpoint(name)` is a test hook: with PYAPI_SCAFFOLD_TEST_SIGNAL=name:SIGTERM (or :SIGINT) the
process sends itself that real signal at that point, so tests can interrupt every step exactly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from types import FrameType

TEST_SIGNAL_ENV = "PYAPI_SCAFFOLD_TEST_SIGNAL"


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) received: handled exactly like Ctrl-C, with its own exit code."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_code(interrupt: BaseException | int) -> int:
    """128 + the signal number, the shell's convention (130 for Ctrl-C, 143 for SIGTERM)."""
    if isinstance(interrupt, int):
        return 128 + interrupt
    return 128 + int(getattr(interrupt, "signum", signal.SIGINT))


_received: list[int] = []  # SIGTERM/SIGHUP seen by this process (typer hides which one it was)


def last_exit_code() -> int:
    """The exit code for the interruption typer reported only as 130."""
    return 128 + _received[-1] if _received else 128 + signal.SIGINT


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated(signum)


def install() -> None:
    """Make SIGTERM and SIGHUP raise `Terminated` (main thread only; elsewhere a no-op)."""
    with contextlib.suppress(ValueError):  # not the main thread (e.g. an embedding host)
        signal.signal(signal.SIGTERM, _raise_terminated)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, _raise_terminated)


def settle_tempdir() -> None:
    """Pick the temporary folder now, with signals held.

    `tempfile`'s first use chooses the folder by writing a probe file there and deleting it; a
    signal landing between the two would leave the probe behind (seen: SIGTERM 0.4 s into `new`).
    """
    with deferred():
        tempfile.gettempdir()


def ignore_late() -> None:
    """Ignore SIGINT/SIGTERM while the interpreter shuts down (it resets handlers to the default,
    so a signal then would kill a run that has already succeeded and said so)."""
    with contextlib.suppress(ValueError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


@contextlib.contextmanager
def deferred(*, reraise: bool = True) -> Iterator[list[int]]:
    """Run the block to its end even if SIGINT/SIGTERM arrive; then raise the first one.

    Yields the list of signals held; with ``reraise=False`` the caller decides what to do.
    """
    received: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    watched = [signal.SIGINT, signal.SIGTERM]
    try:
        previous = {sig: signal.signal(sig, hold) for sig in watched}
    except ValueError:  # not the main thread: nothing to defer
        yield received
        return
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received and reraise:
        first = received[0]
        if first == signal.SIGINT:
            raise KeyboardInterrupt
        _received.append(first)
        raise Terminated(first)


def checkpoint(name: str) -> None:
    """Test hook: send ourselves the signal named in PYAPI_SCAFFOLD_TEST_SIGNAL at ``name``."""
    wanted = os.environ.get(TEST_SIGNAL_ENV)
    if not wanted:
        return
    point, _, signame = wanted.rpartition(":")
    if point == name:
        os.kill(os.getpid(), getattr(signal, signame or "SIGINT"))
