"""One error shape for the whole API: `{"detail": ...}`.

- HTTPException (404 for unknown routes, 401, 405, ...): FastAPI's `{"detail": "..."}`;
- repositories raise NotFoundError: 404 `{"detail": "Item not found"}`;
- 422 validation errors keep FastAPI's shape: `{"detail": [{"type", "loc", "msg", ...}]}`;
- unhandled exceptions: logged with the request id and answered 500
  `{"detail": "Internal Server Error"}` by RequestContextMiddleware (middleware.py).
"""

from fastapi import FastAPI, Request
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


async def _not_found(request: Request, exc: Exception) -> Response:
    what = exc.what if isinstance(exc, NotFoundError) else "Resource"
    return JSONResponse({"detail": f"{what} not found"}, status_code=404)


def add_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotFoundError, _not_found)
