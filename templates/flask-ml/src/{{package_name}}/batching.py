"""Micro-batching for threads: concurrent requests share one model call.

A model call has a fixed cost (a native library's entry, a GPU launch, vectorised maths) on top
of its cost per row. Under load, many requests arrive within a few milliseconds of each other:
grouping them into one call pays the fixed cost once. One dispatcher thread collects rows; a
batch is handed to the inference pool once `max_items` rows wait, or `max_wait` seconds after
its first request, whichever comes first. Each caller holds its own Future and gets exactly the
results for its own rows, in order.
"""

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future

from .model import Prediction, Row

Waiting = list[tuple[Sequence[Row], Future[list[Prediction]]]]


class MicroBatcher:
    def __init__(
        self,
        run: Callable[[list[Row]], list[Prediction]],
        executor: Executor,
        *,
        max_items: int,
        max_wait: float,
    ) -> None:
        self._run = run
        self._executor = executor
        self._max_items = max_items
        self._max_wait = max_wait
        self._changed = threading.Condition()
        self._waiting: Waiting = []
        self._rows = 0
        self._first_at = 0.0
        self._closed = False
        self._dispatcher = threading.Thread(target=self._dispatch, name="batcher", daemon=True)
        self._dispatcher.start()

    def submit(self, rows: Sequence[Row]) -> Future[list[Prediction]]:
        """A Future of the predictions for `rows`, computed in a model call shared with others."""
        future: Future[list[Prediction]] = Future()
        with self._changed:
            if not self._waiting:
                self._first_at = time.monotonic()
            self._waiting.append((rows, future))
            self._rows += len(rows)
            self._changed.notify()
        return future

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()

    def _dispatch(self) -> None:
        while True:
            with self._changed:
                while not self._waiting and not self._closed:
                    self._changed.wait()
                if self._closed:
                    return
                deadline = self._first_at + self._max_wait
                while self._rows < self._max_items and (left := deadline - time.monotonic()) > 0:
                    self._changed.wait(left)
                batch, self._waiting, self._rows = self._waiting, [], 0
            self._executor.submit(self._run_batch, batch)

    def _run_batch(self, batch: Waiting) -> None:
        try:
            results = self._run([row for rows, _ in batch for row in rows])
        except Exception as error:  # every caller of this batch gets the model's error
            for _, future in batch:
                future.set_exception(error)
            return
        start = 0
        for rows, future in batch:
            end = start + len(rows)
            future.set_result(results[start:end])
            start = end
