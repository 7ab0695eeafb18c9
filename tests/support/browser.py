"""Drive Debian's headless Chromium through Playwright and record everything a page did wrong.

Why Playwright: its Python wheel ships its own driver, so `pip install playwright` is all it
takes; with `executable_path` it drives the system's `chromium` and never downloads a browser
(`playwright install` is not needed). It reports console messages, uncaught errors, every request
and response of the page *and its workers* through one event API, lets us abort requests before
they leave, and takes screenshots. Selenium would need Debian's chromium-driver and gives no
network events without raw CDP; raw CDP over a websocket would mean re-writing what Playwright does.

What counts as a finding (the test fails on any):
- a console message of type `error` (this includes Chromium's own "Failed to load resource" and
  "violates the following Content Security Policy directive" messages) and any uncaught error;
- a `securitypolicyviolation` event (reported through a binding: works under any CSP);
- a request to anything other than the service's own origin (`data:`/`blob:` URLs are local);
  such requests are also aborted, so nothing leaves the machine even without a CSP;
- a failed request, or a response with status >= 400;
- a document whose Content-Security-Policy is missing or allows `'unsafe-inline'` scripts.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The switches a root user needs for Chromium in a container, and the ones that stop it from
# talking to Google's services on its own (those requests would not be the page's, but they must
# not leave the machine either).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__pyapiCspViolation(JSON.stringify({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
  }));
});
"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def script_src(policy: str) -> str | None:
    """The directive that governs scripts in a CSP: `script-src`, else `default-src`."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), " ".join(words[1:]))
    return directives.get("script-src", directives.get("default-src"))


class Probe:
    """One browser context on one service; `visit()` pages, then read `findings`."""

    def __init__(self, context: Any, base: str, shots: Path) -> None:
        self.context = context
        self.base = base.rstrip("/")
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base))
        self.shots = shots
        self.findings: list[str] = []
        self.requests: list[str] = []
        self._shot = 0
        self._icons: set[str] = set()
        self._where = "(start)"
        context.expose_binding("__pyapiCspViolation", self._on_csp)
        context.add_init_script(_REPORT_CSP)
        context.route("**/*", self._route)
        context.on("request", self._on_request)
        context.on("requestfailed", self._on_request_failed)
        context.on("response", self._on_response)
        self.page = context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("framenavigated", self._on_navigated)
        self.page.on("pageerror", lambda error: self._find(f"uncaught error: {error}"))
        self.page.on("crash", lambda _page: self._find("the page crashed"))

    # -- recording
    def _find(self, what: str) -> None:
        self.findings.append(f"{self._where}: {what}")

    def _local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    def _route(self, route: Any) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def _on_request(self, request: Any) -> None:
        self.requests.append(f"{request.method} {request.url}")
        if not self._local(request.url):
            self._find(f"request to another host: {request.url}")

    def _on_request_failed(self, request: Any) -> None:
        if self._local(request.url):  # a foreign request is reported once, above
            self._find(f"failed request: {request.url} ({request.failure})")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400:
            self._find(f"HTTP {response.status}: {response.url}")
        elif response.request.resource_type == "document" and response.status < 300:
            self._check_document(response)

    def _check_document(self, response: Any) -> None:
        policy = response.headers.get("content-security-policy")
        if policy is None:
            self._find(f"no Content-Security-Policy on {response.url}")
            return
        scripts = script_src(policy)
        if scripts is None or "'unsafe-inline'" in scripts:
            self._find(f"scripts not restricted: script-src is {scripts!r} ({policy})")

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self._where = frame.url.removeprefix(self.base) or "/"

    def _on_console(self, message: Any) -> None:
        if message.type in {"error", "assert"}:
            url = message.location.get("url", "")
            self._find(f"console {message.type}: {message.text} [{url}]")

    def _on_csp(self, _source: Any, payload: str) -> None:
        violation = json.loads(payload)
        self._find(
            f"CSP violation: {violation['directive']} blocked {violation['blocked'] or 'inline'}"
            f" ({violation['source'] or 'document'}:{violation['line']})"
        )

    # -- driving
    def reset(self) -> None:
        """Forget what was found so far (for reusing one browser across small checks)."""
        self.findings.clear()
        self.requests.clear()
        self._icons.clear()

    def visit(self, path: str) -> None:
        """Open ``path`` (its document's CSP is checked as it arrives, like every document's)."""
        self._where = path
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    def settle(self, name: str) -> None:
        """Wait until the page's network is quiet (late images, workers), then take a picture."""
        self.page.wait_for_load_state("networkidle")
        self._check_icon()
        self._shot += 1
        self.page.screenshot(path=self.shots / f"{self._shot:02d}-{name}.png", full_page=True)

    def _check_icon(self) -> None:
        """Chromium asks for the page's icon (`<link rel=icon>`, else /favicon.ico) on its own,
        after the page has loaded, and logs a console error when that fails. The request is the
        browser's, not the page's, so it comes at no fixed time: ask for it here, the same way."""
        icon = self.page.evaluate(
            "() => (document.querySelector('link[rel~=icon]') || {}).href"
            " || new URL('/favicon.ico', location.href).href"
        )
        if icon in self._icons or not self._local(icon):
            return
        self._icons.add(icon)
        status = self.context.request.get(icon).status
        if status >= 400:
            self._find(f"the page's icon fails (the browser logs an error): HTTP {status} {icon}")

    def report(self) -> str:
        return "\n".join([*self.findings, "", "requests made:", *self.requests[-80:]])


@contextmanager
def browser(base: str, shots: Path) -> Iterator[Probe]:
    """A fresh headless Chromium (new profile directory) on ``base``; screenshots in ``shots``."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    assert executable, "Debian's chromium is needed: apt-get install chromium (.ci/run does)"
    shots.mkdir(parents=True, exist_ok=True)
    profile = shots / "profile"
    with sync_playwright() as playwright:
        # A persistent context with a new directory gives the fresh --user-data-dir explicitly.
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=list(CHROMIUM_ARGS),
            chromium_sandbox=False,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(20_000)
        try:
            yield Probe(context, base, shots)
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def operations(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (METHOD, path) operation an OpenAPI document declares."""
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return [
        (method.upper(), path)
        for path, item in schema.get("paths", {}).items()
        for method in item
        if method in methods
    ]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
