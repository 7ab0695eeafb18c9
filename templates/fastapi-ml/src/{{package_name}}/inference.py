"""The model service: loads the model once per worker, runs predictions off the event loop.

- Loading and a warm-up prediction run in the background after start-up, so the server
  answers `/health` at once and `/health/ready` says 503 until both have succeeded (a load
  balancer or Kubernetes sends no traffic before that).
- Predictions run in a bounded thread pool (`INFERENCE_THREADS`), never on the event loop:
  `/health` and other requests are served while a model computes.
- At most `MAX_PENDING_PREDICTIONS` requests wait or run per worker; the next one gets 503 at
  once instead of queueing forever, and one that waits longer than
  `INFERENCE_TIMEOUT_SECONDS` gets 504. (A model call that has started runs to its end in its
  thread: Python cannot stop a thread; only its caller stops waiting.)
- With `BATCHING` on, concurrent requests share model calls (batching.py).
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .batching import MicroBatcher
from .model import Model, ModelLoadError, Prediction, Row, file_checksum, load_model
from .schemas import EXAMPLE_ROW, FEATURE_COUNT
from .settings import Settings

logger = logging.getLogger(__name__)

ModelLoader = Callable[[Path], Model]


class NotReadyError(Exception):
    """No model to serve yet (loading, or loading failed): 503."""


class BusyError(Exception):
    """Too many predictions waiting in this worker: 503."""


class InferenceTimeoutError(Exception):
    """The prediction did not finish within INFERENCE_TIMEOUT_SECONDS: 504."""


def load_and_check(path: Path, loader: ModelLoader = load_model) -> Model:
    """Load the model and check that it fits the API's input schema (schemas.py)."""
    model = loader(path)
    if model.n_features != FEATURE_COUNT:
        raise ModelLoadError(
            f"the model at {path} expects {model.n_features} features, but the API accepts "
            f"{FEATURE_COUNT} (schemas.py FEATURE_COUNT)"
        )
    return model


class ModelService:
    def __init__(self, settings: Settings, loader: ModelLoader = load_model) -> None:
        self.path = settings.model_path
        self.model: Model | None = None
        self.checksum = ""
        self.error: str | None = None
        self._loader = loader
        self._timeout = settings.inference_timeout_seconds
        self._max_pending = settings.max_pending_predictions
        self._pending = 0
        self._executor = ThreadPoolExecutor(
            max_workers=settings.inference_threads, thread_name_prefix="inference"
        )
        self._batcher = (
            MicroBatcher(
                self._call_model,
                max_items=settings.batch_max_items,
                max_wait=settings.batch_max_wait_ms / 1000,
            )
            if settings.batching
            else None
        )

    @property
    def ready(self) -> bool:
        return self.model is not None

    async def load(self) -> None:
        """Load the model and run one warm-up prediction (in the pool), then become ready."""
        loop = asyncio.get_running_loop()
        try:
            model, checksum = await loop.run_in_executor(self._executor, self._load_and_warm_up)
        except ModelLoadError as error:
            self.error = str(error)
            logger.error("model not loaded: %s", error)  # one line: the message says it all
            return
        except Exception as error:
            self.error = f"{type(error).__name__}: {error}"
            logger.exception("model not loaded")
            return
        self.checksum = checksum
        self.model = model  # last: from here on the service is ready
        logger.info("model %s %s ready", model.name, model.version)

    def _load_and_warm_up(self) -> tuple[Model, str]:
        model = load_and_check(self.path, self._loader)
        # The first call often pays for lazy initialisation (imports, allocations, JIT): pay it
        # here, and only report ready once a prediction has actually worked.
        model.predict([EXAMPLE_ROW])
        return model, file_checksum(self.path)

    async def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        """One prediction per row. Raises NotReadyError, BusyError or InferenceTimeoutError."""
        if self.model is None:
            loading = self.error is None
            raise NotReadyError(
                "The model is not loaded yet" if loading else "The model failed to load"
            )
        if self._pending >= self._max_pending:
            raise BusyError("Too many predictions in progress; retry later")
        self._pending += 1
        try:
            async with asyncio.timeout(self._timeout):
                if self._batcher is not None:
                    return await self._batcher.submit(rows)
                return await self._call_model(rows)
        except TimeoutError:
            raise InferenceTimeoutError("The prediction timed out") from None
        finally:
            self._pending -= 1

    async def _call_model(self, rows: Sequence[Row]) -> list[Prediction]:
        model = self.model
        if model is None:  # never: predict() checked; keeps the type checker honest
            raise NotReadyError("The model is not loaded yet")
        return await asyncio.get_running_loop().run_in_executor(self._executor, model.predict, rows)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
