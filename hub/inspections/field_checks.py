"""Scan checks in the field (扫码核查): a bag's label or a manifest's number scanned where it was found,
with the weight a portable scale showed, the state of the label, photos, where and when, and a verdict.

Only for what the caller may read: a bag or manifest the hub holds (404 otherwise) that concerns an
enterprise inside the caller's region (403 otherwise), by the same rule as its trace or the manifest
(hub/trace/parties.py, hub/manifests/store.py). The check is filed under one of those enterprises — the
inspection's when it is made inside one, else the producer or shipper, else the first the caller sees —
and its readers are the regulators and inspectors of that enterprise's region.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.principal import Access, Party, Scope
from hub.attachments.store import SHA256, uploaded_by
from hub.core.dialect import insert_ignore
from hub.core.errors import Invalid, NotFound
from hub.inspections import records
from hub.inspections.schemas import FieldCheckIn
from hub.inspections.tables import FieldCheck, FieldCheckAttachment, Inspection
from hub.inventory.storage import bags_by_code
from hub.manifests import store as manifest_store
from hub.registry.enterprises import enterprise_by_id
from hub.trace.history import trace_package
from hub.trace.parties import bag_parties
from hub.warnings.views import region_prefix


def _filed_under(access: Access, parties: list[Party], preferred: list[int]) -> Party:
    visible = [p for p in parties if access.sees(p)]
    for eid in preferred:
        for p in visible:
            if p.enterprise_id == eid:
                return p
    return visible[0]


def _bag(session: Session, access: Access, code: str) -> tuple[list[Party], list[int], int | None]:
    bag = bags_by_code(session, [code]).get(code)
    if bag is None and trace_package(session, code) is None:
        raise NotFound(f"没有数字识别码为 {code[:64]} 的废物 (no bag with code {code[:64]!r})")
    parties = bag_parties(session, code)
    access.require_any(parties, f"废物 {code[:64]} 的记录")
    return parties, [bag.enterprise_id] if bag else [], bag.grams if bag else None


def _manifest(session: Session, access: Access, number: str) -> tuple[list[Party], list[int]]:
    cur = manifest_store.get(session, number)
    parties = [e.party for e in manifest_store.parties(session, cur).values()]
    access.require_any(parties, f"转移联单 {number[:64]}")
    return parties, [cur.manifest.shipper_id]


def record_check(
    session: Session, access: Access, body: FieldCheckIn, *, now_ms: int, op_id: str | None = None
) -> FieldCheck:
    by = access.actor
    if (body.bag_code is None) == (body.manifest_number is None):
        raise Invalid(
            "须给出包装袋编码或联单编号之一 (give exactly one of bag_code, manifest_number)", "subject"
        )
    inspection: Inspection | None = None
    if body.inspection:
        inspection = records.get(session, body.inspection, lock=True)
        records.require_assignee(session, access, inspection)
        records.require_open(inspection)
    if body.bag_code is not None:
        kind, subject = "bag", body.bag_code
        parties, preferred, recorded = _bag(session, access, subject)
    else:
        kind, subject = "manifest", body.manifest_number or ""
        parties, preferred = _manifest(session, access, subject)
        recorded = None
    if body.grams_found is not None and kind != "bag":
        raise Invalid("只有包装袋可记录称得重量 (grams_found is for a bag)", "grams_found")
    for sha in body.photos:
        if not SHA256.fullmatch(sha):
            raise Invalid(f"照片编号无效 (not a SHA-256: {sha[:70]!r})", "attachment_hash")
    photos = list(dict.fromkeys(body.photos))
    files = uploaded_by(session, photos, by)
    first = [inspection.enterprise_id] if inspection else []
    filed = _filed_under(access, parties, first + preferred)
    note = (body.note or "").strip() or None
    if body.verdict == "finding" and not note:
        raise Invalid("发现问题须填写情况说明 (a finding needs a note)", "note")
    row = FieldCheck(
        kind=kind,
        subject=subject,
        enterprise_id=filed.enterprise_id,
        region_code=filed.region_code,
        inspection_id=inspection.id if inspection else None,
        grams_found=body.grams_found,
        recorded_grams=recorded,
        label_state=body.label_state,
        verdict=body.verdict,
        note=note,
        photos=json.dumps(photos),
        lat_e6=body.lat_e6,
        lon_e6=body.lon_e6,
        at_ms=body.at_ms,
        op_id=op_id,
        created_by=by,
        created_ms=now_ms,
    )
    session.add(row)
    session.flush()
    insert_ignore(
        session,
        FieldCheckAttachment,
        [
            {"check_id": row.id, "sha256": f.sha256, "name": f.name, "added_by": by, "added_ms": now_ms}
            for f in files
        ],
    )
    if inspection is not None:
        records.start(inspection, now_ms=now_ms)
    return row


def party(row: FieldCheck) -> Party:
    return Party(row.enterprise_id, row.region_code)


def get_check(session: Session, access: Access, check_id: int) -> FieldCheck:
    row = session.get(FieldCheck, check_id)
    if row is None:
        raise NotFound(f"没有编号为 {check_id} 的核查记录 (no field check {check_id})")
    access.require(party(row), "该核查记录")
    return row


def list_checks(
    session: Session,
    access: Access,
    *,
    inspection_id: int | None = None,
    subject: str | None = None,
    limit: int = 100,
) -> list[FieldCheck]:
    query = select(FieldCheck)
    if access.scope == Scope.REGION:
        region = access.user.region_code
        if not region:
            return []
        query = query.where(FieldCheck.region_code.like(region_prefix(region) + "%"))
    elif access.scope != Scope.ALL:
        return []
    if inspection_id is not None:
        query = query.where(FieldCheck.inspection_id == inspection_id)
    if subject:
        query = query.where(FieldCheck.subject == subject)
    return list(session.scalars(query.order_by(FieldCheck.at_ms.desc(), FieldCheck.id.desc()).limit(limit)))


def of_inspection(session: Session, inspection_id: int) -> list[FieldCheck]:
    return list(
        session.scalars(
            select(FieldCheck).where(FieldCheck.inspection_id == inspection_id).order_by(FieldCheck.id)
        )
    )


def enterprise_uscc(session: Session, row: FieldCheck) -> tuple[str, str]:
    ent = enterprise_by_id(session, row.enterprise_id)
    return ent.uscc, ent.name
