"""Checks on what goes into the file: USCC, region code, waste codes, record codes and dates."""

from __future__ import annotations

import datetime as dt
import logging
import re

from hub.core.errors import Invalid
from protocols.catalogue import UnknownWasteCode, load_catalogue
from protocols.codes import RegionCodeError, validate_region_code, validate_uscc

log = logging.getLogger(__name__)


CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_uscc(uscc: str) -> None:
    result = validate_uscc(uscc)
    if not result.well_formed:
        raise Invalid("统一社会信用代码格式错误 (malformed USCC): " + "; ".join(result.problems))
    if not result.check_ok:
        # Codes that fail the check character were issued and are in use: warn, never lock them out.
        log.warning("enterprise %s: %s", uscc, "; ".join(result.problems))


def check_region(code: str | None) -> None:
    if not isinstance(code, str):
        raise Invalid("行政区划代码不能为空 (region_code must be 6 digits, not null)")
    try:
        validate_region_code(code)
    except RegionCodeError as exc:
        raise Invalid(str(exc)) from exc


def check_waste_codes(codes: list[str]) -> None:
    catalogue = load_catalogue()
    for code in codes:
        try:
            catalogue.get(code)
        except UnknownWasteCode as exc:
            raise Invalid(str(exc)) from exc
    if len(set(codes)) != len(codes):
        raise Invalid("废物代码重复 (a waste code is listed twice)")


def iso_date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"{name} 应为 YYYY-MM-DD 日期 (got {value!r})") from exc
