"""Every indicator protocol by name: how to read it, how to poll it, and (for the simulators) how to speak it.

A profile names one of these and sets its `FrameOptions`; the edge asks for a parser and, in command mode,
the poll request; a simulator asks for the encoder (continuous) or the request parser and the answer
(command mode). Answers are pure: a simulator that tares or zeroes on a command changes its own state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from protocols.scale import keli, mtsics, toledo, yaohua
from protocols.scale.and_st import AndStParser, encode_and_st
from protocols.scale.events import Command, ScaleEventError, Shown
from protocols.scale.framing import RequestParser, ScaleParser
from protocols.scale.units import GRAMS_PER_UNIT

MODES: Final = ("continuous", "command")


class ProtocolError(ValueError):
    """An unknown protocol, or options it cannot take."""


@dataclass(frozen=True, slots=True)
class FrameOptions:
    """What a frame leaves to the indicator's settings.

    unit: the unit of frames that name none (Yaohua, Keli, '=' frames, 8217); kind: gross or net for
    frames that do not say, and what to ask for in command mode; address: the indicator's address (A–Z)
    on an RS-485 line; checksum: Mettler-Toledo continuous with its checksum byte; width: characters in
    the weight field of '=' frames (8, or 7 on the Keli XK3118T1) and 8217 replies (6 for `01.250`), 0 for
    the protocol's usual; reversed: the '=' frames' order.
    """

    unit: str = "kg"
    kind: str = "gross"
    address: str = "A"
    checksum: bool = False
    width: int = 0
    reversed: bool = True

    def __post_init__(self) -> None:
        if self.unit not in GRAMS_PER_UNIT:
            raise ProtocolError(f"unit must be one of {sorted(GRAMS_PER_UNIT)}, got {self.unit!r}")
        if self.kind not in ("gross", "net"):
            raise ProtocolError(f"kind must be gross or net, got {self.kind!r}")
        if not (isinstance(self.address, str) and len(self.address) == 1 and "A" <= self.address <= "Z"):
            raise ProtocolError(f"address must be one letter A–Z, got {self.address!r}")
        if not isinstance(self.width, int) or not 0 <= self.width <= 10:
            raise ProtocolError(f"width must be 0 (the protocol's usual) to 10, got {self.width!r}")
        if not isinstance(self.checksum, bool) or not isinstance(self.reversed, bool):
            raise ProtocolError("checksum and reversed are true or false")


Encoder = Callable[[Shown, FrameOptions], bytes]
Answer = Callable[[Command, Shown, FrameOptions], bytes]


@dataclass(frozen=True, slots=True)
class ScaleProtocol:
    name: str
    title: str
    has_stable_flag: bool
    modes: tuple[str, ...]
    parser: Callable[[FrameOptions, str], ScaleParser]
    poll: Callable[[FrameOptions], bytes] | None = None
    encode: Encoder | None = None
    requests: Callable[[FrameOptions], RequestParser] | None = None
    answer: Answer | None = None


def gross_of(shown: Shown) -> int | None:
    if shown.grams is None:
        return None
    return shown.grams + shown.tare_grams if shown.kind == "net" else shown.grams


def net_of(shown: Shown) -> int | None:
    gross = gross_of(shown)
    return None if gross is None else gross - shown.tare_grams


def _in_range(shown: Shown, what: str) -> int:
    if shown.status != "ok" or shown.grams is None:
        raise ScaleEventError(f"{what} has no {shown.status} code")
    return shown.grams


# -- adapters ---------------------------------------------------------------------------------------------


def _and_st_encode(s: Shown, o: FrameOptions) -> bytes:
    return encode_and_st(
        s.grams, stable=s.stable, kind=s.kind, status=s.status, unit=s.unit, decimals=s.decimals
    )


def _yaohua_answer(c: Command, s: Shown, o: FrameOptions) -> bytes:
    if c.address != o.address or s.status != "ok":
        return b""  # another indicator's request on the line, or nothing to show
    grams = {"B": gross_of(s), "C": s.tare_grams, "D": net_of(s)}.get(c.code)
    if c.code in "BCD":
        return yaohua.encode_yaohua_reply(o.address, c.code, grams, decimals=s.decimals, unit=o.unit)
    if c.code in "AGHI":
        return yaohua.encode_yaohua_reply(o.address, c.code)
    return b""


def _t1_answer(c: Command, s: Shown, o: FrameOptions) -> bytes:
    if c.code in ("D", "E"):
        return keli.encode_t1_reply(c.code)
    grams = {"A": gross_of(s), "B": net_of(s), "C": s.tare_grams}.get(c.code)
    if grams is None or s.status != "ok":
        return b""
    return keli.encode_t1_reply(c.code, grams, decimals=s.decimals, unit=o.unit)


def _8217_answer(c: Command, s: Shown, o: FrameOptions) -> bytes:
    if c.code == "E":
        return b"\x02E\r"
    net = s.kind == "net"
    flags = toledo.status_flags(s.grams, stable=s.stable, status=s.status, net=net)
    if c.code != "W":
        return toledo.encode_8217_status(flags | (toledo.BAD_COMMAND if c.name == "other" else 0))
    if flags & (toledo.MOTION | toledo.OVER | toledo.UNDER) or s.grams is None:
        return toledo.encode_8217_status(flags)
    return toledo.encode_8217_weight(s.grams, decimals=s.decimals, unit=o.unit, net=net, width=o.width or 6)


def _mtsics_answer(c: Command, s: Shown, o: FrameOptions) -> bytes:
    if c.code in ("S", "SI"):
        if s.status != "ok":
            return mtsics.encode_weight(None, status=s.status, decimals=s.decimals, unit=s.unit)
        if c.code == "S" and not s.stable:
            return mtsics.encode_reply("S", "I")
        return mtsics.encode_weight(net_of(s), stable=s.stable, decimals=s.decimals, unit=s.unit)
    if c.code in ("T", "TI", "TA"):
        if s.status != "ok" or c.code == "T" and not s.stable:
            return mtsics.encode_reply(c.code, "I")
        grams = s.tare_grams if c.code == "TA" else gross_of(s)
        state = "A" if c.code == "TA" else None
        return mtsics.encode_weight(
            grams, stable=s.stable, ident=c.code, state=state, decimals=s.decimals, unit=s.unit
        )
    if c.code in ("Z", "ZI", "TAC"):
        return mtsics.encode_reply(c.code, "A")
    if c.code == "@":
        return b'I4 A "0000000001"\r\n'
    return mtsics.encode_reply("ES", "")


def _t1_parser(o: FrameOptions, mode: str) -> ScaleParser:
    return keli.KeliT1ReplyParser() if mode == "command" else keli.KeliT1LineParser(kind=o.kind)


def _yaohua_parser(o: FrameOptions, mode: str) -> ScaleParser:
    return yaohua.YaohuaParser(unit=o.unit, kind=o.kind, address=o.address if mode == "command" else None)


def _yaohua_poll(o: FrameOptions) -> bytes:
    return yaohua.encode_yaohua_request(o.address, "B" if o.kind == "gross" else "D")


def _yaohua_encode(s: Shown, o: FrameOptions) -> bytes:
    return yaohua.encode_yaohua(_in_range(s, "the 12-byte frame"), decimals=s.decimals, unit=o.unit)


PROTOCOLS: Final[dict[str, ScaleProtocol]] = {
    p.name: p
    for p in (
        ScaleProtocol(
            "and_st",
            "A&D ST,GS,+0012.34kg (and generic Chinese/CAS indicators)",
            True,
            ("continuous",),
            lambda o, m: AndStParser(),
            encode=_and_st_encode,
        ),
        ScaleProtocol(
            "yaohua",
            "Yaohua XK3190 12-byte frame (tF=0) and addressed commands (tF=1)",
            False,
            MODES,
            _yaohua_parser,
            poll=_yaohua_poll,
            encode=_yaohua_encode,
            requests=lambda o: yaohua.YaohuaRequestParser(),
            answer=_yaohua_answer,
        ),
        ScaleProtocol(
            "keli_k9",
            "Keli XK3118K9: the XK3190 frame and commands, plus G/H/I",
            False,
            MODES,
            _yaohua_parser,
            poll=_yaohua_poll,
            encode=_yaohua_encode,
            requests=lambda o: yaohua.YaohuaRequestParser(),
            answer=_yaohua_answer,
        ),
        ScaleProtocol(
            "equals",
            "'=' frames: Yaohua A23P/A26 (8 characters), Keli XK3118T1 formats 1/2 (7)",
            False,
            ("continuous",),
            lambda o, m: yaohua.EqualsParser(
                width=o.width or 8, reversed=o.reversed, unit=o.unit, kind=o.kind
            ),
            encode=lambda s, o: yaohua.encode_equals(
                _in_range(s, "the '=' frame"),
                decimals=s.decimals,
                unit=o.unit,
                width=o.width or 8,
                reversed=o.reversed,
            ),
        ),
        ScaleProtocol(
            "yaohua_a12",
            "Yaohua XK3190-A12/A12E WG004.139kg with XOR check",
            False,
            ("continuous",),
            lambda o, m: yaohua.A12Parser(),
            encode=lambda s, o: yaohua.encode_a12(
                s.grams, kind=s.kind, status=s.status, decimals=s.decimals, unit=o.unit
            ),
        ),
        ScaleProtocol(
            "keli_t1",
            "Keli XK3118T1 formats 3/4 (=0023.45(kg)) and 5 (commands A–E)",
            False,
            MODES,
            _t1_parser,
            poll=lambda o: keli.encode_t1_request("A" if o.kind == "gross" else "B"),
            encode=lambda s, o: keli.encode_t1_line(
                _in_range(s, "format 3/4"), decimals=s.decimals, unit=o.unit
            ),
            requests=lambda o: keli.KeliT1RequestParser(),
            answer=_t1_answer,
        ),
        ScaleProtocol(
            "toledo",
            "Mettler-Toledo continuous (SWA SWB SWC, optional checksum)",
            True,
            ("continuous",),
            lambda o, m: toledo.ToledoParser(checksum=o.checksum),
            encode=lambda s, o: toledo.encode_toledo(
                s.grams,
                stable=s.stable,
                kind=s.kind,
                status=s.status,
                tare_grams=s.tare_grams,
                decimals=s.decimals,
                unit=s.unit,
                checksum_byte=o.checksum,
            ),
        ),
        ScaleProtocol(
            "toledo_8217",
            "Mettler-Toledo 8217 (POS): W → weight or status",
            True,
            ("command",),
            lambda o, m: toledo.Toledo8217Parser(unit=o.unit, width=o.width or 6),
            poll=lambda o: b"W",
            requests=lambda o: toledo.Toledo8217RequestParser(),
            answer=_8217_answer,
        ),
        ScaleProtocol(
            "mtsics",
            "MT-SICS (Mettler-Toledo balances and terminals): SI → S S / S D",
            True,
            MODES,
            lambda o, m: mtsics.MtSicsParser(),
            poll=lambda o: mtsics.encode_request("SI"),
            encode=lambda s, o: mtsics.encode_weight(
                net_of(s) if s.status == "ok" else None,
                stable=s.stable,
                status=s.status,
                decimals=s.decimals,
                unit=s.unit,
            ),
            requests=lambda o: mtsics.MtSicsRequestParser(),
            answer=_mtsics_answer,
        ),
    )
}


def protocol(name: str) -> ScaleProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ProtocolError(f"unknown scale protocol {name!r}; known: {', '.join(PROTOCOLS)}") from None


def make_parser(name: str, options: FrameOptions | None = None, mode: str = "continuous") -> ScaleParser:
    spec = protocol(name)
    if mode not in spec.modes:
        raise ProtocolError(f"{name} has no {mode} mode (it has {', '.join(spec.modes)})")
    return spec.parser(options or FrameOptions(), mode)
