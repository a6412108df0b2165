"""JSON from a peer, read strictly before anything else looks at it (sans-I/O: bytes in, values out).

`json.loads` accepts what the rest of the system cannot carry: invalid UTF-8 (decoded with a replacement or
refused only deep inside), lone surrogates (`"\\ud800"`, a `str` that cannot be encoded back to UTF-8, so
hashing it fails), integers beyond ±2^53 (RFC 8785 cannot encode them: signatures could not be checked),
`NaN` and `Infinity` (not JSON at all), nesting deep enough to exhaust the stack, and the NUL character
(`"\\u0000"`: PostgreSQL's text cannot hold it, so a signed event carrying one could never be stored).
Each is refused here with `StrictJsonError`, a `ValueError` naming what was wrong, so a server answers 4xx
before it checks a signature or touches a database.

The body is parsed by orjson (several times faster than `json`, and as strict on UTF-8, surrogates, NaN and
control characters), then one walk checks the nesting and the integers' range. orjson turns an integer
beyond 64 bits into a float, so a body with any float, and a body orjson refuses, is read again by `json`:
the careful path, whose answers and messages are the reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 / I-JSON (RFC 7493): integers JSON numbers keep exactly
MAX_DEPTH = 64

# A lone surrogate can only come from a `\uD800`–`\uDFFF` escape in text decoded from UTF-8: without one in
# the text, strings need no look each. Integers are parsed in C (Python's limit of 4,300 digits bounds the
# cost of a long one) and checked against ±2^53 in the walk that checks the nesting.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class StrictJsonError(ValueError):
    """The peer sent something that is not strict JSON."""


class _Careful(Exception):
    """The fast path met what only the careful path reads exactly (a float, or a big integer as one)."""


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise StrictJsonError(f"a number too large for JSON: {text[:24]}")
    return value


def _noting(on_float: Callable[[], None]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        on_float()
        return _float(text)

    return parse


def _constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not JSON")


def loads(raw: bytes | bytearray | str, *, on_float: Callable[[], None] | None = None) -> Any:
    """Parse `raw` as strict JSON (UTF-8); raise `StrictJsonError`. `on_float` is called for every
    fraction or exponent met (a canonical batch holds none: RFC 8785 writes numbers its own way)."""
    try:
        value = orjson.loads(raw)
        _check_numbers(value, 0, floats=False)
    except (orjson.JSONDecodeError, _Careful):
        return _loads_carefully(raw, on_float)
    _check_nul(raw, value)
    return value


def _check_nul(raw: bytes | bytearray | str, value: Any) -> None:
    # JSON can carry a NUL only as this escape (a raw control character is not JSON): without it in the
    # text, no string needs a look. With it, the strings are looked at (it may be `\\u0000`, a backslash).
    # A batch rarely holds a backslash at all: looking for one byte (memchr, 6 µs for 450 kB) spares the
    # search for six (290 µs, a tenth of the parse) in nearly every body.
    if isinstance(raw, bytes | bytearray):
        found = b"\\" in raw and b"\\u0000" in raw
    else:
        found = "\\" in raw and "\\u0000" in raw
    if found and holds_nul(value):
        raise StrictJsonError("a NUL character (\\u0000) in a string")


def holds_nul(value: Any) -> bool:
    """Whether a text anywhere in `value` (a key included) holds the NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


def _loads_carefully(raw: bytes | bytearray | str, on_float: Callable[[], None] | None) -> Any:
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJsonError(f"the body is not valid UTF-8 (byte {exc.start})") from exc
        texts_checked = _SURROGATE_ESCAPE.search(text) is None
    else:
        text = raw
        texts_checked = _SURROGATE_ESCAPE.search(text) is None and _encodes(text)
    try:
        parse_float = _float if on_float is None else _noting(on_float)
        value = json.loads(text, parse_float=parse_float, parse_constant=_constant)
    except RecursionError as exc:
        raise StrictJsonError("the JSON is nested too deeply") from exc
    except StrictJsonError:
        raise
    except ValueError as exc:
        raise StrictJsonError(f"the body is not JSON: {exc}") from exc
    if texts_checked:
        _check_numbers(value, 0, floats=True)
    else:
        _check(value, 0)
    _check_nul(text, value)
    return value


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_numbers(value: Any, depth: int, *, floats: bool) -> None:
    """The nesting limit and the integers' range, visiting containers and numbers only (a parser makes
    dicts, lists, text, numbers, true, false and null, nothing else). Without `floats` (orjson's reading,
    which takes an integer beyond 64 bits for a float) a float raises `_Careful`."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        if kind is int:
            _safe(value)
        elif kind is float and not floats:
            raise _Careful
        return
    if depth >= MAX_DEPTH and items:  # its items, whatever they are, would lie deeper than the limit
        raise StrictJsonError(f"the JSON is nested deeper than {MAX_DEPTH}")
    for item in items:
        kind = type(item)
        if kind is int:
            if not -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                _safe(item)
        elif kind is dict or kind is list:
            _check_numbers(item, depth + 1, floats=floats)
        elif kind is float and not floats:
            raise _Careful


def _safe(value: int) -> None:
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise StrictJsonError(f"an integer beyond ±2^53: {value}")


def _check(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise StrictJsonError(f"the JSON is nested deeper than {MAX_DEPTH}")
    if isinstance(value, str):
        _text(value)
    elif type(value) is int:
        _safe(value)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(key)
            _check(item, depth + 1)


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StrictJsonError(f"a lone surrogate in a string (position {exc.start})") from exc
