"""The field app (移动端): an installable web app (PWA) the hub serves at /m/, on the same JSON API other
systems use. These routes serve only the app itself — its page, script, style, service worker, web manifest
and icons — which hold no data: what a user sees comes from the API, as that user may see it.

The service worker keeps the app and the data a user has opened on the phone, so it starts and shows the last
sync with no signal; what is recorded offline waits in an outbox on the phone (IndexedDB) and is sent once,
with an Idempotency-Key, when the signal is back (docs/mobile.md).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import json
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from PIL import Image, ImageDraw, ImageFont
from pydantic import Field

from hub.core.deps import HubDep
from hub.mobile.words import WORDS
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(HERE / "templates", words=WORDS)

ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
ICON_SIZES = (192, 512)
ACCENT = (180, 38, 15)

# Like every page: nothing from elsewhere. Beyond them, the QR reader's WebAssembly may be compiled
# ('wasm-unsafe-eval', not 'unsafe-eval'), pictures the user takes are shown from blob: URLs, and the camera's
# stream plays in a <video>.
APP_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
    "connect-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "font-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-cache",
}


@cache
def version() -> str:
    """A digest of everything the app is made of: the service worker's cache is named after it, so a hub
    with a new app replaces the phone's copy."""
    digest = hashlib.sha256()
    for path in sorted([*STATIC.iterdir(), *(HERE / "templates").iterdir(), HERE / "words.py"]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@router.get("/m", response_class=RedirectResponse)
def app_root() -> RedirectResponse:
    return RedirectResponse("/m/", status_code=308)


@router.get("/m/", name="mobile_app")
def app_page(request: Request, hub: HubDep, lang: str | None = None) -> Response:
    """The app's one page; its screens are drawn by app.js from the API."""
    chosen = pick_lang(lang)
    answer = pages.templates.TemplateResponse(
        request,
        "app.html",
        {
            "t": pages.words[chosen],
            "lang": chosen,
            "lang_q": "?lang=en" if chosen == "en" else "",
            "hub_name": hub.settings.name,
            "version": version(),
        },
        headers=APP_HEADERS,
    )
    return answer


def _asset(name: str) -> Response:
    # Their URLs carry the version (app.html), so a phone may keep them as long as it likes.
    kept = {"Cache-Control": "public, max-age=31536000, immutable"}
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers=kept)


@router.get("/m/app.js", name="mobile_script")
def app_script() -> Response:
    return _asset("app.js")


@router.get("/m/app.css", name="mobile_style")
def app_style() -> Response:
    return _asset("app.css")


@router.get("/m/sw.js", name="mobile_service_worker")
def service_worker() -> Response:
    """The service worker, with the version it caches under; never cached itself (the browser checks it)."""
    body = f'const VERSION = "{version()}";\n' + (STATIC / "sw.js").read_text(encoding="utf-8")
    return Response(
        body,
        media_type="text/javascript",
        # A worker runs under its own script's policy: it fetches from the hub and nothing else.
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/m/",
            "Content-Security-Policy": "default-src 'none'; connect-src 'self'",
        },
    )


@router.get("/m/manifest.webmanifest", name="mobile_manifest")
def web_manifest(lang: Annotated[str | None, Query(max_length=5)] = None) -> Response:
    """The web app manifest (W3C Web Application Manifest): what a phone needs to install the app."""
    chosen = pick_lang(lang)
    t = WORDS[chosen]
    doc = {
        "name": t["app_name"],
        "short_name": t["short_name"],
        "description": t["description"],
        "lang": "zh-CN" if chosen == "zh" else "en",
        "id": "/m/",
        "start_url": "/m/" + ("?lang=en" if chosen == "en" else ""),
        "scope": "/m/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#fafafa",
        "theme_color": "#b4260f",
        "icons": [
            {"src": f"/m/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
            for size in ICON_SIZES
        ]
        + [{"src": "/m/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}],
    }
    return Response(
        json.dumps(doc, ensure_ascii=False),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@cache
def icon_png(size: int) -> bytes:
    """The app's icon: 危 in white on the hub's red, drawn with the Noto Sans SC the hub ships (safe zone of a
    maskable icon: the glyph stays inside the middle 60 %)."""
    image = Image.new("RGB", (size, size), ACCENT)
    draw = ImageDraw.Draw(image)
    font_file = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    font = ImageFont.truetype(io.BytesIO(font_file.read_bytes()), int(size * 0.5))
    draw.text((size / 2, size / 2), "危", font=font, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@router.get("/m/icon-{size}.png", name="mobile_icon")
def app_icon(size: Annotated[int, Field(ge=1, le=max(ICON_SIZES))]) -> Response:
    if size not in ICON_SIZES:
        return Response(status_code=404)
    kept = {"Cache-Control": "public, max-age=604800"}
    return Response(icon_png(size), media_type="image/png", headers=kept)
