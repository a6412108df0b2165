"""Rendering the hub's pages: one renderer over a domain's templates and the shared shell (with the user and
menu handed over by create_app), the headers every page carries, and the whole CJK font for old links.

Server-rendered, Chinese first, everything local (no CDN, fonts or scripts), every value escaped.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from hub.core.deps import Hub
from hub.web.words import TEXT
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH

SHELL = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# The pages use nothing from elsewhere; say so to the browser, so injected markup could not fetch either.
# (nosniff, Referrer-Policy and the rest every answer gets from hub/web/headers.py.)
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; "
    "form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
}


class PageRenderer:
    """The pages of one domain: its own templates first, then the shell (base.html, forbidden, not found)."""

    def __init__(self, *template_dirs: Path, words: Mapping[str, Mapping[str, str]] | None = None) -> None:
        """`words`, per language, are the domain's own words; pages see them beside the shell's as `t`."""
        self.words = {lang: {**TEXT[lang], **(words or {}).get(lang, {})} for lang in TEXT}
        # In a template `t.items` is the dict's method, not the word: refuse such keys when the module loads.
        hidden = {key for table in self.words.values() for key in table} & set(dir(dict))
        if hidden:
            raise ValueError(f"words {sorted(hidden)} are hidden by dict methods in templates: rename them")
        loader = FileSystemLoader([*template_dirs, SHELL])
        env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
        self.templates = Jinja2Templates(env=env)

    def render(
        self,
        request: Request,
        hub: Hub,
        name: str,
        lang: str,
        context: dict[str, Any],
        *,
        switch_path: str | None = None,
        status_code: int = 200,
    ) -> Response:
        """`switch_path`, when given, is where the language switch leads (the same page in the other
        language); pages reached by a form or a redirect have none."""
        switch_url = None
        if switch_path is not None:
            switch_url = switch_path + ("?lang=en" if lang == "zh" else "")
        base = {
            "t": self.words[lang],
            "lang": lang,
            "lang_q": "?lang=en" if lang == "en" else "",  # carried by links, so English stays English
            "hub_name": hub.settings.name,
            "switch_url": switch_url,
        }
        # The user, the menu and the path come from the access domain, handed over by create_app
        # (hub/access/menu.py), so the shell stays below the domains.
        shell_context = getattr(request.app.state, "shell_context", None)
        if shell_context is not None:
            base.update(shell_context(request, lang))
        return self.templates.TemplateResponse(
            request, name, {**base, **context}, status_code=status_code, headers=PAGE_HEADERS
        )


shell = PageRenderer()

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/fonts/cjk.ttf", name="cjk_font")
def cjk_font() -> Response:
    """The whole Noto Sans SC from the installed wheel (17.8 MB), kept for old links. The pages use the subset
    `/static/fonts/hub-sc.woff2` instead (hub/web/fontsubset.py, built by scripts/setup)."""
    try:
        font = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    except ModuleNotFoundError:
        return Response(status_code=404)
    if not isinstance(font, Path) or not font.is_file():
        return Response(status_code=404)
    return FileResponse(font, media_type="font/ttf", headers={"Cache-Control": "public, max-age=604800"})
