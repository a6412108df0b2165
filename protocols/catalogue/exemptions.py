"""The 危险废物豁免管理清单 (exemption list, appendix of the 名录): which wastes are, under a condition,
not managed as hazardous waste at some stage (收集, 运输, 利用, 处置 or 全部环节).

One CSV row is one (entry, stage); an entry names a HW category, one or more waste codes, or a kind of
waste in words (生活垃圾中的危险废物), and `applies_to` only matches the first two.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from protocols.catalogue.model import CatalogueError
from protocols.codes.errors import CodeError
from protocols.codes.hj1276 import format_waste_code

EXEMPTION_COLUMNS = (
    "seq",
    "category_or_codes",
    "hazardous_waste",
    "exempt_stage",
    "exempt_condition",
    "exempt_content",
    "source_pdf_page",
)


@dataclass(frozen=True, slots=True)
class Exemption:
    seq: int
    category_or_codes: str
    category_code: str | None
    waste_codes: tuple[str, ...]
    hazardous_waste: str
    exempt_stage: str
    exempt_condition: str
    exempt_content: str
    source_pdf_page: int

    def applies_to(self, waste_code: str) -> bool:
        """Whether this entry names `waste_code` or its HW category. The condition still has to be met."""
        try:
            code = format_waste_code(waste_code)
        except CodeError:
            return False
        return code in self.waste_codes or self.category_code == "HW" + code[-2:]


def _split_target(text: str, line: int) -> tuple[str | None, tuple[str, ...]]:
    if len(text) == 4 and text.startswith("HW") and text[2:].isdigit():
        return text, ()
    if text[:1].isdigit():
        try:
            return None, tuple(format_waste_code(c) for c in text.split(";"))
        except CodeError as exc:
            raise CatalogueError(f"exemptions line {line}: {exc}") from exc
    return None, ()


def parse_exemptions_csv(text: str, edition: str) -> tuple[Exemption, ...]:
    """Parse the exemption-list CSV. `edition` is checked only for being named, for the error messages."""
    if not edition:
        raise CatalogueError("an exemption list needs its edition")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in EXEMPTION_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogueError(f"{edition} exemptions CSV lacks columns {missing}")
    rows = []
    for row in reader:
        line = reader.line_num
        if any(row.get(c) is None for c in EXEMPTION_COLUMNS):
            raise CatalogueError(f"{edition} exemptions line {line}: missing columns")
        category, codes = _split_target(row["category_or_codes"], line)
        try:
            seq, page = int(row["seq"]), int(row["source_pdf_page"])
        except ValueError as exc:
            raise CatalogueError(f"{edition} exemptions line {line}: {exc}") from exc
        rows.append(
            Exemption(
                seq=seq,
                category_or_codes=row["category_or_codes"],
                category_code=category,
                waste_codes=codes,
                hazardous_waste=row["hazardous_waste"],
                exempt_stage=row["exempt_stage"],
                exempt_condition=row["exempt_condition"],
                exempt_content=row["exempt_content"],
                source_pdf_page=page,
            )
        )
    return tuple(rows)


def exemptions_for(exemptions: tuple[Exemption, ...], waste_code: str) -> tuple[Exemption, ...]:
    """The rows that name `waste_code` or its category (e.g. entry 24 for 900-041-49)."""
    return tuple(e for e in exemptions if e.applies_to(waste_code))
