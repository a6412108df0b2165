"""The region's stock list (every bag in storage the caller may see) searched, sorted, counted and paged in
the database: a filter reaches every bag, not the oldest 20,000, and only the page's rows are dressed for the
list. Over-capacity is worked out per facility first (one grouped query over the stock, the facilities'
capacities), then filtered and sorted on as a set of places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from hub.inventory.storage import DAY_MS, facility_loads, waste_category
from hub.inventory.tables import Stock
from hub.registry.enterprises import enterprise_by_id, enterprises_named, prefetch_enterprises
from hub.registry.tables import Enterprise
from protocols.catalogue import load_catalogue

MAX_EXPORT = 100_000
SORTS = ("enterprise", "uscc", "code", "facility_code", "waste_code", "category", "grams", "stored_ms",
         "age_days", "over_capacity")  # fmt: skip


@dataclass(frozen=True, slots=True)
class StockSearch:
    text: str = ""  # a part of the enterprise's name, or its USCC
    waste: str = ""  # a part of the waste code
    category: str = ""  # HW08: the 名录's category
    hazard: str = ""  # T, C, I, R or In
    min_age_days: int | None = None
    over_only: bool = False


def codes_with(category: str = "", hazard: str = "") -> list[str]:
    """The 名录's waste codes of a category and/or with a hazard characteristic."""
    return [
        w.waste_code
        for w in load_catalogue()
        if (not category or w.category_code == category) and (not hazard or hazard in w.hazards)
    ]


def over_places(session: Session, visible: set[int] | None) -> set[tuple[int, str]]:
    """(enterprise, facility) holding more than the facility's capacity."""
    loads = facility_loads(session, None if visible is None else sorted(visible))
    return {(eid, f["code"]) for eid, places in loads.items() for f in places if f["over_capacity"]}


def _filtered(
    session: Session, visible: set[int] | None, s: StockSearch, now_ms: int, over: set[tuple[int, str]]
) -> Select[Any]:
    query = select(Stock)
    if visible is not None:
        query = query.where(Stock.enterprise_id.in_(sorted(visible)))
    if s.text:
        query = query.where(Stock.enterprise_id.in_(sorted(enterprises_named(session, s.text))))
    if s.waste:
        query = query.where(Stock.waste_code.contains(s.waste, autoescape=True))
    if s.category or s.hazard:
        query = query.where(Stock.waste_code.in_(codes_with(s.category, s.hazard)))
    if s.min_age_days is not None:
        query = query.where(Stock.stored_ms <= now_ms - s.min_age_days * DAY_MS)
    if s.over_only:
        query = query.where(
            tuple_(Stock.enterprise_id, Stock.facility_code).in_(sorted(over)) if over else false()
        )
    return query


def _order(query: Select[Any], sort: str, desc: bool, over: set[tuple[int, str]]) -> Select[Any]:
    if sort in ("enterprise", "uscc"):
        query = query.join(Enterprise, Enterprise.id == Stock.enterprise_id)
        key: Any = Enterprise.name if sort == "enterprise" else Enterprise.uscc
    elif sort == "over_capacity":
        places = [and_(Stock.enterprise_id == e, Stock.facility_code == f) for e, f in sorted(over)]
        key = case((or_(*places), 1), else_=0) if places else Stock.grams * 0
    elif sort in ("age_days", "stored_ms"):
        key, desc = Stock.stored_ms, (not desc) if sort == "age_days" else desc  # older is more days
    elif sort == "category":
        key = Stock.waste_code  # the category is the code's last two digits, and codes sort within it
    else:
        key = getattr(Stock, sort)
    return query.order_by(key.desc() if desc else key.asc(), Stock.code)


def search_stock(
    session: Session,
    visible: set[int] | None,
    now_ms: int,
    s: StockSearch,
    *,
    sort: str = "age_days",
    desc: bool = True,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """The page of bags in storage matching `s`, as the list shows them, and how many match in all."""
    over = over_places(session, visible)
    query = _filtered(session, visible, s, now_ms, over)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Stock.code).subquery()))
    page = list(session.scalars(_order(query, sort, desc, over).offset(offset).limit(limit)))
    prefetch_enterprises(session, {b.enterprise_id for b in page})
    rows = []
    for b in page:
        ent = enterprise_by_id(session, b.enterprise_id)
        rows.append(
            {
                "enterprise_id": b.enterprise_id,
                "enterprise": ent.name,
                "uscc": ent.uscc,
                "code": b.code,
                "facility_code": b.facility_code,
                "waste_code": b.waste_code,
                "category": waste_category(b.waste_code),
                "grams": b.grams,
                "stored_ms": b.stored_ms,
                "in_batch_code": b.in_batch_code,
                "age_days": (now_ms - b.stored_ms) // DAY_MS,
                "over_capacity": (b.enterprise_id, b.facility_code) in over,
            }
        )
    return rows, int(total or 0)
