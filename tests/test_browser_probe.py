"""The browser probe itself (tests/support/browser.py), on tiny pages served from this process:
it must find nothing on a clean page (so the browser layer can go green) and must find each kind
of problem it promises to. No generated project here: a few seconds, marker `browser` only."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator

import pytest

from tests.support import browser as chromium
from tests.support.projects import free_port

pytestmark = pytest.mark.browser

STRICT = "default-src 'self'; img-src 'self' data:"
PAGES: dict[str, tuple[str, str, str]] = {
    # path: (content type, Content-Security-Policy, body)
    "/clean": (
        "text/html",
        STRICT,
        '<!doctype html><html><head><title>clean</title><link rel="icon" href="/icon.svg">'
        '<script src="/app.js"></script></head><body><h1>fine</h1></body></html>',
    ),
    "/app.js": ("text/javascript", STRICT, "document.title = 'clean, scripted';"),
    "/icon.svg": ("image/svg+xml", STRICT, '<svg xmlns="http://www.w3.org/2000/svg"/>'),
    "/bad": (
        "text/html",
        STRICT,
        '<!doctype html><html><head><title>bad</title><link rel="icon" href="/icon.svg"></head>'
        '<body><img src="https://cdn.example.invalid/logo.svg">'
        "<script>console.error('inline ran')</script>"
        '<img src="/missing.png"></body></html>',
    ),
    "/loose": (
        "text/html",
        "default-src 'self'; script-src 'self' 'unsafe-inline'",
        "<!doctype html><html><head><title>loose</title></head><body></body></html>",
    ),
    "/no-icon": ("text/html", STRICT, "<!doctype html><html><body>no icon</body></html>"),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        page = PAGES.get(self.path)
        if page is None:
            self.send_error(404)
            return
        content_type, policy, body = page
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Security-Policy", policy)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    if chromium.chromium() is None:
        message = "no chromium: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def probe(site: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[chromium.Probe]:
    """One browser for the module (a launch costs seconds); each test starts with no findings."""
    with chromium.browser(site, tmp_path_factory.mktemp("probe-shots")) as probe:
        yield probe


def _findings(probe: chromium.Probe, path: str) -> str:
    probe.reset()
    probe.visit(path)
    probe.settle(path.strip("/"))
    return "\n".join(probe.findings)


def test_a_clean_page_has_no_findings(probe: chromium.Probe) -> None:
    assert _findings(probe, "/clean") == ""
    assert list(probe.shots.glob("*-clean.png"))


def test_each_kind_of_problem_is_found(probe: chromium.Probe) -> None:
    found = _findings(probe, "/bad")
    assert "request to another host: https://cdn.example.invalid/logo.svg" in found
    assert "CSP violation: img-src blocked https://cdn.example.invalid/logo.svg" in found
    assert "CSP violation: script-src-elem blocked inline" in found
    assert "HTTP 404" in found and "/missing.png" in found
    assert "console error" in found


def test_inline_scripts_allowed_by_the_policy_are_a_finding(probe: chromium.Probe) -> None:
    assert "scripts not restricted" in _findings(probe, "/loose")


def test_a_missing_icon_is_a_finding(probe: chromium.Probe) -> None:
    found = _findings(probe, "/no-icon")
    assert "HTTP 404" in found and "/favicon.ico" in found
