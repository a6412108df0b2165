"""产废月报: one per enterprise and month and source, every change a version.

Sources, kept side by side: `ledger` (generated from the box's weighing ledger, 即产生即申报: the enterprise
reviews and submits), `manual` (entered by hand by an enterprise without a box) and `province` (reflowed
from the provincial platform, as declared there). States of the hub's own declarations: draft → submitted →
accepted, or returned with a reason (then edited or generated again, and submitted again).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.core.errors import Conflict, Invalid, NotFound
from hub.core.versions import append, current, history, latest
from hub.declarations.ledger_figures import has_box, weighed_month
from hub.declarations.review_states import (
    ensure_editable,
    ensure_submittable,
    reviewed_state,
)
from hub.declarations.tables import DeclarationVersion
from hub.registry.checks import check_waste_codes
from hub.registry.enterprises import EnterpriseInfo
from protocols.catalogue import UnknownWasteCode, load_catalogue

SOURCES = ("ledger", "manual", "province")
OWN_SOURCES = ("ledger", "manual")
GRAM_FIELDS = ("produced_grams", "stored_grams", "self_grams", "transferred_grams")


@dataclass(frozen=True, slots=True)
class Declaration:
    enterprise_id: int
    year: int
    month: int
    source: str
    state: str
    lines: list[dict[str, Any]]
    review_reason: str | None
    version: int
    recorded_ms: int
    recorded_by: str
    reason: str | None

    def total(self, field: str = "produced_grams") -> int:
        return sum(int(line.get(field) or 0) for line in self.lines)


def _of(v: DeclarationVersion) -> Declaration:
    return Declaration(
        v.enterprise_id,
        v.year,
        v.month,
        v.source,
        v.state,
        json.loads(v.lines),
        v.review_reason,
        v.version,
        v.recorded_ms,
        v.recorded_by,
        v.reason,
    )


def check_period(year: int, month: int) -> None:
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise Invalid(f"申报期 {year}-{month} 不合理 (year 2000–2100, month 1–12)")


def normalise_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines with category and hazard from the 名录 when not given, grams as non-negative integers."""
    catalogue = load_catalogue()
    check_waste_codes([str(line.get("waste_code")) for line in lines])
    out = []
    for line in lines:
        code = str(line["waste_code"])
        try:
            waste = catalogue.get(code)
        except UnknownWasteCode as exc:  # pragma: no cover - checked above
            raise Invalid(str(exc)) from exc
        grams = {f: line.get(f) or 0 for f in GRAM_FIELDS}
        if any(not isinstance(g, int) or isinstance(g, bool) or g < 0 for g in grams.values()):
            raise Invalid("数量应为非负整数克 (quantities are integer grams ≥ 0)")
        out.append(
            {
                "category": line.get("category") or waste.category_code,
                "waste_code": code,
                "hazard": line.get("hazard") or waste.hazard_expression,
                **grams,
            }
        )
    return sorted(out, key=lambda x: x["waste_code"])


_PROVINCE = "wt_province_declarations"


def prefetch_province(session: Session, enterprise_ids: set[int], years: set[int]) -> None:
    """The latest province declarations of these enterprises and years, read at once into the session
    (a reflow page names hundreds); `declaration` answers from here for them."""
    if not enterprise_ids or not years:
        return
    found: dict[tuple[int, int, int], Declaration | None] = {
        (e, y, m): None for e in enterprise_ids for y in years for m in range(1, 13)
    }
    rows = session.scalars(
        select(DeclarationVersion).where(
            DeclarationVersion.source == "province",
            DeclarationVersion.enterprise_id.in_(enterprise_ids),
            DeclarationVersion.year.in_(years),
        )
    )
    for v in rows:
        key = (v.enterprise_id, v.year, v.month)
        have = found.get(key)
        if have is None or have.version < v.version:
            found[key] = _of(v)
    session.info.setdefault(_PROVINCE, {}).update(found)


