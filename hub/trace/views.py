"""What the bag page shows to whom: the label's own facts to anyone who scans it, the whole life to a
logged-in reader who may see the bag (the same rule as the trace API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.access.gate import scoped
from hub.access.policies import BAG_READERS
from hub.access.principal import Access
from hub.trace.life import life_of
from hub.web.formatting import format_kg, format_time
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.codes import china_date_from_ms
from protocols.ledger import EventKind


def may_read_bag(access: Access, parties: list[Any]) -> bool:
    reader = scoped(access.principal, BAG_READERS)
    return reader is not None and reader.sees_any(parties)


def label_context(trace: dict[str, Any]) -> dict[str, Any]:
    """Only what an HJ 1276 label prints: code, waste type and code, hazards, producer, date, weight."""
    first = next((e for e in trace["events"] if e["kind"] == EventKind.COMMISSIONING), None)
    waste = None
    if trace["waste_code"]:
        try:
            waste = load_catalogue().get(trace["waste_code"])
        except UnknownWasteCode:
            waste = None
    date = None
    if first is not None:
        date = first["data"].get("production_date") or str(china_date_from_ms(first["time_ms"]))
    return {
        "code": trace["code"],
        "waste_code": trace["waste_code"],
        "category": f"{waste.category_code} {waste.category_name}" if waste else None,
        "waste_name": waste.description if waste else None,
        "hazards": "、".join(waste.hazard_names) if waste else None,
        "producer": trace["enterprise"]["name"] if trace["enterprise"] else None,
        "production_date": date,
        "weight": format_kg(first["grams"]) if first else None,
    }


def life_context(session: Session, code: str, now_ms: int) -> dict[str, Any]:
    life = life_of(session, code, now_ms)
    for record in life["storage"]:
        record["time"] = format_time(record["time_ms"])
        record["weight"] = format_kg(record["grams"])
    for m in life["manifests"]:
        m["shipped"] = format_kg(m["shipped_grams"])
        m["received"] = format_kg(m["received_grams"])
        m["departed"] = format_time(m["departed_ms"])
    if life["production"]:
        life["production"]["weight"] = format_kg(life["production"]["grams"])
        life["production"]["time"] = format_time(life["production"]["time_ms"])
    if life["disposal"]:
        life["disposal"]["time"] = format_time(life["disposal"]["time_ms"])
        life["disposal"]["weight"] = format_kg(life["disposal"]["grams"])
    return life
