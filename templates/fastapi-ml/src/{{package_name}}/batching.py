"""Micro-batching: concurrent requests share one model call.

A model call has a fixed cost (a thread hand-off, a native library's entry, a GPU launch) on top
of its cost per row. Under load, many requests arrive within a few milliseconds of each other:
grouping them into one call pays the fixed cost once. The first request of a batch starts a timer
of `max_wait` seconds; the batch is run when the timer fires or once `max_items` rows are
waiting, whichever comes first. Each caller awaits its own future and gets exactly the results
for its own rows, in order. Under light load a request waits at most `max_wait` for company.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from .model import Prediction, Row

RunBatch = Callable[[list[Row]], Awaitable[list[Prediction]]]


class MicroBatcher:
    def __init__(self, run: RunBatch, *, max_items: int, max_wait: float) -> None:
        self._run = run
        self._max_items = max_items
        self._max_wait = max_wait
        self._waiting: list[tuple[Sequence[Row], asyncio.Future[list[Prediction]]]] = []
        self._rows = 0
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()  # strong references until they finish

    async def submit(self, rows: Sequence[Row]) -> list[Prediction]:
        """The predictions for `rows`, computed in a model call shared with other callers."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Prediction]] = loop.create_future()
        self._waiting.append((rows, future))
        self._rows += len(rows)
        if self._rows >= self._max_items:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._max_wait, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting, self._rows = self._waiting, [], 0
        if batch:
            task = asyncio.ensure_future(self._run_batch(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run_batch(
        self, batch: list[tuple[Sequence[Row], asyncio.Future[list[Prediction]]]]
    ) -> None:
        try:
            results = await self._run([row for rows, _ in batch for row in rows])
        except Exception as error:  # every caller of this batch gets the model's error
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        start = 0
        for rows, future in batch:
            end = start + len(rows)
            if not future.done():  # a caller that timed out has cancelled its future
                future.set_result(results[start:end])
            start = end
