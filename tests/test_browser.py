"""A real browser on a real generated service: headless Debian Chromium opens /docs, /redoc and
the HTML pages of one project per framework, served by the project's own production command.

Fails on any console error, CSP violation, request to another host, failed asset, or a document
whose CSP allows inline scripts (issue 13: "no CDN" means no request leaves, not even a logo),
and checks the docs really rendered: Swagger UI and ReDoc list every operation of the live
schema. Screenshots of every page are kept under the test's temporary directory
(`pytest --basetemp=DIR` keeps them somewhere known).

Shapes: FastAPI with HTML pages and JWT; Flask with HTML pages and session login (the browser
logs in through the login form and creates, edits and deletes an item through the pages).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser as chromium
from tests.support.production import PASSWORD, USERNAME, Served, served
from tests.support.projects import http_get

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    """Under CI a missing browser is a failure (.ci/run installs it), never a silent skip."""
    if chromium.chromium() is None:
        message = "no chromium: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _schema(base: str) -> dict[str, Any]:
    response = http_get(base + "/openapi.json")
    assert response.status == 200, response.body[:500]
    schema: dict[str, Any] = json.loads(response.body)
    return schema


def _check_swagger_ui(probe: chromium.Probe, schema: dict[str, Any]) -> None:
    probe.visit("/docs")
    page = probe.page
    page.wait_for_selector(".opblock", state="visible")
    shown = {
        (
            chromium.squash(block.locator(".opblock-summary-method").inner_text()).upper(),
            chromium.squash(block.locator(".opblock-summary-path").inner_text()).replace(
                "\u200b", ""
            ),
        )
        for block in page.locator(".opblock").all()
    }
    expected = set(chromium.operations(schema))
    assert expected <= shown, f"Swagger UI does not show {sorted(expected - shown)}"
    title = page.locator(".info .title").inner_text()
    assert schema["info"]["title"] in title, title
    # Use it as a person would: GET /health, "Try it out", "Execute" (the page's own fetch, under
    # its own CSP's connect-src), and the live response is shown.
    health = page.locator(
        ".opblock-get", has=page.locator(".opblock-summary-path", has_text="/health")
    )
    operation = health.filter(has_not_text="/health/ready").first
    operation.locator(".opblock-summary").first.click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200", status.inner_text()
    probe.settle("swagger-ui")


def _check_redoc(probe: chromium.Probe, schema: dict[str, Any]) -> None:
    probe.visit("/redoc")
    page = probe.page
    page.wait_for_selector("[data-section-id^='operation/']", state="attached")
    # ReDoc gives each operation's section the id `operation/<operationId>`.
    shown = set(
        page.eval_on_selector_all(
            "[data-section-id^='operation/']", "els => els.map(e => e.dataset.sectionId)"
        )
    )
    expected = {
        f"operation/{schema['paths'][path][method.lower()]['operationId']}"
        for method, path in chromium.operations(schema)
    }
    assert expected == shown, f"ReDoc shows {sorted(shown)}, the schema has {sorted(expected)}"
    heading = page.locator(".api-info h1").inner_text()
    assert schema["info"]["title"] in heading, heading
    probe.settle("redoc")


def _check_fastapi_pages(probe: chromium.Probe) -> None:
    probe.visit("/")
    assert probe.page.locator("h1").count() >= 1
    probe.settle("index")


def _check_flask_pages(probe: chromium.Probe) -> None:
    """The whole session-login journey through the pages, as a person would click it."""
    page = probe.page
    probe.visit("/pages/items")
    probe.settle("items-anonymous")

    probe.visit("/login")
    probe.settle("login")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")

    probe.visit("/pages/items/new")
    page.fill("#name", "Browser widget")
    page.fill("#description", "Made by headless Chromium")
    page.fill("#price", "12.50")
    with page.expect_navigation():
        page.click("form:has(#name) button[type=submit]")
    assert "/pages/items/" in page.url, page.url
    assert "Browser widget" in page.content()
    probe.settle("item-detail")
    detail = page.url.removeprefix(probe.base)

    probe.visit(detail + "/edit")
    page.fill("#name", "Browser widget v2")
    with page.expect_navigation():
        page.click("form:has(#name) button[type=submit]")
    assert "Browser widget v2" in page.content()
    probe.settle("item-edited")

    with page.expect_navigation():
        page.get_by_role("button", name="Delete").click()
    assert page.url.endswith("/pages/items"), page.url
    assert "Browser widget v2" not in page.content()
    probe.settle("items-after-delete")


def _probe(service: Served, shots: Path) -> None:
    schema = _schema(service.base)
    with chromium.browser(service.base, shots) as probe:
        _check_swagger_ui(probe, schema)
        _check_redoc(probe, schema)
        if service.framework == "fastapi":
            _check_fastapi_pages(probe)
        else:
            _check_flask_pages(probe)
        assert not probe.findings, (
            f"{service.framework}: what the browser saw go wrong (screenshots in {shots}):\n"
            + probe.report()
        )


@pytest.mark.parametrize(
    ("framework", "auth"), [("fastapi", "jwt"), ("flask", "session")], ids=["fastapi", "flask"]
)
def test_docs_and_pages_in_a_real_browser(tmp_path: Path, framework: str, auth: str) -> None:
    with served(tmp_path, framework, auth, html_pages=True) as service:
        _probe(service, tmp_path / "screenshots")
