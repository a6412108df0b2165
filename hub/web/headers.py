"""Security headers on every answer of the hub (等保: 安全通信网络/应用安全), whoever served it.

Pages set their own Content-Security-Policy (hub/web/pages.py: no script, nothing from elsewhere); every
other answer — JSON, images, fonts, errors, redirects — gets one that allows nothing at all, so a response
opened in a browser by mistake can neither run nor frame anything. HSTS is sent when the hub's public URL is
https. The API's pages /docs and /redoc set their own CSP too (hub/web/api_docs.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers(
    https: bool,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in BASE_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", STRICT_CSP)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return middleware
