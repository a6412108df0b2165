"""The field checks' API: record one (inspectors and regulators, within their region; the field app sends it
with an Idempotency-Key, so a repeat after a cut line records nothing twice), list them, read one's photo."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hub.access.audit import note
from hub.access.gate import AccessDep
from hub.attachments.serving import attachment_response
from hub.attachments.store import attachment
from hub.core.deps import HubDep
from hub.core.errors import NotFound
from hub.core.idempotency import IdempotencyKey, Once, fingerprint
from hub.core.schemas import Problem, RowId
from hub.field_checks import service
from hub.field_checks.schemas import FieldCheckIn, FieldCheckList, FieldCheckOut
from hub.registry.enterprises import enterprise_by_uscc
from hub.registry.visibility import visible_enterprise_ids

router = APIRouter(prefix="/api/v1", tags=["field checks"])
REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": Problem},
    404: {"model": Problem},
    409: {"model": Problem},
    422: {"model": Problem},
}


@router.post("/field-checks", status_code=201, responses=REFUSALS)
def record_check(
    body: FieldCheckIn,
    request: Request,
    response: Response,
    hub: HubDep,
    access: AccessDep,
    idempotency_key: IdempotencyKey = None,
) -> FieldCheckOut:
    """A check made in the field against a bag or a manifest the caller may see: the weight found beside the
    weight the hub holds, the label, a verdict, photos, where and when."""
    now = hub.clock()
    with hub.write() as session, session.begin():
        once = Once.claim(
            session, access.actor, idempotency_key, fingerprint("POST", request.url.path, body), now
        )
        if once.kept is not None:
            response.headers["Idempotent-Replayed"] = "true"
            return FieldCheckOut.model_validate(once.kept)
        row = service.record(session, access, body, now)
        out = service.check_out(session, row)
        once.keep(out, 201)
        note(request, field_check=row.id, subject=body.subject, code=body.code)
        return out


@router.get("/field-checks", responses=REFUSALS)
def list_checks(
    hub: HubDep,
    access: AccessDep,
    enterprise: Annotated[str | None, Query(max_length=18, description="USCC")] = None,
    code: Annotated[
        str | None, Query(max_length=128, description="a bag's code or a manifest's number")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FieldCheckList:
    """The newest field checks of the enterprises the caller may see (an enterprise: checks of its own)."""
    with hub.read() as session:
        visible = visible_enterprise_ids(session, access)
        if enterprise:
            ent = enterprise_by_uscc(session, enterprise)
            access.require(ent.party, f"企业 {enterprise} 的现场核查")
            visible = {ent.id}
        rows = service.checks_of(session, enterprise_ids=visible, code=code, limit=limit)
        return FieldCheckList(checks=[service.check_out(session, r) for r in rows])


@router.get(
    "/field-checks/{check_id}/photos/{sha256}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}, **REFUSALS},
)
def check_photo(check_id: RowId, sha256: str, hub: HubDep, access: AccessDep) -> Response:
    with hub.read() as session:
        row = service.get_check(session, access, check_id)
        if sha256 not in service.photos_of(session, row.id):
            raise NotFound("该现场核查没有这张照片 (the check has no such photo)")
        return attachment_response(attachment(session, sha256), None)
