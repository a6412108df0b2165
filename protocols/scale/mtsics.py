"""MT-SICS, Mettler-Toledo's command set for balances and terminals (device-protocols.md §1).

Upper-case commands and replies, each line ended by CR LF, 9600 8N1 by default:

    S   → S S     100.00 g     stable net weight (blocks until stable or answers S I)
    SI  → S S … / S D …        the weight now, stable (S) or dynamic (D)
    T   → T S      12.00 g     tare, stored        Z → Z A      zero set
    S I busy · S + overload · S - underload · ES syntax error · ET transmission error · EL logical error

The weight field is ten characters, right-aligned; with no checksum in the protocol its fixed width is
what turns a lost digit into a refused line instead of a wrong weight. A balance set to send continuously
(or after `SIR`) streams the same `S S`/`S D` lines, which this parser reads too.
"""

from __future__ import annotations

import re
from typing import Final

from protocols.scale.events import Command, Garbled, Reading, Reply, ScaleEvent
from protocols.scale.framing import LineParser, printable
from protocols.scale.units import GRAMS_PER_UNIT, check_display, shown_amount, text_to_grams

_WEIGHT_LINE = re.compile(rb"(S|SI|T|TI|TA) ([SDA]) (.{10}) ([A-Za-z]{1,5})")
_VALUE = re.compile(rb" *-?[0-9]+(?:\.[0-9]+)?")
_WEIGHT_KIND: Final = {b"S": "net", b"SI": "net", b"T": "tare", b"TI": "tare", b"TA": "tare"}
_ERRORS: Final = {b"ES": "syntax error", b"ET": "transmission error", b"EL": "logical error"}
_SHORT = re.compile(rb"(S|SI|T|TI|Z|ZI|TA|TAC|@) ([A-Z+-])")
_INFO = re.compile(rb"I[0-9]+ [A-Z] .*")
REQUESTS: Final = {
    "S": "stable-weight",
    "SI": "weight",
    "T": "tare",
    "TI": "tare",
    "Z": "zero",
    "ZI": "zero",
    "TAC": "clear",
    "TA": "tare-weight",
    "@": "other",
}


class MtSicsParser(LineParser):
    """Replies (and continuous `S S`/`S D` lines) from an MT-SICS balance or terminal."""

    frame_start = re.compile(rb"(?:S|SI|T|TI|TA|Z|ZI|TAC) |E[STL]$")

    def parse_line(self, line: bytes) -> list[ScaleEvent | Command]:
        bad = printable(line)
        if bad:
            return [Garbled(bad, line)]
        if line in _ERRORS:
            return [Reply("command-error", line, _ERRORS[line])]
        weight = _WEIGHT_LINE.fullmatch(line)
        if weight is not None:
            return [self._weight(line, weight)]
        short = _SHORT.fullmatch(line)
        if short is not None:
            return [_short_reply(line, short.group(1), short.group(2))]
        if _INFO.fullmatch(line):
            return [Reply("other", line)]
        return [Garbled("not an MT-SICS reply", line)]

    def _weight(self, line: bytes, match: re.Match[bytes]) -> ScaleEvent:
        ident, state, value, unit = match.groups()
        if ident in (b"S", b"SI") and state == b"A" or ident == b"TA" and state != b"A":
            return Garbled(f"{ident.decode()} {state.decode()} is not a reply MT-SICS sends", line)
        if not _VALUE.fullmatch(value):
            return Garbled(f"weight field {value!r} is not a right-aligned number", line)
        unit_text = unit.decode("ascii")
        if unit_text not in GRAMS_PER_UNIT:
            return Garbled(f"unit {unit_text!r} is not g, kg, t or lb", line)
        grams = text_to_grams(value.strip(), unit_text)
        return Reading(grams=grams, stable=state != b"D", kind=_WEIGHT_KIND[ident], status="ok", raw=line)


def _short_reply(line: bytes, ident: bytes, state: bytes) -> ScaleEvent:
    if ident in (b"S", b"SI") and state in (b"+", b"-"):
        status = "overload" if state == b"+" else "underload"
        return Reading(grams=None, stable=False, kind="net", status=status, raw=line)
    if state == b"A" or ident == b"ZI" and state in (b"S", b"D"):
        return Reply("ack", line, ident.decode())
    if state == b"I":
        return Reply("busy", line, ident.decode())
    if state == b"L":
        return Reply("command-error", line, f"{ident.decode()}: logical error")
    if state in (b"+", b"-"):
        return Reply("refused", line, f"{ident.decode()}: out of range")
    return Garbled(f"{ident.decode()} {state.decode()} is not a reply MT-SICS sends", line)


class MtSicsRequestParser(LineParser):
    """The balance's side: one command a line."""

    def parse_line(self, line: bytes) -> list[ScaleEvent | Command]:
        code = line.decode("latin-1").strip()
        if code in REQUESTS:
            return [Command(REQUESTS[code], code, line)]
        return [Command("other", code, line)]


def encode_request(command: str) -> bytes:
    """`encode_request("SI")` is `SI` CR LF."""
    if command not in REQUESTS:
        raise ValueError(f"MT-SICS commands we send are {sorted(REQUESTS)}, not {command!r}")
    return command.encode("ascii") + b"\r\n"


def encode_weight(
    grams: int | None,
    *,
    stable: bool = True,
    status: str = "ok",
    ident: str = "S",
    state: str | None = None,
    decimals: int = 2,
    unit: str = "g",
) -> bytes:
    """A weight reply: `S S     100.00 g`, `S D …`, `T S …`, `TA A …` (`state` overrides S/D), or
    `S +`/`S -` out of range."""
    check_display(unit, decimals)
    if status in ("overload", "underload"):
        if grams is not None:
            raise ValueError(f"an {status} reply carries no weight")
        return ident.encode("ascii") + (b" +" if status == "overload" else b" -") + b"\r\n"
    if status != "ok" or grams is None:
        raise ValueError(f"an MT-SICS weight reply needs grams and status ok, got {grams!r}, {status!r}")
    text = f"{shown_amount(grams, unit, decimals):.{decimals}f}"
    if len(text) > 10:
        raise ValueError(f"{text} does not fit the 10-character weight field")
    state = state or ("S" if stable else "D")
    return f"{ident} {state} {text:>10} {unit}\r\n".encode("ascii")


def encode_reply(ident: str, state: str) -> bytes:
    """A reply without weight: `encode_reply("Z", "A")` is `Z A` CR LF; `encode_reply("ES", "")` is `ES`."""
    return (f"{ident} {state}" if state else ident).encode("ascii") + b"\r\n"
