"""One error shape for the whole API: `{"detail": ...}`.

- HTTPException (404 for unknown routes, 401, 405, ...): FastAPI's `{"detail": "..."}`;
- repositories raise NotFoundError: 404 `{"detail": "Item not found"}`, and ConflictError: 409
  (a duplicate unique value, or deleting a row other rows refer to);
- 422 validation errors keep FastAPI's shape: `{"detail": [{"type", "loc", "msg", ...}]}`, but
  never echo more than a bounded part of the input (see `bounded_errors`);
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


class ErrorResponse(BaseModel):
    """The body of every error response except 422 (whose `detail` is a list of errors)."""

    detail: str


class NotFoundError(Exception):
    """Raised by repositories; rendered as 404."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class ConflictError(Exception):
    """Raised by repositories when a write clashes with stored rows; rendered as 409.

    A duplicate value of a unique field, or deleting a row that other rows still refer to.
    """


async def _not_found(request: Request, exc: Exception) -> Response:
    what = exc.what if isinstance(exc, NotFoundError) else "Resource"
    return JSONResponse({"detail": f"{what} not found"}, status_code=404)


async def _conflict(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": str(exc)}, status_code=409)


# A 422 lists at most this many problems, and echoes at most this much of each offending value:
# a client learns what is wrong without a large body coming back to it (or into logs).
MAX_ERRORS = 20
MAX_INPUT_CHARS = 100


def bounded_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors as JSON-ready dicts, with long strings cut and large values left out."""
    bounded = []
    for error in jsonable_encoder(list(errors)[:MAX_ERRORS]):
        value = error.get("input")
        if isinstance(value, str) and len(value) > MAX_INPUT_CHARS:
            error["input"] = value[:MAX_INPUT_CHARS] + "..."
        elif not isinstance(value, str) and len(json.dumps(value)) > MAX_INPUT_CHARS:
            del error["input"]
        bounded.append(error)
    return bounded


async def _validation_error(request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse({"detail": bounded_errors(errors)}, status_code=422)


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(RequestValidationError, _validation_error)
