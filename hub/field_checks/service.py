"""Recording and reading field checks: the subject must be one the inspector may see (the bag's parties,
the manifest's parties, by region), its photos ones the inspector uploaded, its time a plausible one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.access.principal import Access, Party
from hub.attachments.store import uploaded_by
from hub.core.errors import Invalid, NotFound
from hub.core.schemas import Place
from hub.field_checks.schemas import FieldCheckIn, FieldCheckOut, FieldCheckPhoto
from hub.field_checks.tables import FieldCheck
from hub.field_checks.tables import FieldCheckPhoto as PhotoRow
from hub.inventory.storage import bags_by_code
from hub.manifests import store as manifests
from hub.registry.enterprises import enterprise_by_id, prefetch_enterprises
from hub.trace.parties import bag_parties

DAY_MS = 86_400_000
PAST_DAYS = 90  # a phone offline for a season is still believed; older is a wrong clock
AHEAD_MS = DAY_MS  # a phone's clock a day ahead is a wrong clock


def _subject(session: Session, access: Access, body: FieldCheckIn) -> tuple[int, int | None]:
    """(the enterprise the check is bound to, the weight the hub holds), once the caller may see it."""
    what = "废物" if body.subject == "bag" else "转移联单"
    if body.subject == "bag":
        bag = bags_by_code(session, [body.code]).get(body.code)
        if bag is None:
            raise NotFound(f"没有识别码为 {body.code} 的废物 (no bag {body.code!r})")
        access.require_any(bag_parties(session, body.code), f"{what} {body.code}")
        return bag.enterprise_id, bag.grams
    cur = manifests.get(session, body.code)
    parties: list[Party] = [e.party for e in manifests.parties(session, cur).values()]
    access.require_any(parties, f"{what} {body.code}")
    return cur.manifest.shipper_id, cur.manifest.shipped_grams


def record(session: Session, access: Access, body: FieldCheckIn, now_ms: int) -> FieldCheck:
    if body.at_ms > now_ms + AHEAD_MS or body.at_ms < now_ms - PAST_DAYS * DAY_MS:
        raise Invalid(
            f"核查时间不合理：须在 {PAST_DAYS} 天内 (at_ms must be within the last {PAST_DAYS} days)",
            "at_ms",
        )
    if body.subject == "manifest" and body.label_state is not None:
        raise Invalid("联单没有标签 (a manifest has no label_state)", "label_state")
    enterprise_id, held = _subject(session, access, body)
    photos = uploaded_by(session, list(dict.fromkeys(body.photos)), access.actor)
    place = body.location
    row = FieldCheck(
        subject=body.subject,
        code=body.code,
        enterprise_id=enterprise_id,
        held_grams=held,
        found_grams=body.weight_found_g,
        label_state=body.label_state,
        verdict=body.verdict,
        note=(body.note or "").strip() or None,
        lat_e6=place.lat_e6 if place else None,
        lon_e6=place.lon_e6 if place else None,
        accuracy_m=place.accuracy_m if place else None,
        at_ms=body.at_ms,
        recorded_ms=now_ms,
        recorded_by=access.actor,
    )
    session.add(row)
    session.flush()
    session.add_all(PhotoRow(check_id=row.id, sha256=p.sha256, position=i) for i, p in enumerate(photos))
    return row


def get_check(session: Session, access: Access, check_id: int) -> FieldCheck:
    row = session.get(FieldCheck, check_id)
    if row is None:
        raise NotFound(f"没有编号为 {check_id} 的现场核查 (no field check {check_id})")
    access.require(enterprise_by_id(session, row.enterprise_id).party, "该现场核查")
    return row


def checks_of(
    session: Session, *, enterprise_ids: set[int] | None, code: str | None = None, limit: int = 100
) -> list[FieldCheck]:
    """The newest checks of these enterprises (None: every one), or of one bag or manifest."""
    query = select(FieldCheck).order_by(FieldCheck.recorded_ms.desc(), FieldCheck.id.desc()).limit(limit)
    if enterprise_ids is not None:
        query = query.where(FieldCheck.enterprise_id.in_(list(enterprise_ids)))
    if code:
        query = query.where(FieldCheck.code == code)
    return list(session.scalars(query))


def photos_of(session: Session, check_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PhotoRow.sha256).where(PhotoRow.check_id == check_id).order_by(PhotoRow.position)
        )
    )


def check_out(session: Session, row: FieldCheck) -> FieldCheckOut:
    prefetch_enterprises(session, {row.enterprise_id})
    ent = enterprise_by_id(session, row.enterprise_id)
    both = row.found_grams is not None and row.held_grams is not None
    return FieldCheckOut(
        id=row.id,
        subject=row.subject,
        code=row.code,
        enterprise_uscc=ent.uscc,
        enterprise_name=ent.name,
        held_grams=row.held_grams,
        found_grams=row.found_grams,
        difference_grams=(row.found_grams - row.held_grams) if both else None,  # type: ignore[operator]
        label_state=row.label_state,
        verdict=row.verdict,
        note=row.note,
        location=Place.of(row.lat_e6, row.lon_e6, row.accuracy_m),
        at_ms=row.at_ms,
        recorded_ms=row.recorded_ms,
        recorded_by=row.recorded_by,
        photos=[
            FieldCheckPhoto(sha256=sha, url=f"/api/v1/field-checks/{row.id}/photos/{sha}")
            for sha in photos_of(session, row.id)
        ],
    )
