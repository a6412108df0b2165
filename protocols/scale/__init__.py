"""Weighing-indicator frames, sans-I/O: bytes in, readings out; readings in, bytes out.

One module per protocol family (`and_st`, `yaohua`, `keli`, `toledo`, `mtsics`), a registry of them by
name (`registry`), the indicator profiles (`profile`) and our stability verdict (`stability`).
"""

from protocols.scale.and_st import MAX_LINE, AndStParser, encode_and_st, parse_frame, parse_line
from protocols.scale.events import (
    NEED_DATA,
    Command,
    Garbled,
    NeedData,
    Reading,
    Reply,
    ScaleEvent,
    ScaleEventError,
    Shown,
)
from protocols.scale.framing import RequestParser, ScaleParser
from protocols.scale.profile import (
    BagRule,
    ProfileError,
    ScaleProfile,
    SerialSettings,
    StabilityRule,
    parse_profile,
)
from protocols.scale.registry import (
    PROTOCOLS,
    FrameOptions,
    ProtocolError,
    ScaleProtocol,
    make_parser,
    protocol,
)
from protocols.scale.stability import StabilityJudge
from protocols.scale.units import GRAMS_PER_UNIT, to_grams

__all__ = [
    "BagRule",
    "GRAMS_PER_UNIT",
    "MAX_LINE",
    "NEED_DATA",
    "PROTOCOLS",
    "AndStParser",
    "Command",
    "FrameOptions",
    "Garbled",
    "NeedData",
    "ProfileError",
    "ProtocolError",
    "Reading",
    "Reply",
    "RequestParser",
    "ScaleEvent",
    "ScaleEventError",
    "ScaleParser",
    "ScaleProfile",
    "ScaleProtocol",
    "SerialSettings",
    "Shown",
    "StabilityJudge",
    "StabilityRule",
    "encode_and_st",
    "make_parser",
    "parse_frame",
    "parse_line",
    "parse_profile",
    "protocol",
    "to_grams",
]
