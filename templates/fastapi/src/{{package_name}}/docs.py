"""Swagger UI and ReDoc served by the service itself (assets from the fastapi-offline wheel).

No CDN is contacted, so the docs work air-gapped, and a Content-Security-Policy can allow
exactly these pages' scripts: Swagger UI's one inline script is allowed by its hash, never by
'unsafe-inline'. Nothing is loaded from another host: ReDoc's bundle is served with its Redocly
logo (normally fetched from cdn.redoc.ly) replaced by an inline blank image, and Swagger UI's
online validator badge is turned off.

`style-src` does allow 'unsafe-inline': Swagger UI and ReDoc set styles at run time (React
`style` attributes, styled-components), which no hash or nonce can cover.
"""

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

DOCS_ASSETS_URL = "/docs-assets"
REDOC_LOGO_URL = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# A 1x1 transparent GIF: allowed by `img-src data:`, and no request leaves the page.
BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _csp_for(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        "default-src 'self'; "
        f"script-src 'self' {hashes}; "
        # Swagger UI and ReDoc set inline styles; ReDoc runs its search in a blob: worker.
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "worker-src 'self' blob:; "
        "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
    )


def _page(response: HTMLResponse) -> HTMLResponse:
    html = bytes(response.body).decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": _csp_for(html)})


def add_docs(app: FastAPI, *, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Mount the docs assets and add the /docs and /redoc pages (built once, at start-up)."""
    assets = files("fastapi_offline") / "static"
    redoc_js = (assets / "redoc.standalone.js").read_text(encoding="utf-8")
    redoc_js_local = redoc_js.replace(REDOC_LOGO_URL, BLANK_IMAGE).encode()

    # Registered before the mount below, so this route wins for ReDoc's bundle.
    @app.get(f"{DOCS_ASSETS_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_bundle() -> Response:
        return Response(redoc_js_local, media_type="text/javascript")

    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = f"{docs_url}/oauth2-redirect"

    swagger = _page(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
            oauth2_redirect_url=oauth2_redirect_url,
            # No validator badge: it would load an image from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        )
    )
    redoc = _page(
        get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{DOCS_ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
    )
    oauth2_redirect = _page(get_swagger_ui_oauth2_redirect_html())

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return swagger

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return oauth2_redirect

    @app.get(redoc_url, include_in_schema=False)
    async def redoc_ui() -> HTMLResponse:
        return redoc
