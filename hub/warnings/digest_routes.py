"""The daily digest (hub/warnings/digest.py): a user asks for it; the site's mail relay fetches the messages
and marks them sent (docs/warnings.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.core.deps import HubDep
from hub.core.errors import NotFound
from hub.core.schemas import Problem, RowId
from hub.warnings import digest
from hub.warnings.schemas import DigestIn, DigestOut, MailOut
from hub.warnings.tables import DigestSubscription, MailMessage

router = APIRouter(prefix="/api/v1", tags=["warnings"])
REFUSALS = {403: {"model": Problem}, 404: {"model": Problem}, 422: {"model": Problem}}


@router.put("/me/digest", responses=REFUSALS)
def subscribe(body: DigestIn, request: Request, hub: HubDep, access: AccessDep) -> DigestOut:
    """Send me the daily digest at `address` (through the site's mail relay)."""
    with hub.write() as session, session.begin():
        row = digest.subscribe(session, access.user.name, body.address, body.lang, hub.clock())
        note(request, address=row.address)
        return DigestOut(address=row.address, lang=row.lang)


@router.delete("/me/digest", status_code=204, responses=REFUSALS)
def unsubscribe(hub: HubDep, access: AccessDep) -> None:
    with hub.write() as session, session.begin():
        row = session.get(DigestSubscription, access.user.name)
        if row is not None:
            session.delete(row)


@router.get("/mail-outbox", responses=REFUSALS)
def mail_outbox(
    hub: HubDep,
    access: AccessDep,
    unsent: Annotated[bool, Query(description="only messages not marked sent")] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MailOut]:
    """Messages for the mail relay, oldest first."""
    with hub.read() as session:
        query = select(MailMessage).order_by(MailMessage.id).limit(limit)
        if unsent:
            query = query.where(MailMessage.sent_ms.is_(None))
        return [
            MailOut(
                id=m.id,
                username=m.username,
                address=m.address,
                day=m.day,
                subject=m.subject,
                created_ms=m.created_ms,
                sent_ms=m.sent_ms,
                eml=f"/api/v1/mail-outbox/{m.id}.eml",
            )
            for m in session.scalars(query)
        ]


@router.get(
    "/mail-outbox/{message_id}.eml",
    response_class=Response,
    responses={200: {"content": {"message/rfc822": {}}}, **REFUSALS},
)
def mail_message(message_id: RowId, hub: HubDep, access: AccessDep) -> Response:
    """The message as the relay sends it (RFC 5322)."""
    with hub.read() as session:
        row = session.get(MailMessage, message_id)
        if row is None:
            raise NotFound("没有该邮件 (no such message)")
        return Response(row.message, media_type="message/rfc822")


@router.post("/mail-outbox/{message_id}/sent", responses=REFUSALS)
def mark_sent(message_id: RowId, request: Request, hub: HubDep, access: AccessDep) -> MailOut:
    with hub.write() as session, session.begin():
        row = session.get(MailMessage, message_id)
        if row is None:
            raise NotFound("没有该邮件 (no such message)")
        row.sent_ms = row.sent_ms or hub.clock()
        note(request, message=message_id)
        return MailOut(
            id=row.id,
            username=row.username,
            address=row.address,
            day=row.day,
            subject=row.subject,
            created_ms=row.created_ms,
            sent_ms=row.sent_ms,
            eml=f"/api/v1/mail-outbox/{row.id}.eml",
        )
