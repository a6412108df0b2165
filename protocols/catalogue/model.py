"""The 国家危险废物名录 as values: waste types, the catalogue, and a pure parser of its CSV form."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from protocols.codes.errors import CodeError
from protocols.codes.hj1276 import format_waste_code

HAZARD_NAMES: dict[str, str] = {"T": "毒性", "C": "腐蚀性", "I": "易燃性", "R": "反应性", "In": "感染性"}
CATALOGUE_COLUMNS = (
    "category_code",
    "category_name",
    "industry_source",
    "waste_code",
    "description",
    "hazard_characteristics",
    "source_pdf_page",
)


class CatalogueError(ValueError):
    """Catalogue data that cannot be trusted (a bad row, a duplicate code, an unknown edition)."""


class UnknownWasteCode(LookupError):
    """A waste code that is not in this edition of the catalogue."""

    def __init__(self, code: str, edition: str) -> None:
        super().__init__(
            f"废物代码 {code!r} 不在《国家危险废物名录》{edition}年版中 (not in the {edition} catalogue)"
        )
        self.code = code
        self.edition = edition


def parse_hazards(expression: str) -> tuple[str, ...]:
    """'T/C/I/R' → ('T', 'C', 'I', 'R'); 'T,I' → ('T', 'I'). Order as printed.

    Per the 名录 footnote, 'A,B' means has A and may also have B, 'A/B' has one or more of them; the
    expression is kept beside the tuple so that meaning is not lost.
    """
    if "," in expression and "/" in expression:
        raise CatalogueError(f"hazard expression {expression!r} mixes ',' and '/'")
    parts = tuple(expression.replace("/", ",").split(","))
    unknown = [p for p in parts if p not in HAZARD_NAMES]
    if unknown:
        raise CatalogueError(
            f"hazard expression {expression!r} has unknown codes {unknown} (known: T C I R In)"
        )
    if len(set(parts)) != len(parts):
        raise CatalogueError(f"hazard expression {expression!r} repeats a code")
    return parts


@dataclass(frozen=True, slots=True)
class WasteType:
    category_code: str
    category_name: str
    industry_source: str
    waste_code: str
    description: str
    hazards: tuple[str, ...]
    hazard_expression: str
    source_pdf_page: int

    @property
    def hazard_names(self) -> tuple[str, ...]:
        """The hazards in Chinese, e.g. ('毒性', '易燃性'), for the label."""
        return tuple(HAZARD_NAMES[h] for h in self.hazards)


class Catalogue:
    """One edition of the 名录, keyed by waste code in the order printed."""

    def __init__(self, edition: str, types: Iterable[WasteType]) -> None:
        self.edition = edition
        self._types: dict[str, WasteType] = {}
        for t in types:
            if t.waste_code in self._types:
                raise CatalogueError(f"waste code {t.waste_code} appears twice in the {edition} catalogue")
            self._types[t.waste_code] = t

    def _key(self, code: str) -> str | None:
        try:
            return format_waste_code(code)
        except CodeError:
            return None

    def get(self, code: str) -> WasteType:
        """The waste type for '900-041-49' (or '90004149'); raises `UnknownWasteCode`."""
        key = self._key(code)
        if key is None or key not in self._types:
            raise UnknownWasteCode(code, self.edition)
        return self._types[key]

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self._key(code) in self._types

    def __len__(self) -> int:
        return len(self._types)

    def __iter__(self) -> Iterator[WasteType]:
        return iter(self._types.values())

    def __repr__(self) -> str:
        return f"Catalogue(edition={self.edition!r}, codes={len(self)})"

    def categories(self) -> dict[str, str]:
        """{'HW01': '医疗废物', …} in catalogue order."""
        return {t.category_code: t.category_name for t in self._types.values()}

    def in_category(self, category_code: str) -> list[WasteType]:
        """The waste types of one category, e.g. 'HW08'."""
        return [t for t in self._types.values() if t.category_code == category_code]

    def search(self, text: str) -> list[WasteType]:
        """Waste types whose code (with or without hyphens), category, industry or description contains
        `text` (case-insensitive for the Latin parts); an empty string matches everything."""
        needle = text.strip().casefold()
        return [t for t in self._types.values() if needle in _haystack(t)]


def _haystack(t: WasteType) -> str:
    return " ".join(
        (
            t.waste_code,
            t.waste_code.replace("-", ""),
            t.category_code,
            t.category_name,
            t.industry_source,
            t.description,
        )
    ).casefold()


def _row_to_type(row: dict[str, str], line: int) -> WasteType:
    empty = [c for c in CATALOGUE_COLUMNS if not row.get(c)]
    if empty:
        raise CatalogueError(f"line {line}: empty columns {empty}")
    waste_code = row["waste_code"]
    try:
        printed = format_waste_code(waste_code)
        page = int(row["source_pdf_page"])
    except ValueError as exc:  # CodeError is a ValueError
        raise CatalogueError(f"line {line}: {exc}") from exc
    if printed != waste_code:
        raise CatalogueError(f"line {line}: waste code {waste_code!r} is not printed as NNN-NNN-NN")
    if row["category_code"] != "HW" + waste_code[-2:]:
        raise CatalogueError(f"line {line}: category {row['category_code']} does not match {waste_code}")
    try:
        hazards = parse_hazards(row["hazard_characteristics"])
    except CatalogueError as exc:
        raise CatalogueError(f"line {line}: {exc}") from exc
    return WasteType(
        category_code=row["category_code"],
        category_name=row["category_name"],
        industry_source=row["industry_source"],
        waste_code=waste_code,
        description=row["description"],
        hazards=hazards,
        hazard_expression=row["hazard_characteristics"],
        source_pdf_page=page,
    )


def parse_catalogue_csv(text: str, edition: str) -> Catalogue:
    """Parse the catalogue CSV (header row, columns `CATALOGUE_COLUMNS`) into a `Catalogue`."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in CATALOGUE_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogueError(f"catalogue CSV lacks columns {missing}")
    return Catalogue(edition, (_row_to_type(row, reader.line_num) for row in reader))
