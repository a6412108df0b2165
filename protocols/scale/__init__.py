"""Weighing-indicator frames, sans-I/O: bytes in, readings out; readings in, bytes out."""

from protocols.scale.and_st import MAX_LINE, AndStParser, encode_and_st, parse_frame, parse_line, to_grams
from protocols.scale.events import NEED_DATA, Garbled, NeedData, Reading, ScaleEvent, ScaleEventError
from protocols.scale.stability import StabilityJudge

__all__ = [
    "MAX_LINE",
    "NEED_DATA",
    "AndStParser",
    "Garbled",
    "NeedData",
    "Reading",
    "ScaleEvent",
    "ScaleEventError",
    "StabilityJudge",
    "encode_and_st",
    "parse_frame",
    "parse_line",
    "to_grams",
]
