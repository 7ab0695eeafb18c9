import re

import pytest
from fastapi.testclient import TestClient

# src="..." / href="..." attributes in the docs pages.
_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_load_every_asset_from_the_service(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.text
    assert "http://" not in html
    assert "https://" not in html
    references = _REFERENCE.findall(html)
    assert references, "the page should load its scripts"
    for reference in references:
        assert reference.startswith("/")
        assert not reference.startswith("//"), reference
        assert client.get(reference).status_code == 200, reference


def test_swagger_inline_script_is_allowed_by_hash(client: TestClient) -> None:
    policy = client.get("/docs").headers["content-security-policy"]
    assert "'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_openapi_schema_describes_the_items_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/items", "/items/{item_id}", "/health", "/health/ready"} <= schema["paths"].keys()


def test_docs_load_nothing_from_another_host(client: TestClient) -> None:
    redoc = client.get("/docs-assets/redoc.standalone.js")
    assert redoc.status_code == 200
    assert "cdn.redoc.ly" not in redoc.text  # ReDoc's logo, normally fetched from its CDN
    assert '"validatorUrl": null' in client.get("/docs").text  # no badge from validator.swagger.io