def declaration(
    session: Session, enterprise_id: int, year: int, month: int, source: str
) -> Declaration | None:
    if source == "province":
        cached = session.info.get(_PROVINCE, {})
        if (enterprise_id, year, month) in cached:
            return cached[(enterprise_id, year, month)]
    v = latest(
        session, DeclarationVersion, enterprise_id=enterprise_id, year=year, month=month, source=source
    )
    return None if v is None else _of(v)


def province_declaration(session: Session, enterprise_id: int, year: int, month: int) -> Declaration | None:
    """The province's declaration of the month, unless it was deleted there since."""
    d = declaration(session, enterprise_id, year, month, "province")
    return None if d is None or d.state == "withdrawn" else d


def declarations_of(session: Session, enterprise_id: int, year: int | None = None) -> list[Declaration]:
    query = current(DeclarationVersion, "enterprise_id", "year", "month", "source").where(
        DeclarationVersion.enterprise_id == enterprise_id
    )
    if year is not None:
        query = query.where(DeclarationVersion.year == year)
    rows = session.scalars(
        query.order_by(DeclarationVersion.year, DeclarationVersion.month, DeclarationVersion.source)
    )
    return [_of(v) for v in rows]


def versions_of(session: Session, enterprise_id: int, year: int, month: int) -> list[Declaration]:
    out: list[Declaration] = []
    for source in SOURCES:
        keys = {"enterprise_id": enterprise_id, "year": year, "month": month, "source": source}
        out += [_of(v) for v in history(session, DeclarationVersion, **keys)]
    return out


