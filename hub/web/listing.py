"""Lists on the hub's pages: filter, sort, page and export (CSV, XLSX) the same rows.

A domain's page builds its rows (dicts, raw values: grams, UTC ms), names the columns, and hands both with the
request's query to `make_listing`; the template macro `listing.html` draws the table, the sort links, the
pager and the export links. `export` answers the whole filtered, sorted list as CSV (UTF-8 with a BOM, so
Excel reads the Chinese) or XLSX (openpyxl), with the values formatted as on the page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import Response

from hub.core.errors import Invalid
from hub.web.formatting import format_kg, format_time

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text, int, kg (integer grams), time (UTC ms), bool
    link: Callable[[Mapping[str, Any]], str | None] | None = None

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def show(self, row: Mapping[str, Any], lang: str) -> str:
        value = row.get(self.key)
        if value is None:
            return "—"
        if self.kind == "kg":
            return format_kg(int(value))
        if self.kind == "time":
            return format_time(int(value))
        if self.kind == "bool":
            return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        if isinstance(value, list | tuple):
            return "、".join(str(v) for v in value)
        return str(value)


@dataclass(frozen=True, slots=True)
class Listing:
    columns: Sequence[Column]
    rows: list[Mapping[str, Any]]  # this page's rows
    total: int
    page: int
    pages: int
    sort: str | None
    desc: bool
    path: str
    query: dict[str, str] = field(default_factory=dict)  # the filters (and lang), carried by every link

    def url(self, **changes: Any) -> str:
        params = {
            **self.query,
            "sort": self.sort or "",
            "desc": "1" if self.desc else "",
            "page": str(self.page),
        }
        params.update({k: "" if v is None else str(v) for k, v in changes.items()})
        kept = {k: v for k, v in params.items() if v and not (k == "page" and v == "1")}
        return self.path + ("?" + urlencode(kept) if kept else "")

    def sort_url(self, key: str) -> str:
        return self.url(
            sort=key,
            desc="" if (self.sort == key and self.desc) else ("1" if self.sort == key else ""),
            page=1,
        )

    def export_url(self, fmt: str) -> str:
        return self.url(format=fmt, page=None)


def _sort_key(kind: str, value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, 0 if kind in ("int", "kg", "time") else "")
    if kind in ("int", "kg", "time"):
        return (0, int(value))
    if kind == "bool":
        return (0, int(bool(value)))
    return (0, str(value))


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise Invalid(f"{name} 应为整数 ({name} must be an integer)") from exc
    return max(low, min(high, number))


def make_listing(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    query: Mapping[str, str],
    path: str,
    filters: Sequence[str] = (),
    default_sort: str | None = None,
    default_desc: bool = False,
) -> tuple[Listing, list[Mapping[str, Any]]]:
    """This page of the rows, sorted as the query asks; and the whole sorted list (for an export)."""
    known = {c.key: c for c in columns}
    sort = query.get("sort") or default_sort
    if sort and sort not in known:
        raise Invalid(f"不能按 {sort} 排序 (unknown sort column {sort!r})")
    desc = query.get("desc") == "1" if query.get("sort") else default_desc
    ordered = list(rows)
    if sort:
        kind = known[sort].kind
        ordered.sort(key=lambda r: _sort_key(kind, r.get(sort)), reverse=desc)
    size = _int(query.get("size"), "size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    pages = max(1, -(-len(ordered) // size))
    page = _int(query.get("page"), "page", 1, 1, pages)
    kept = {k: query[k] for k in (*filters, "lang", "size") if query.get(k)}
    listing = Listing(
        columns, ordered[(page - 1) * size : page * size], len(ordered), page, pages, sort, desc, path, kept
    )
    return listing, ordered


@dataclass(frozen=True, slots=True)
class Window:
    """What a list page asks the database for: sorted by `sort` (descending?), rows offset..offset+size."""

    sort: str | None
    desc: bool
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def window(
    columns: Sequence[Column], query: Mapping[str, str], default_sort: str | None, default_desc: bool = False
) -> Window:
    """The sort and page a query asks for, checked, for a list the database sorts and pages itself."""
    known = {c.key for c in columns}
    sort = query.get("sort") or default_sort
    if sort and sort not in known:
        raise Invalid(f"不能按 {sort} 排序 (unknown sort column {sort!r})")
    desc = query.get("desc") == "1" if query.get("sort") else default_desc
    size = _int(query.get("size"), "size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    return Window(sort, desc, _int(query.get("page"), "page", 1, 1, 10**9), size)


def listing_of(
    columns: Sequence[Column],
    rows: list[Mapping[str, Any]],
    total: int,
    win: Window,
    query: Mapping[str, str],
    path: str,
    filters: Sequence[str] = (),
) -> Listing:
    """The page the database gave for `win`, with the pager's numbers."""
    pages = max(1, -(-total // win.size))
    kept = {k: query[k] for k in (*filters, "lang", "size") if query.get(k)}
    return Listing(columns, rows, total, min(win.page, pages), pages, win.sort, win.desc, path, kept)


def export(
    columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], fmt: str, lang: str, name: str
) -> Response:
    """The rows as a file to download: `fmt` csv or xlsx, values as the page shows them."""
    if fmt not in FORMATS:
        raise Invalid(f"导出格式应为 csv 或 xlsx (format must be one of {', '.join(FORMATS)})")
    header = [c.label(lang) for c in columns]
    body = [[_cell(c, r, lang) for c in columns] for r in rows]
    filename = f"{name}.{fmt}"
    ascii_name = name.encode("ascii", "replace").decode()
    disposition = f"attachment; filename=\"{ascii_name}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(body)
        data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
        media = "text/csv; charset=utf-8"
    else:
        data = xlsx_bytes(name, header, body)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


def _cell(column: Column, row: Mapping[str, Any], lang: str) -> str | int:
    value = row.get(column.key)
    if column.kind == "int" and isinstance(value, int):
        return value
    text = column.show(row, lang)
    # A spreadsheet would run a cell that starts with these as a formula (CSV injection): quote it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and column.kind == "text" else text


def xlsx_bytes(title: str, header: Sequence[str], body: Sequence[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "sheet")
    sheet.append(list(header))
    for line in body:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
