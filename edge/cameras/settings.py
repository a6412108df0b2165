"""The `[[cameras]]` entries and the `[camera_checks]` table of an edge's TOML file.

A site with no `[[cameras]]` works as before: no snapshot is taken and nothing about cameras is recorded.
Camera URIs carry their credentials (`onvif://user:pass@host:port`); keep the file readable by the agent
only (chmod 600). Passwords never reach a log: see `uri.redact`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class CameraSettingsError(ValueError):
    """A `[[cameras]]` entry or `[camera_checks]` key that is missing or wrong; the message names it."""


@dataclass(frozen=True, slots=True)
class CameraSettings:
    name: str
    uri: str
    at_scale: bool = True
    """Take a snapshot of every weighing from this camera."""
    at_movements: bool = True
    """Take a snapshot at every 入库, 出库 and 装车 too (default: as `at_scale`)."""
    watch: bool = False
    """Look for motion outside working hours."""
    timeout_s: float = 3.0
    """The longest a weighing waits for this camera's snapshot."""
    scale_roi: tuple[int, int, int, int] | None = None
    """The scale platform in the frame, in thousandths of width and height: x, y, w, h."""
    label_check_after_s: float = 0.0
    """After the label prints, look for it on the bag this many seconds later (0: off)."""


@dataclass(frozen=True, slots=True)
class CameraChecks:
    working_hours: tuple[int, int] = (7 * 60, 19 * 60)
    """Minutes after local midnight (Beijing time): from, to."""
    working_days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    """ISO weekdays (1 = Monday) the warehouse works."""
    watch_interval_s: float = 10.0
    motion_fraction_permille: int = 20
    """Share of the frame that must change for motion to count, in thousandths."""
    motion_cooldown_s: float = 600.0
    disabled: tuple[str, ...] = ()
    """Names of checks not to run (qr_label, person_at_scale, motion_off_hours, or a plugin's)."""
    snapshot_max_mb: int = 500
    upload: bool = True
    """Send snapshots to the hub after their events arrived there."""


@dataclass(frozen=True, slots=True)
class CamerasConfig:
    cameras: tuple[CameraSettings, ...] = ()
    checks: CameraChecks = field(default_factory=CameraChecks)

    def __bool__(self) -> bool:
        return bool(self.cameras)


def parse_cameras(raw: dict[str, Any]) -> CamerasConfig:
    """Read `[[cameras]]` and `[camera_checks]` from the whole parsed TOML document."""
    entries = raw.get("cameras", [])
    if not isinstance(entries, list):
        raise CameraSettingsError("cameras must be a list of [[cameras]] tables")
    cameras = tuple(_camera(e, i) for i, e in enumerate(entries))
    names = [c.name for c in cameras]
    if len(set(names)) != len(names):
        raise CameraSettingsError(f"[[cameras]] names must be unique, got {names}")
    return CamerasConfig(cameras, _checks(raw.get("camera_checks", {})))


def _camera(raw: Any, index: int) -> CameraSettings:
    where = f"[[cameras]] #{index + 1}"
    if not isinstance(raw, dict):
        raise CameraSettingsError(f"{where} must be a table")
    _known(raw, CameraSettings, where)
    for key in ("name", "uri"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise CameraSettingsError(f"{where} needs '{key}'")
    roi = raw.get("scale_roi")
    if roi is not None:
        if not (isinstance(roi, list) and len(roi) == 4 and all(isinstance(v, int) for v in roi)):
            raise CameraSettingsError(
                f"{where} scale_roi is [x, y, w, h] in thousandths, e.g. [300, 400, 400, 500]"
            )
        if not all(0 <= v <= 1000 for v in roi) or roi[0] + roi[2] > 1000 or roi[1] + roi[3] > 1000:
            raise CameraSettingsError(f"{where} scale_roi must lie inside the frame (0–1000)")
        roi = tuple(roi)
    timeout = float(raw.get("timeout_s", 3.0))
    if not 0.1 <= timeout <= 30:
        raise CameraSettingsError(f"{where} timeout_s must be 0.1–30 seconds: a weighing never waits longer")
    return CameraSettings(
        name=raw["name"],
        uri=raw["uri"],
        at_scale=bool(raw.get("at_scale", True)),
        at_movements=bool(raw.get("at_movements", raw.get("at_scale", True))),
        watch=bool(raw.get("watch", False)),
        timeout_s=timeout,
        scale_roi=roi,
        label_check_after_s=float(raw.get("label_check_after_s", 0.0)),
    )


def _checks(raw: Any) -> CameraChecks:
    if not isinstance(raw, dict):
        raise CameraSettingsError("[camera_checks] must be a table")
    _known(raw, CameraChecks, "[camera_checks]")
    fields: dict[str, Any] = {}
    if "working_hours" in raw:
        m = _HOURS.match(str(raw["working_hours"]).strip())
        if not m:
            raise CameraSettingsError("[camera_checks] working_hours is 'HH:MM-HH:MM', e.g. '07:30-18:00'")
        a, b = int(m.group(1)) * 60 + int(m.group(2)), int(m.group(3)) * 60 + int(m.group(4))
        if not (0 <= a <= 1440 and 0 <= b <= 1440):
            raise CameraSettingsError("[camera_checks] working_hours must lie within 00:00-24:00")
        fields["working_hours"] = (a, b)
    if "working_days" in raw:
        days = raw["working_days"]
        if not isinstance(days, list) or not all(isinstance(d, int) and 1 <= d <= 7 for d in days):
            raise CameraSettingsError("[camera_checks] working_days lists ISO weekdays 1 (Monday) – 7")
        fields["working_days"] = tuple(days)
    for key in ("watch_interval_s", "motion_cooldown_s"):
        if key in raw:
            fields[key] = float(raw[key])
    for key in ("motion_fraction_permille", "snapshot_max_mb"):
        if key in raw:
            fields[key] = int(raw[key])
    if "disabled" in raw:
        fields["disabled"] = tuple(str(d) for d in raw["disabled"])
    if "upload" in raw:
        fields["upload"] = bool(raw["upload"])
    return CameraChecks(**fields)


def _known(raw: dict[str, Any], cls: type, where: str) -> None:
    unknown = set(raw) - set(cls.__dataclass_fields__)
    if unknown:
        raise CameraSettingsError(
            f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(cls.__dataclass_fields__)}"
        )
