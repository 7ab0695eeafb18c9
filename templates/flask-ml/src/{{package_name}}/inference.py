"""The model service: loads the model once per worker, runs predictions in a bounded pool.

- Loading and a warm-up prediction run in a background thread started by `create_app`, so the
  server answers `/health` at once and `/health/ready` says 503 until both have succeeded (a
  load balancer or Kubernetes sends no traffic before that).
- Predictions run in their own pool of `INFERENCE_THREADS` threads per worker, apart from the
  request threads: a burst of predictions cannot take every request thread, and `/health`
  answers while a model computes.
- At most `MAX_PENDING_PREDICTIONS` requests wait or run per worker; the next one gets 503 at
  once instead of queueing forever, and one that waits longer than
  `INFERENCE_TIMEOUT_SECONDS` gets 504. (A model call that has started runs to its end in its
  thread: Python cannot stop a thread; only its caller stops waiting.)
- With `BATCHING` on, concurrent requests share model calls (batching.py).
"""

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from flask import current_app

from .batching import MicroBatcher
from .model import Model, ModelLoadError, Prediction, Row, file_checksum, load_model
from .schemas import EXAMPLE_ROW, FEATURE_COUNT
from .settings import Settings

logger = logging.getLogger(__name__)

ModelLoader = Callable[[Path], Model]
SERVICE_KEY = "model_service"


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
        self._slots = threading.BoundedSemaphore(settings.max_pending_predictions)
        self._executor = ThreadPoolExecutor(
            max_workers=settings.inference_threads, thread_name_prefix="inference"
        )
        self._batcher = (
            MicroBatcher(
                self._call_model,
                self._executor,
                max_items=settings.batch_max_items,
                max_wait=settings.batch_max_wait_ms / 1000,
            )
            if settings.batching
            else None
        )

    @property
    def ready(self) -> bool:
        return self.model is not None

    def start_loading(self) -> threading.Thread:
        """Load the model and run one warm-up prediction in a background thread."""
        thread = threading.Thread(target=self._load, name="model-loader", daemon=True)
        thread.start()
        return thread

    def _load(self) -> None:
        try:
            model = load_and_check(self.path, self._loader)
            # The first call often pays for lazy initialisation (imports, allocations, JIT):
            # pay it here, and only report ready once a prediction has actually worked.
            model.predict([EXAMPLE_ROW])
            checksum = file_checksum(self.path)
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

    def predict(self, rows: Sequence[Row]) -> list[Prediction]:
        """One prediction per row. Raises NotReadyError, BusyError or InferenceTimeoutError."""
        if self.model is None:
            loading = self.error is None
            raise NotReadyError(
                "The model is not loaded yet" if loading else "The model failed to load"
            )
        if not self._slots.acquire(blocking=False):
            raise BusyError("Too many predictions in progress; retry later")
        try:
            future: Future[list[Prediction]] = (
                self._batcher.submit(rows)
                if self._batcher is not None
                else self._executor.submit(self._call_model, list(rows))
            )
            try:
                return future.result(timeout=self._timeout)
            except TimeoutError:
                raise InferenceTimeoutError("The prediction timed out") from None
        finally:
            self._slots.release()

    def _call_model(self, rows: list[Row]) -> list[Prediction]:
        model = self.model
        if model is None:  # never: predict() checked; keeps the type checker honest
            raise NotReadyError("The model is not loaded yet")
        return model.predict(rows)

    def close(self) -> None:
        if self._batcher is not None:
            self._batcher.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def current_service() -> ModelService:
    """The running app's model service (created by `create_app`)."""
    service: ModelService = current_app.extensions[SERVICE_KEY]
    return service
