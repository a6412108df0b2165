"""The API's reference pages, `/docs` (Swagger UI) and `/redoc` (ReDoc), from assets that ship with the
hub: both come from npm by scripts/setup into static/vendor/, so they work on an intranet with no internet.

FastAPI's own pages load both from a CDN with an inline script; these start them from a script file of the
hub's, so the pages keep a CSP with `script-src 'self'`. Both viewers set styles inline and ReDoc runs its
search in a worker made from a blob, so these two pages allow inline styles and blob workers (never inline
script), and nothing from elsewhere.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["pages"], include_in_schema=False)

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
{body}
</body>
</html>
"""


def _page(title: str, head: str, body: str) -> HTMLResponse:
    html = _PAGE.format(title=title, head=head, body=body)
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"})


@router.get("/docs", name="swagger_ui")
def swagger_ui() -> HTMLResponse:
    return _page(
        "wastetrace hub API — Swagger UI",
        '<link rel="stylesheet" href="/static/vendor/swagger_ui/swagger-ui.css">\n'
        '<link rel="stylesheet" href="/static/api-docs.css">',
        '<div id="swagger-ui" data-spec="/openapi.json"></div>\n'
        '<script src="/static/vendor/swagger_ui/swagger-ui-bundle.js"></script>\n'
        '<script src="/static/api-docs.js"></script>',
    )


@router.get("/redoc", name="redoc")
def redoc() -> HTMLResponse:
    return _page(
        "wastetrace hub API — ReDoc",
        '<link rel="stylesheet" href="/static/api-docs.css">',
        '<div id="redoc" data-spec="/openapi.json"></div>\n'
        '<script src="/static/vendor/redoc/redoc.standalone.js"></script>\n'
        '<script src="/static/api-docs.js"></script>',
    )
