"""The errors the CLI turns into one-line messages and exit codes (in `cli.main`, and only there).

Exit codes follow the product contract: 2 for usage or bad input (the person can fix the command),
1 for a failure while doing the work, 128 + the signal when interrupted (130 Ctrl-C, 143 SIGTERM).
"""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class ScaffoldError(Exception):
    """Something went wrong doing the work; the message says what to do next."""

    exit_code = EXIT_FAILURE


class ReviewDeclinedError(ScaffoldError):
    """The person said no at the review screen: nothing was written (exit 1, like a failed step,
    because no project was created)."""


class UsageError(ScaffoldError):
    """The command, its flags or its answers are wrong; the message names the fix."""

    exit_code = EXIT_USAGE


class InterruptError(ScaffoldError):
    """Ctrl-C or SIGTERM arrived; the message says exactly what is (and is not) on disk."""

    def __init__(self, message: str, code: int = EXIT_INTERRUPTED) -> None:
        super().__init__(message)
        self.exit_code = code
