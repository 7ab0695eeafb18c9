"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, headers, access log, and
the request body size limit."""

import logging
import re
import secrets
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logging_config import request_id_var

logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and harmless to echo into headers and logs.
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

# A strict policy for the API and pages; the docs routes send their own (see docs.py).
DEFAULT_CSP = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
# Sent in production only: browsers then refuse plain HTTP to this host for two years.
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
# Pre-encoded once: this runs on every response.
_RAW_SECURITY_HEADERS = [
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS
]
_RAW_CSP_NAME = b"content-security-policy"
_RAW_CSP = (_RAW_CSP_NAME, DEFAULT_CSP.encode())
_RAW_HSTS = (HSTS[0].lower().encode(), HSTS[1].encode())
_RAW_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()
_SERVER_ERROR_BODY = b'{"detail":"Internal Server Error"}'
_SERVER_ERROR_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_SERVER_ERROR_BODY)).encode()),
]


class RequestContextMiddleware:
    """Assigns an X-Request-ID, adds security headers, logs requests and unhandled errors.

    An unhandled exception is logged here, with the request id, and answered with the API's
    error shape (`{"detail": "Internal Server Error"}`, status 500) and the usual headers.
    """

    def __init__(self, app: ASGIApp, *, access_log: bool = False, hsts: bool = False) -> None:
        self.app = app
        self.access_log = access_log
        self.security_headers = [*_RAW_SECURITY_HEADERS, *([_RAW_HSTS] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        raw_id = b""
        for name, value in scope["headers"]:
            if name == _RAW_REQUEST_ID_NAME:
                raw_id = value
                break
        if not raw_id or not _VALID_REQUEST_ID.match(raw_id):
            raw_id = secrets.token_hex(16).encode()
        request_id = raw_id.decode()
        token = request_id_var.set(request_id)
        start = time.perf_counter()
        status_code = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = list(message.get("headers", ()))
                has_csp = any(name.lower() == _RAW_CSP_NAME for name, _ in headers)
                headers.append((_RAW_REQUEST_ID_NAME, raw_id))
                headers.extend(self.security_headers)
                if not has_csp:
                    headers.append(_RAW_CSP)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if scope["type"] != "http" or status_code:
                raise  # too late to answer: let the server close the connection
            error_logger.exception(
                "unhandled error",
                extra={"request_id": request_id, "method": scope["method"], "path": scope["path"]},
            )
            await send_with_headers(
                {"type": "http.response.start", "status": 500, "headers": _SERVER_ERROR_HEADERS}
            )
            await send_with_headers({"type": "http.response.body", "body": _SERVER_ERROR_BODY})
        finally:
            if self.access_log and scope["type"] == "http" and logger.isEnabledFor(logging.INFO):
                logger.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_code or 500,
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                    },
                )
            request_id_var.reset(token)


BODY_TOO_LARGE = b'{"detail":"Request body too large"}'
_BODY_TOO_LARGE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY_TOO_LARGE)).encode()),
    (b"connection", b"close"),
]


class BodyTooLargeError(HTTPException):
    """Raised while a body is being read once it passes the limit: FastAPI answers it like any
    HTTPException, in the API's error shape."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class BodySizeLimitMiddleware:
    """Answers 413 to request bodies over `max_body_size` bytes, without reading them.

    A declared Content-Length over the limit is refused before the app runs; a body sent without
    one (chunked) is counted as the app reads it and refused once it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_body_size:
                    await self._refuse(send)
                    return
                break

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_size:
                    raise BodyTooLargeError
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(send)

    @staticmethod
    async def _refuse(send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": 413, "headers": _BODY_TOO_LARGE_HEADERS}
        )
        await send({"type": "http.response.body", "body": BODY_TOO_LARGE})
