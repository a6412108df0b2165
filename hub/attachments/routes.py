"""Uploading an attachment, and reading back one's own uploads (docs/attachments.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from hub.access.gate import AccessDep
from hub.attachments.schemas import AttachmentView
from hub.attachments.serving import attachment_response
from hub.attachments.store import MAX_BYTES, NAME_LENGTH, attachment, put, uploaded
from hub.core.bodies import BodyTooLarge, read_limited
from hub.core.deps import Hub, HubDep, ReadSession
from hub.core.errors import Invalid, NotFound
from hub.core.schemas import Problem

router = APIRouter(prefix="/api/v1", tags=["attachments"])


@router.post(
    "/attachments",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp", "application/pdf")
            },
        }
    },
    responses={
        413: {"model": Problem},
        422: {"model": Problem, "description": "empty, or not an allowed type"},
    },
)
async def upload_attachment(
    request: Request,
    hub: HubDep,
    access: AccessDep,
    name: Annotated[
        str | None, Query(max_length=NAME_LENGTH, description="the file's name, for showing")
    ] = None,
) -> AttachmentView:
    """Keep a picture or PDF (the body, as it is) and answer its SHA-256, which a record then names.
    Uploading the same bytes again answers the same hash."""
    try:
        content = await read_limited(request, MAX_BYTES)
    except BodyTooLarge as exc:
        raise Invalid(
            f"文件超过 {MAX_BYTES // 1024 // 1024} MB (the file is too large)", "attachment_size", status=413
        ) from exc
    return await run_in_threadpool(_keep, hub, content, name, access.user.name)


def _keep(hub: Hub, content: bytes, name: str | None, uploader: str) -> AttachmentView:
    with hub.write() as session, session.begin():
        stored = put(session, content, name=name, uploader=uploader, now_ms=hub.clock())
    return AttachmentView(
        sha256=stored.sha256, media_type=stored.media_type, size=stored.size, name=stored.name
    )


@router.get(
    "/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}, "application/pdf": {}}},
        404: {"model": Problem},
    },
)
def get_own_attachment(sha256: str, session: ReadSession, access: AccessDep) -> Response:
    """A file the caller uploaded (others read attachments through the record that names them)."""
    if not uploaded(session, sha256, access.user.name):
        raise NotFound("附件不存在 (no such attachment among yours)")
    return attachment_response(attachment(session, sha256))
