"""A real browser on the pages of a resource added by `pyapi-scaffold add resource` (issue 12).

tests/test_browser.py covers the project's own `items` pages; this layer covers what `add
resource` writes: a project is rendered, an `order` resource with one field of every input kind
(text, number-as-text, checkbox, select, date, textarea) is added, the project is migrated and
served by its own production command, and headless Debian Chromium uses the pages:

- Flask (session login): log in, create an order through the form (filling every input kind),
  find it in the list and on its detail page, edit it through the form, delete it;
- FastAPI (JWT; the pages are read-only): an order created over the JSON API shows on the list
  page, and its detail page is reached by clicking its link.

The same findings as tests/test_browser.py fail the test (console errors, CSP violations,
requests to another host, failed requests, documents without a strict CSP). A screenshot of
every page is kept under the test's temporary directory.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.support import browser as chromium
from tests.support.production import PASSWORD, USERNAME, Resource, Served, served

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ORDER: Resource = (
    "order",
    [
        "customer:str",
        "total:decimal",
        "paid:bool=false",
        "status:enum[new,shipped]",
        "placed_at:date",
        "note:text?",
    ],
)


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    """Under CI a missing browser is a failure (.ci/run installs it), never a silent skip."""
    if chromium.chromium() is None:
        message = "no chromium: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _cells(probe: chromium.Probe) -> list[list[str]]:
    """The list page's table, row by row (header excluded), as the browser shows it."""
    rows: list[list[str]] = probe.page.eval_on_selector_all(
        "table tbody tr",
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
    )
    return rows


def _detail(probe: chromium.Probe) -> dict[str, str]:
    """The detail page's <dl> as {field: shown value}."""
    pairs: list[list[str]] = probe.page.eval_on_selector_all(
        "dl dt",
        "dts => dts.map(dt => [dt.innerText.trim(), dt.nextElementSibling.innerText.trim()])",
    )
    return dict((name, value) for name, value in pairs)


# What a person types into the order form, and what the detail page shows for it afterwards.
CREATED = {
    "customer": "Ada Lovelace",
    "total": "12.50",
    "paid": True,
    "status": "shipped",
    "placed_at": "2026-01-31",
    "note": "Left at the door",
}
EDITED = {
    **CREATED,
    "customer": "Ada King",
    "paid": False,
    "status": "new",
    "placed_at": "2026-02-01",
    "note": "",
}


