"""Hostile requests against a generated project's real server (its production command).

The generated projects test these cases with their own test clients; this repeats the ones that
depend on the server in front of the app (request parsing, body streaming, header limits):
oversize bodies, malformed JSON, wrong content types, NUL bytes and huge query strings get a 4xx
with a small body, the API's JSON error shape where the app answers, and no traceback in the log.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

# A 422 lists at most 20 short problems; nothing the app answers to bad input is larger.
MAX_ERROR_BYTES = 8 * 1024


def _request(
    base: str, method: str, target: str, body: bytes = b"", **headers: str
) -> tuple[int, str, bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, target)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        # A server may answer (413) and close before reading the body: then read that answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.send(body)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read()
    finally:
        connection.close()


def _assert_json_error(
    status: int, content_type: str, body: bytes, expected: int | None = None
) -> None:
    if expected is None:
        assert 400 <= status < 500, (status, body[:300])
    else:
        assert status == expected, (status, body[:300])
    assert content_type.startswith("application/json"), (status, content_type, body[:300])
    assert "detail" in json.loads(body)
    assert len(body) <= MAX_ERROR_BYTES, len(body)


def assert_bad_input_is_refused(base: str, log: Path) -> None:
    """Send the hostile requests to the running server at ``base``; ``log`` is its output."""
    oversize = b"{" * (1_048_576 + 1)
    status, content_type, body = _request(
        base, "POST", "/items", oversize, **{"Content-Type": "application/json"}
    )
    _assert_json_error(status, content_type, body, 413)
    assert json.loads(body) == {"detail": "Request body too large"}

    for payload, kind in (
        (b'{"name": ', "application/json"),
        (b'{"name": "nul\\u0000byte", "price": "1"}', "application/json"),
        (b'{"name": "x", "price": "1"}', "text/plain"),
        (b"\xff\xfe", "application/json"),
    ):
        status, content_type, body = _request(
            base, "POST", "/items", payload, **{"Content-Type": kind}
        )
        _assert_json_error(status, content_type, body)

    # Query strings: a long invalid value (echoed only in part; within every server's request
    # line limit, gunicorn's 4094 bytes being the smallest), and NUL bytes.
    status, content_type, body = _request(base, "GET", "/items?limit=" + "9" * 3000)
    _assert_json_error(status, content_type, body, 422)
    status, content_type, body = _request(base, "GET", "/items?offset=%00")
    _assert_json_error(status, content_type, body, 422)
    # A request head beyond what the server parses is refused by the server itself (no app
    # involved, so no JSON shape): a 4xx, a small body, and the server stays up.
    status, _, body = _request(base, "GET", "/items?" + "a=b&" * 40_000)
    assert 400 <= status < 500 or status == 200, status
    assert len(body) <= MAX_ERROR_BYTES
    assert _request(base, "GET", "/health")[0] == 200

    output = log.read_text(errors="replace")
    assert "Traceback" not in output, output[-4000:]
    for line in output.splitlines():
        if line.startswith("{"):
            assert json.loads(line).get("level") not in ("ERROR", "CRITICAL"), line
