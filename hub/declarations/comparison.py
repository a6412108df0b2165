"""Declared vs weighed, per enterprise and month: what feeds the 申报异常 warning.

The declared side is the province's declaration when the hub has one (that is what the enterprise declared
officially), else the hub's own submitted or accepted one; the weighed side is what the enterprise's box
recorded (hub/declarations/ledger_figures.py). An enterprise without a box has no weighed side.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from hub.declarations.ledger_figures import has_box, weighed_month
from hub.declarations.monthly import OWN_SOURCES, Declaration, declaration, province_declaration


@dataclass(frozen=True, slots=True)
class ComparedLine:
    waste_code: str
    declared_produced_grams: int
    weighed_produced_grams: int
    declared_transferred_grams: int
    weighed_transferred_grams: int

    @property
    def produced_difference_grams(self) -> int:
        """Declared minus weighed: negative when less was declared than the box weighed."""
        return self.declared_produced_grams - self.weighed_produced_grams


@dataclass(frozen=True, slots=True)
class Comparison:
    enterprise_id: int
    year: int
    month: int
    has_box: bool
    declared_source: str | None  # province / ledger / manual, or None: nothing declared
    declared_state: str | None
    lines: tuple[ComparedLine, ...]

    @property
    def declared_grams(self) -> int:
        return sum(line.declared_produced_grams for line in self.lines)

    @property
    def weighed_grams(self) -> int:
        return sum(line.weighed_produced_grams for line in self.lines)


def _declared(session: Session, enterprise_id: int, year: int, month: int) -> Declaration | None:
    province = province_declaration(session, enterprise_id, year, month)
    if province is not None:
        return province
    own = [
        d
        for s in OWN_SOURCES
        if (d := declaration(session, enterprise_id, year, month, s)) is not None
        and d.state in ("submitted", "accepted")
    ]
    return max(own, key=lambda d: d.recorded_ms) if own else None


def declared_vs_weighed(session: Session, enterprise_id: int, year: int, month: int) -> Comparison:
    """Per waste code, what was declared for the month against what the box weighed."""
    declared = _declared(session, enterprise_id, year, month)
    weighed = weighed_month(session, enterprise_id, year, month)
    by_code = {line["waste_code"]: line for line in (declared.lines if declared else [])}
    codes = sorted(set(by_code) | set(weighed))
    lines = []
    for code in codes:
        d, w = by_code.get(code, {}), weighed.get(code)
        lines.append(
            ComparedLine(
                code,
                int(d.get("produced_grams") or 0),
                w.produced_grams if w else 0,
                int(d.get("transferred_grams") or 0),
                w.transferred_grams if w else 0,
            )
        )
    return Comparison(
        enterprise_id,
        year,
        month,
        has_box(session, enterprise_id),
        declared.source if declared else None,
        declared.state if declared else None,
        tuple(lines),
    )
