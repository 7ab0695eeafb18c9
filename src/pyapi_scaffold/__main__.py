"""Entry point of `python -m pyapi_scaffold` and of the `pyapi-scaffold` console script.

SIGTERM is turned into a clean interruption before anything else is imported, so even a signal
that lands during start-up exits with the usual line and code instead of killing the process.
"""

import sys

from pyapi_scaffold import signals


def entry() -> None:
    signals.install()
    try:
        signals.checkpoint("start")
        signals.settle_tempdir()
        from pyapi_scaffold.cli import run  # noqa: PLC0415 - after the handler is in place
    except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM while starting: nothing began yet
        sys.stderr.write("error: interrupted; nothing was written\n")
        sys.exit(signals.exit_code(err))
    run()


if __name__ == "__main__":
    entry()
