"""GB/T 28181 identifiers: 20 digits = centre 8 + industry 2 + type 3 + network 1 + serial 6.

The SIP domain (realm) is the first 10 digits, e.g. `3402000000`. Type 200 is a SIP server (platform),
111 a DVR, 118 an NVR, 131/132 a camera/IPC. The snapshot file id names the channel, `02`, the local time
to the second (14 digits) and a 5-digit sequence.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from protocols.china_time import CHINA_OFFSET_MIN

TYPE_SIP_SERVER: Final = 200
TYPE_DVR: Final = 111
TYPE_NVR: Final = 118
CAMERA_TYPES: Final = frozenset({131, 132})

_ID = re.compile(r"^\d{20}$")
_FILE_ID = re.compile(r"^(\d{20})02(\d{14})(\d{5})$")


class GbIdError(ValueError):
    """Not a 20-digit GB/T 28181 identifier (or snapshot file id)."""


def check_id(value: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise GbIdError(f"a GB/T 28181 id is 20 digits, got {value!r}")
    return value


def device_type(gb_id: str) -> int:
    return int(check_id(gb_id)[10:13])


def domain_of(gb_id: str) -> str:
    """The SIP domain (realm) a platform id implies: its first 10 digits."""
    return check_id(gb_id)[:10]


def _local(time_ms: int, offset_min: int) -> datetime:
    utc = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=time_ms)
    return utc.astimezone(timezone(timedelta(minutes=offset_min)))


def snapshot_file_id(channel_id: str, time_ms: int, seq: int, offset_min: int = CHINA_OFFSET_MIN) -> str:
    """`34020000001310000001` + `02` + `20250816092208` + `00000` (device local time, Beijing by default)."""
    if not 0 <= seq <= 99_999:
        raise GbIdError(f"snapshot sequence is 5 digits, got {seq}")
    stamp = _local(time_ms, offset_min).strftime("%Y%m%d%H%M%S")
    return f"{check_id(channel_id)}02{stamp}{seq:05d}"


def parse_snapshot_file_id(file_id: str) -> tuple[str, str, int]:
    """(channel id, 14-digit local time, sequence); a trailing `.jpg` is allowed."""
    stem = file_id[:-4] if file_id.lower().endswith(".jpg") else file_id
    m = _FILE_ID.match(stem)
    if not m:
        raise GbIdError(f"not a snapshot file id: {file_id!r}")
    return m.group(1), m.group(2), int(m.group(3))


def gb_date(time_ms: int, offset_min: int = CHINA_OFFSET_MIN) -> str:
    """The `Date` a platform puts in its 200 OK to REGISTER: `yyyy-MM-ddTHH:mm:ss.SSS`, local time."""
    t = _local(time_ms, offset_min)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}"
