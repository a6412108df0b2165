"""The login form and logging out.

The login form sets the same session token the API issues, as an HttpOnly, SameSite=Lax cookie (Secure when
the hub's public URL is https), so the pages and `GET` API links work in the browser. Both forms refuse a
post from another site: a browser names the page a form came from in `Origin` (or, failing that,
`Referer`), and it must be this hub (its public URL, or the host the request was sent to)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from hub.access import totp
from hub.access.audit import note_actor
from hub.access.gate import AccessDep
from hub.access.principal import Principal
from hub.access.sessions import COOKIE, SESSION_TTL_MS, client_address, login, logout
from hub.access.throttle import LoginPolicy
from hub.access.words import WORDS
from hub.core.deps import HubDep, WriteSession
from hub.core.errors import Forbidden, HubError, Invalid
from hub.web.pages import PageRenderer
from hub.web.words import pick_lang

router = APIRouter(tags=["pages"], include_in_schema=False)
pages = PageRenderer(Path(__file__).resolve().parent / "templates", words=WORDS)


def _local(path: str | None) -> str:
    """Only a path on this hub: never an absolute URL, so the login cannot send people elsewhere."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


@router.get("/login", name="login_page")
def login_page(request: Request, hub: HubDep, next: str | None = None, lang: str | None = None) -> Response:  # noqa: A002
    context = {"next_path": _local(next), "problem": None, "username": ""}
    return pages.render(request, hub, "login.html", pick_lang(lang), context)


def same_origin(request: Request, public_url: str) -> bool:
    """A form posted from this hub's own pages (or by a client that names no origin, which no browser is)."""
    given = request.headers.get("origin")
    if given in (None, "null"):
        # Chromium sends `Origin: null` for a form posted from a page whose Referrer-Policy is no-referrer
        # (ours): then the browser's own Sec-Fetch-Site says whether the form came from this site.
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            return site in ("same-origin", "none")
        if given == "null":  # an opaque origin (a sandboxed frame, a file) from a browser that says no more
            return False
        given = request.headers.get("referer")
    if not given:
        return True
    own = {_origin(public_url), f"{request.url.scheme}://{request.headers.get('host', '')}"}
    return _origin(given) in own


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@router.post("/login", name="login_form")
async def login_form(request: Request, hub: HubDep) -> Response:
    if not same_origin(request, hub.settings.public_url):
        raise Forbidden("登录表单只能从本平台提交 (a login from another site is refused)", "cross_site")
    form = await _form(request)
    username, password = form.get("username", "")[:64], form.get("password", "")[:256]
    target = _local(form.get("next"))
    note_actor(request, username)
    try:
        issued = login(
            hub.write,
            username,
            password,
            hub.clock(),
            source=client_address(request),
            policy=LoginPolicy.of(hub.settings),
            code=form.get("code", "")[:16] or None,
            factor=totp.second_factor(hub),
        )
    except HubError as exc:
        # A refused login has written nothing (login adds the session row only once the password is good),
        # so the transaction that commits after this page is empty. The failure counts through the audit
        # entry the middleware writes for this 401.
        context = {"next_path": target, "problem": exc.reason or "failed", "username": username}
        return pages.render(request, hub, "login.html", "zh", context, status_code=exc.status)
    if issued.principal.must_enrol_totp:  # the session can do nothing else until the factor is set up
        target = f"/me/totp?next={quote(target, safe='/')}"
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
    if not same_origin(request, hub.settings.public_url):
        raise Forbidden("退出表单只能从本平台提交 (a logout from another site is refused)", "cross_site")
    token = request.cookies.get(COOKIE)
    if token:
        logout(session, token, hub.clock())
    answer = RedirectResponse("/", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer


async def _form(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}


@router.get("/me/totp", name="totp_page")
def totp_page(
    request: Request,
    hub: HubDep,
    access: AccessDep,
    next: str | None = None,
    lang: str | None = None,  # noqa: A002
) -> Response:
    """Setting up the second factor: why, then the QR code, then the first code."""
    user = _person(access)
    with hub.read() as session:
        state = totp.state(session, user.user_id)
    context = {"next_path": _local(next), "state": state, "enrolment": None, "wrong": False}
    return pages.render(request, hub, "totp.html", pick_lang(lang), context)


@router.post("/me/totp", name="totp_start_form")
async def totp_start_form(request: Request, hub: HubDep, access: AccessDep) -> Response:
    _same_site(request, hub)
    user = _person(access)
    form = await _form(request)
    with hub.write() as session, session.begin():
        enrolment = totp.start(session, totp.second_factor(hub), user.user_id, user.name, hub.clock())
    context = {
        "next_path": _local(form.get("next")),
        "state": "pending",
        "enrolment": enrolment,
        "wrong": False,
    }
    return pages.render(request, hub, "totp.html", "zh", context)


@router.post("/me/totp/activate", name="totp_activate_form")
async def totp_activate_form(request: Request, hub: HubDep, access: AccessDep) -> Response:
    _same_site(request, hub)
    user = _person(access)
    form = await _form(request)
    target = _local(form.get("next"))
    factor = totp.second_factor(hub)
    try:
        with hub.write() as session, session.begin():
            totp.activate(session, factor, user.user_id, form.get("code", "")[:16], hub.clock())
    except HubError as exc:
        with hub.read() as session:
            enrolment = totp.pending_enrolment(session, factor, user.user_id, user.name)
        context = {"next_path": target, "state": "pending", "enrolment": enrolment, "wrong": True}
        return pages.render(request, hub, "totp.html", "zh", context, status_code=exc.status)
    return RedirectResponse(target, status_code=303)


def _person(access: AccessDep) -> Principal:
    if access.user.user_id is None:
        raise Invalid("管理令牌没有动态口令 (the admin token has no second factor)")
    return access.user


def _same_site(request: Request, hub: HubDep) -> None:
    if not same_origin(request, hub.settings.public_url):
        raise Forbidden("表单只能从本平台提交 (a form from another site is refused)", "cross_site")
