"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, headers, access log."""

import logging
import re
import secrets
import time

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
# Pre-encoded once: this runs on every response.
_RAW_SECURITY_HEADERS = [
    (name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS
]
_RAW_CSP_NAME = b"content-security-policy"
_RAW_CSP = (_RAW_CSP_NAME, DEFAULT_CSP.encode())
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

    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

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
                headers.extend(_RAW_SECURITY_HEADERS)
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
