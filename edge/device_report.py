"""A device's entry in the heartbeat: the fields every kind shares, and `as_dict()` for the wire.

Each kind has its own report, built in one place: `edge.scales.report`, `edge.printers.report` and
`edge.cameras.report`. A heartbeat probe is a callable returning one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DeviceReport:
    status: str
    ok: bool
    last_ok_ms: int | None
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        """The heartbeat's `devices[name]`, keys in the order the hub has always received them."""
        out = asdict(self)
        out["status"] = str(self.status)  # a kind's StrEnum, sent as its plain value
        return out


Probe = Callable[[], DeviceReport]