def _put(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    month: int,
    source: str,
    *,
    state: str,
    lines: list[dict[str, Any]],
    by: str,
    now_ms: int,
    reason: str | None,
    review_reason: str | None = None,
    after: Declaration | None = None,
) -> Declaration:
    """The next version. `after`, when the caller has just read the latest, saves reading it again (a
    reflow of a year of a city's declarations); two writers still collide on the key (Conflict)."""
    keys = {"enterprise_id": ent.id, "year": year, "month": month, "source": source}
    fields = {
        "state": state,
        "lines": json.dumps(lines, ensure_ascii=False, sort_keys=True),
        "review_reason": review_reason,
    }
    if after is None:
        return _of(append(session, DeclarationVersion, keys, fields, by=by, now_ms=now_ms, reason=reason))
    row = DeclarationVersion(
        **keys,
        **fields,
        version=after.version + 1,
        active=True,
        recorded_ms=now_ms,
        recorded_by=by,
        reason=reason,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise Conflict(
            "月报刚被他人修改，请刷新后重试 (changed by someone else just now; reload and retry)"
        ) from exc
    return _of(row)


def _editable(prev: Declaration | None) -> None:
    if prev is not None:
        ensure_editable(prev.state, f"{prev.year}年{prev.month}月的月报")


def generate_from_ledger(
    session: Session, ent: EnterpriseInfo, year: int, month: int, *, by: str, now_ms: int
) -> Declaration:
    """A draft from what the box weighed (即产生即申报); the enterprise reviews it and submits."""
    check_period(year, month)
    _editable(declaration(session, ent.id, year, month, "ledger"))
    weighed = weighed_month(session, ent.id, year, month)
    lines = normalise_lines(
        [
            {
                "waste_code": w.waste_code,
                "produced_grams": w.produced_grams,
                "stored_grams": w.stored_grams,
                "self_grams": 0,
                "transferred_grams": w.transferred_grams,
            }
            for w in weighed.values()
        ]
    )
    return _put(
        session,
        ent,
        year,
        month,
        "ledger",
        state="draft",
        lines=lines,
        by=by,
        now_ms=now_ms,
        reason="由称重台账生成",
    )


def put_manual(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    month: int,
    lines: list[dict[str, Any]],
    *,
    by: str,
    now_ms: int,
) -> Declaration:
    """A draft entered by hand (子用户危废信息录入), for an enterprise without a box."""
    check_period(year, month)
    if has_box(session, ent.id):
        raise Invalid(
            "该企业有称重终端，月报由台账生成后提交 (an enterprise with a box generates its declaration "
            "from the ledger)"
        )
    _editable(declaration(session, ent.id, year, month, "manual"))
    lines = normalise_lines(lines)
    return _put(
        session,
        ent,
        year,
        month,
        "manual",
        state="draft",
        lines=lines,
        by=by,
        now_ms=now_ms,
        reason="手工填报",
    )


def _own(session: Session, ent: EnterpriseInfo, year: int, month: int) -> Declaration:
    own = [d for s in OWN_SOURCES if (d := declaration(session, ent.id, year, month, s)) is not None]
    if not own:
        raise NotFound(f"{ent.uscc} 没有 {year}年{month}月的月报 (no declaration for {year}-{month:02d})")
    return max(own, key=lambda d: d.recorded_ms)


def submit(
    session: Session, ent: EnterpriseInfo, year: int, month: int, *, by: str, now_ms: int
) -> Declaration:
    check_period(year, month)
    d = _own(session, ent, year, month)
    ensure_submittable(d.state)
    return _put(
        session,
        ent,
        year,
        month,
        d.source,
        state="submitted",
        lines=d.lines,
        by=by,
        now_ms=now_ms,
        reason="提交",
    )


def review(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    month: int,
    *,
    accept: bool,
    reason: str | None,
    by: str,
    now_ms: int,
) -> Declaration:
    check_period(year, month)
    d = _own(session, ent, year, month)
    state = reviewed_state(d.state, accept=accept, reason=reason)
    return _put(
        session,
        ent,
        year,
        month,
        d.source,
        state=state,
        lines=d.lines,
        by=by,
        now_ms=now_ms,
        reason="审核通过" if accept else "退回",
        review_reason=reason,
    )


def reflow(
    session: Session,
    ent: EnterpriseInfo,
    year: int,
    month: int,
    lines: list[dict[str, Any]],
    *,
    by: str,
    now_ms: int,
    reason: str,
) -> Declaration | None:
    """The province's declaration for the month, as declared there; a new version only when it changed."""
    check_period(year, month)
    lines = normalise_lines(lines)
    prev = declaration(session, ent.id, year, month, "province")
    if prev is not None and prev.lines == lines and prev.state != "withdrawn":
        return None
    if prev is None:
        prev = Declaration(ent.id, year, month, "province", "submitted", [], None, 0, 0, "", None)
    done = _put(
        session,
        ent,
        year,
        month,
        "province",
        state="submitted",
        lines=lines,
        by=by,
        now_ms=now_ms,
        reason=reason,
        after=prev,
    )
    if _PROVINCE in session.info:
        session.info[_PROVINCE][(ent.id, year, month)] = done
    return done


def withdraw(
    session: Session, ent: EnterpriseInfo, year: int, month: int, *, by: str, now_ms: int, reason: str
) -> Declaration | None:
    """The province deleted its declaration of the month: a last version marks it withdrawn (its lines kept
    for the record); None when the hub holds none or it is withdrawn already."""
    check_period(year, month)
    prev = declaration(session, ent.id, year, month, "province")
    if prev is None or prev.state == "withdrawn":
        return None
    done = _put(
        session,
        ent,
        year,
        month,
        "province",
        state="withdrawn",
        lines=prev.lines,
        by=by,
        now_ms=now_ms,
        reason=reason,
        after=prev,
    )
    if _PROVINCE in session.info:
        session.info[_PROVINCE][(ent.id, year, month)] = done
    return done


_WITH_LEDGER = "wt_declarations_with_ledger"


def enterprises_with_ledger_declarations(session: Session) -> frozenset[int]:
    """Enterprises that have any declaration generated from a box's ledger (read once per session)."""
    if _WITH_LEDGER not in session.info:
        ids = session.scalars(
            select(DeclarationVersion.enterprise_id).where(DeclarationVersion.source == "ledger").distinct()
        )
        session.info[_WITH_LEDGER] = frozenset(ids)
    return session.info[_WITH_LEDGER]


def months_declared(session: Session, year: int, month: int) -> list[int]:
    """Enterprises with any declaration for the month (for the warnings engine's sweep)."""
    return list(
        session.scalars(
            select(DeclarationVersion.enterprise_id)
            .where(DeclarationVersion.year == year, DeclarationVersion.month == month)
            .distinct()
        )
    )
