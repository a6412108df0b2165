"""The daily digest: for each user who asked for it, one e-mail-shaped message (RFC 5322, built with Python's
`email` package: an encoded Chinese subject, a text and an HTML part) with what they should look at, kept in
an outbox for the site's mail relay (the hub assumes no mail server; the relay fetches the `.eml` and marks
it sent, docs/warnings.md).

A regulator or inspector gets its region's warnings raised that day, the open ones and the 督办单 overdue; an
enterprise user its enterprise's new warnings and the 督办单 waiting for its answer. One message per user and
China day: building the digest again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.access.gate import scoped
from hub.access.policies import policy_for
from hub.access.principal import Access, Scope
from hub.access.sessions import principal_of
from hub.core.dialect import insert_ignore
from hub.core.errors import Invalid
from hub.registry.enterprises import enterprise_by_id
from hub.warnings import views
from hub.warnings.rules import RULES_BY_CODE
from hub.warnings.tables import DigestSubscription, MailMessage, SupervisionOrder, WarningRow
from protocols.china_time import china_date, day_start_ms
from protocols.warnings import OrderState, State

ADDRESS = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,188}\.[A-Za-z]{2,}$")
LIVE = (State.OPEN.value, State.ACKNOWLEDGED.value, State.SUPERVISED.value)
WAITING = (OrderState.ISSUED.value, OrderState.RETURNED.value)
SHOWN = 50


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    link: str


def subscribe(session: Session, username: str, address: str, lang: str, now_ms: int) -> DigestSubscription:
    if not ADDRESS.fullmatch(address.strip()):
        raise Invalid("邮箱地址格式不正确 (not an e-mail address)", "address")
    if lang not in ("zh", "en"):
        raise Invalid("lang 须为 zh 或 en", "lang")
    row = session.get(DigestSubscription, username) or DigestSubscription(
        username=username, created_ms=now_ms
    )
    row.address, row.lang = address.strip(), lang
    session.add(row)
    return row


def day_bounds(day: dt.date) -> tuple[int, int]:
    return day_start_ms(day), day_start_ms(day + dt.timedelta(days=1))


def _access(session: Session, username: str) -> Access | None:
    """What the account may see of the warnings, as the warning list's own access rule gives it (none for
    administrators)."""
    principal = principal_of(session, username)
    policy = policy_for("GET", "/api/v1/warnings")
    return scoped(principal, policy) if principal is not None and policy is not None else None


def _warning_line(session: Session, row: WarningRow, public_url: str) -> Line:
    rule = RULES_BY_CODE.get(row.rule)
    ent = enterprise_by_id(session, row.enterprise_id)
    name = rule.name_zh if rule else row.rule
    return Line(f"[{name}] {ent.name}：{row.message_zh}", f"{public_url}/warnings/{row.id}")


def sections(
    session: Session, access: Access, day: dt.date, now_ms: int, public_url: str
) -> dict[str, list[Line]]:
    start, end = day_bounds(day)
    scoped = views.scoped(select(WarningRow), access, WarningRow)
    new = session.scalars(
        scoped.where(WarningRow.first_seen_ms >= start, WarningRow.first_seen_ms < end)
        .order_by(WarningRow.first_seen_ms)
        .limit(SHOWN)
    ).all()
    out = {"new": [_warning_line(session, r, public_url) for r in new]}
    orders = views.scoped(select(SupervisionOrder), access, SupervisionOrder).where(
        SupervisionOrder.state.in_(WAITING)
    )
    if access.scope == Scope.OWN:
        waiting = session.scalars(orders.order_by(SupervisionOrder.due_ms).limit(SHOWN)).all()
        out["todo"] = [
            Line(
                f"督办单 {o.number}：{o.requirement}（期限 {_date(o.due_ms)}）",
                f"{public_url}/supervision-orders",
            )
            for o in waiting
        ]
    else:
        open_count = session.scalar(
            select(func.count()).select_from(scoped.where(WarningRow.state.in_(LIVE)).subquery())
        )
        late = session.scalars(
            orders.where(SupervisionOrder.due_ms < now_ms).order_by(SupervisionOrder.due_ms).limit(SHOWN)
        ).all()
        out["open"] = (
            [Line(f"未办结预警共 {open_count} 条", f"{public_url}/warnings?state=open")] if open_count else []
        )
        out["overdue"] = [_overdue_line(session, o, public_url) for o in late]
    return out


def _overdue_line(session: Session, order: SupervisionOrder, public_url: str) -> Line:
    who = enterprise_by_id(session, order.enterprise_id).name
    return Line(
        f"督办单 {order.number} 已逾期（期限 {_date(order.due_ms)}）：{who}",
        f"{public_url}/warnings/{order.warning_id}",
    )


TITLES = {"new": "今日新增预警", "todo": "待办督办单", "open": "未办结预警", "overdue": "逾期督办单"}


def _date(ms: int) -> str:
    return china_date(ms).isoformat()


def message(
    hub_name: str, public_url: str, address: str, day: dt.date, parts: dict[str, list[Line]], now_ms: int
) -> EmailMessage:
    counts = {k: len(v) for k, v in parts.items()}
    subject = f"【{hub_name}】{day.isoformat()} 预警日报：新增 {counts.get('new', 0)} 条"
    if "todo" in counts:
        subject += f"，待办 {counts['todo']} 件"
    if counts.get("overdue"):
        subject += f"，逾期 {counts['overdue']} 件"
    host = urlsplit(public_url).hostname or "localhost"
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr((hub_name, f"noreply@{host}"))
    msg["To"] = address
    msg["Date"] = formatdate(now_ms / 1000, localtime=False)
    msg["Message-ID"] = make_msgid(domain=host)
    text, rich = [subject, ""], [f"<h1>{html.escape(subject)}</h1>"]
    for key, lines in parts.items():
        if not lines:
            continue
        text.append(TITLES[key])
        rich.append(f"<h2>{html.escape(TITLES[key])}</h2><ul>")
        for line in lines:
            text.append(f"- {line.text}\n  {line.link}")
            rich.append(f'<li><a href="{html.escape(line.link)}">{html.escape(line.text)}</a></li>')
        text.append("")
        rich.append("</ul>")
    if not any(parts.values()):
        text.append("今日没有需要处理的事项。")
        rich.append("<p>今日没有需要处理的事项。</p>")
    msg.set_content("\n".join(text))
    msg.add_alternative("\n".join(rich), subtype="html")
    return msg


def build_day(session: Session, day: dt.date, *, hub_name: str, public_url: str, now_ms: int) -> int:
    """One message per subscriber for `day` (once: a second run adds nothing); the number made."""
    made = 0
    for sub in session.scalars(select(DigestSubscription).order_by(DigestSubscription.username)):
        if session.scalar(
            select(MailMessage.id).where(
                MailMessage.username == sub.username, MailMessage.day == day.isoformat()
            )
        ):
            continue
        access = _access(session, sub.username)
        if access is None:
            continue
        parts = sections(session, access, day, now_ms, public_url)
        msg = message(hub_name, public_url, sub.address, day, parts, now_ms)
        row = {
            "username": sub.username,
            "address": sub.address,
            "day": day.isoformat(),
            "subject": msg["Subject"],
            "message": bytes(msg),
            "created_ms": now_ms,
            "sent_ms": None,
        }
        insert_ignore(session, MailMessage, [row])
        made += 1
    return made