def _shown(values: dict[str, object]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


def _fill(probe: chromium.Probe, values: dict[str, object]) -> None:
    """Fill the form the way each input wants it (checkbox, select, text and textarea), submit."""
    page = probe.page
    for name, value in values.items():
        if isinstance(value, bool):
            page.set_checked(f"#{name}", value)
        elif name == "status":
            page.select_option(f"#{name}", str(value))
        else:
            page.fill(f"#{name}", str(value))
    with page.expect_navigation():
        page.click("form:has(#customer) button[type=submit]")


def _login(probe: chromium.Probe) -> None:
    page = probe.page
    probe.visit("/login")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _create_order(probe: chromium.Probe) -> str:
    """Create an order from the list page's New button; returns its detail page's path."""
    page = probe.page
    probe.visit("/pages/orders")
    with page.expect_navigation():
        page.get_by_role("link", name="New").click()
    assert page.url.endswith("/pages/orders/new"), page.url
    assert page.locator("h1").inner_text() == "New Order"
    assert page.locator("#paid").get_attribute("type") == "checkbox"
    options = page.eval_on_selector_all("#status option", "os => os.map(o => o.value)")
    assert options == ["new", "shipped"], options
    assert page.locator("#note").evaluate("e => e.tagName") == "TEXTAREA"
    probe.settle("order-new")
    _fill(probe, CREATED)
    assert "/pages/orders/" in page.url and not page.url.endswith("/new"), page.url
    shown = _detail(probe)
    assert {name: shown.get(name) for name in CREATED} == _shown(CREATED), shown
    probe.settle("order-detail")
    detail: str = page.url.removeprefix(probe.base)
    return detail


def _edit_order(probe: chromium.Probe, detail: str) -> None:
    """From the list to the row (its id links to it), then its Edit form, which comes back filled
    with the row's values; change every kind of input."""
    page = probe.page
    order_id = detail.rsplit("/", 1)[-1]
    with page.expect_navigation():
        page.get_by_role("link", name=order_id, exact=True).click()
    assert page.url.endswith(detail), page.url
    assert page.locator("h1").inner_text() == f"Order {order_id}"
    with page.expect_navigation():
        page.get_by_role("link", name="Edit").click()
    assert page.locator("h1").inner_text() == f"Edit Order {order_id}"
    filled = {
        name: page.is_checked(f"#{name}")
        if isinstance(value, bool)
        else page.input_value(f"#{name}")
        for name, value in CREATED.items()
    }
    assert filled == CREATED, filled
    probe.settle("order-edit")
    _fill(probe, EDITED)
    assert page.url.endswith(detail), page.url
    shown = _detail(probe)
    assert {name: shown.get(name) for name in EDITED} == _shown(EDITED), shown
    probe.settle("order-edited")


def _open_from_the_site_header(probe: chromium.Probe) -> None:
    """The home page's header links the added resource's list page (resources are discovered)."""
    page = probe.page
    probe.visit("/")
    with page.expect_navigation():
        page.locator("header").get_by_role("link", name="Orders", exact=True).click()
    assert page.url.split("?")[0].endswith("/pages/orders"), page.url


def _check_flask_order_pages(probe: chromium.Probe) -> None:
    """Log in, then create, read, edit and delete an order through the pages, as a person would."""
    page = probe.page
    _open_from_the_site_header(probe)
    assert "None yet." in page.content()
    probe.settle("orders-empty")
    _login(probe)
    detail = _create_order(probe)

    probe.visit("/pages/orders")
    order_id = detail.rsplit("/", 1)[-1]
    rows = [row[:6] for row in _cells(probe)]
    assert [order_id, *list(_shown(CREATED).values())[:5]] in rows, rows
    probe.settle("orders-one")
    _edit_order(probe, detail)

    with page.expect_navigation():
        page.get_by_role("button", name="Delete").click()
    assert page.url.endswith("/pages/orders"), page.url
    assert "Ada King" not in page.content()
    assert "None yet." in page.content()
    probe.settle("orders-after-delete")


def _api(base: str, method: str, path: str, body: object, token: str) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method=method, headers=headers
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201, response.status
        created: dict[str, Any] = json.loads(response.read())
    return created


def _token(base: str) -> str:
    body = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD}).encode()
    with urllib.request.urlopen(f"{base}/auth/token", data=body, timeout=30) as response:
        token = json.loads(response.read())["access_token"]
    assert isinstance(token, str)
    return token


def _check_fastapi_order_pages(probe: chromium.Probe) -> None:
    """An order written through the API (JWT) shows on the read-only list and detail pages."""
    page = probe.page
    _open_from_the_site_header(probe)
    assert "0 in total." in page.content()
    probe.settle("orders-empty")

    order = {
        "customer": "Ada Lovelace",
        "total": "12.50",
        "paid": True,
        "status": "shipped",
        "placed_at": "2026-01-31",
        "note": "Left at the door",
    }
    created = _api(probe.base, "POST", "/orders", order, _token(probe.base))

    probe.visit("/pages/orders")
    assert "1 in total." in page.content()
    rows = _cells(probe)
    assert [str(created["id"]), "Ada Lovelace", "12.50", "True", "shipped", "2026-01-31"] in [
        row[:6] for row in rows
    ], rows
    probe.settle("orders-one")

    with page.expect_navigation():
        page.get_by_role("link", name=str(created["id"]), exact=True).click()
    assert page.url.endswith(f"/pages/orders/{created['id']}"), page.url
    assert page.locator("h1").inner_text() == f"Order {created['id']}"
    shown = _detail(probe)
    assert {name: shown.get(name) for name in order} == {
        **order,
        "paid": "True",
    }, shown
    probe.settle("order-detail")

    with page.expect_navigation():
        page.get_by_role("link", name="All orders", exact=True).click()
    assert page.url.split("?")[0].endswith("/pages/orders"), page.url
    assert page.locator("h1").inner_text() == "Orders"


def _probe(service: Served, shots: Path) -> None:
    with chromium.browser(service.base, shots) as probe:
        if service.framework == "fastapi":
            _check_fastapi_order_pages(probe)
        else:
            _check_flask_order_pages(probe)
        assert not probe.findings, (
            f"{service.framework}: what the browser saw go wrong (screenshots in {shots}):\n"
            + probe.report()
        )


@pytest.mark.parametrize(
    ("framework", "auth"), [("fastapi", "jwt"), ("flask", "session")], ids=["fastapi", "flask"]
)
def test_added_resource_pages_in_a_real_browser(tmp_path: Path, framework: str, auth: str) -> None:
    with served(tmp_path, framework, auth, html_pages=True, resources=[ORDER]) as service:
        _probe(service, tmp_path / "screenshots")
