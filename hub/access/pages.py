"""The login form and logging out.

The login form sets the same session token the API issues, as an HttpOnly, SameSite=Lax cookie (Secure when
the hub's public URL is https), so the pages and `GET` API links work in the browser."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.access.audit import note_actor
from hub.access.sessions import COOKIE, SESSION_TTL_MS, login, logout
from hub.core.deps import HubDep, WriteSession
from hub.core.errors import HubError
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates")


def _local(path: str | None) -> str:
    """Only a path on this hub: never an absolute URL, so the login cannot send people elsewhere."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/login", name="login_page")
def login_page(request: Request, hub: HubDep, next: str | None = None, lang: str | None = None) -> Response:  # noqa: A002
    return pages.render(
        request, hub, "login.html", pick_lang(lang), {"next_path": _local(next), "failed": False}
    )


@router.post("/login", name="login_form")
async def login_form(request: Request, hub: HubDep, session: WriteSession) -> Response:
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    username, password = form.get("username", "")[:64], form.get("password", "")[:256]
    target = _local(form.get("next"))
    note_actor(request, username)
    try:
        issued = login(session, username, password, hub.clock())
    except HubError as exc:
        # A refused login has written nothing (login adds the session row only once the password is good),
        # so the transaction that commits after this page is empty. The failure counts through the audit
        # entry the middleware writes for this 401.
        context = {"next_path": target, "failed": True}
        return pages.render(request, hub, "login.html", "zh", context, status_code=exc.status)
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(
        COOKIE,
        issued.token,
        max_age=SESSION_TTL_MS // 1000,
        httponly=True,
        samesite="lax",
        secure=hub.settings.public_url.startswith("https://"),
        path="/",
    )
    return answer


@router.post("/logout", name="logout_form")
def logout_form(request: Request, hub: HubDep, session: WriteSession) -> Response:
    token = request.cookies.get(COOKIE)
    if token:
        logout(session, token, hub.clock())
    answer = RedirectResponse("/", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer
