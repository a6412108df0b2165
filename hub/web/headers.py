"""Security headers on every answer of the hub (等保: 安全通信网络/应用安全), whoever served it.

Pages set their own Content-Security-Policy (hub/web/pages.py: no script, nothing from elsewhere); every
other answer — JSON, images, fonts, errors, redirects — gets one that allows nothing at all, so a response
opened in a browser by mistake can neither run nor frame anything. HSTS is sent when the hub's public URL is
https. The API's pages /docs and /redoc set their own CSP too (hub/web/api_docs.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
HSTS = "max-age=31536000"
BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Adds each header the answer does not set itself (a page's own CSP stays), to every HTTP answer.

    A pure ASGI middleware, not `app.middleware("http")`: it edits the start message in passing, so a
    streamed answer streams and no request pays for a task and a body stream of its own.
    """

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        wanted = {**BASE_HEADERS, "Content-Security-Policy": STRICT_CSP}
        if https:
            wanted["Strict-Transport-Security"] = HSTS
        self.defaults = tuple(
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in wanted.items()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in self.defaults if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
