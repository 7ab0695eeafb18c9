"""One error shape for the whole API: `{"detail": ...}` (422 errors keep FastAPI's list)."""

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

logger = logging.getLogger(__name__)


class ErrorResponse(BaseModel):
    """The body of every error response except 422 (whose `detail` is a list of errors)."""

    detail: str


class NotFoundError(Exception):
    """Raised by repositories; rendered as 404."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


async def _not_found(request: Request, exc: Exception) -> Response:
    what = exc.what if isinstance(exc, NotFoundError) else "Resource"
    return JSONResponse({"detail": f"{what} not found"}, status_code=404)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover - registered for it
        return await _unhandled(request, exc)
    return await http_exception_handler(request, exc)


async def _unhandled(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)
