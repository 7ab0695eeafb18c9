"""One error shape for the whole API: `{"detail": ...}`.

- HTTPException (404 for unknown routes, 405, ...): FastAPI's `{"detail": "..."}`;
- 422 validation errors keep FastAPI's shape: `{"detail": [{"type", "loc", "msg", ...}]}`, but
  never echo more than a bounded part of the input, nor a NaN or infinity (not valid JSON);
- the model is not loaded yet, or too many predictions are waiting: 503 with `Retry-After`;
- a prediction took longer than INFERENCE_TIMEOUT_SECONDS: 504;
- bodies over MAX_BODY_SIZE: 413 `{"detail": "Request body too large"}` (middleware.py);
- unhandled exceptions: logged with the request id and answered 500
  `{"detail": "Internal Server Error"}` by RequestContextMiddleware (middleware.py).
"""

import json
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.responses import Response

from .inference import BusyError, InferenceTimeoutError, NotReadyError


class ErrorResponse(BaseModel):
    """The body of every error response except 422 (whose `detail` is a list of errors)."""

    detail: str


# A 422 lists at most this many problems, and echoes at most this much of each offending value:
# a client learns what is wrong without a large body coming back to it (or into logs).
MAX_ERRORS = 20
MAX_INPUT_CHARS = 100
RETRY_AFTER_SECONDS = "1"


def bounded_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors as JSON-ready dicts, with long strings cut and large values left out."""
    bounded = []
    for error in jsonable_encoder(list(errors)[:MAX_ERRORS]):
        value = error.get("input")
        if isinstance(value, str) and len(value) > MAX_INPUT_CHARS:
            error["input"] = value[:MAX_INPUT_CHARS] + "..."
        elif not isinstance(value, str):
            try:
                text = json.dumps(value, allow_nan=False)
            except ValueError:  # NaN or infinity: no JSON can carry them back
                text = None
            if text is None or len(text) > MAX_INPUT_CHARS:
                del error["input"]
        bounded.append(error)
    return bounded


async def _validation_error(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": bounded_errors(errors)}, status_code=422)


async def _unavailable(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"detail": str(exc)}, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS}
    )


async def _timeout(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=504)


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NotReadyError, _unavailable)
    app.add_exception_handler(BusyError, _unavailable)
    app.add_exception_handler(InferenceTimeoutError, _timeout)
