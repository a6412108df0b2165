"""A scale profile: one indicator model as an installer sets it up (firmware-config/scales/*.toml).

It names the protocol and its mode, the frame options, the serial settings, how stability is judged and
how often to poll. This module only checks a parsed TOML table (a dict); finding and reading the file is
the caller's business, so the edge and the simulators share one definition.

    model = "耀华 XK3190-A9（连续输出 tF=0）"
    protocol = "yaohua"
    mode = "continuous"          # or "command": the edge polls every [command] poll_interval_ms
    no_data_ms = 2000            # silence after which the scale counts as not sending

    [frame]      unit = "kg", kind = "gross", address = "A", checksum = false, width = 8, reversed = true
    [serial]     baudrate = 9600, bytesize = 8, parity = "N", stopbits = 1
    [stability]  use_indicator_flag = false, window = 8, tolerance_g = 0, min_span_ms = 800
    [command]    poll_interval_ms = 200
    [display]    decimals = 2, capacity_grams = 300000   (what the indicator shows; simulators copy it)
    [bag]        zero_g = 100, change_g = 200   (one bag, one code: see `BagRule`)
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final

from protocols.scale.framing import ScaleParser
from protocols.scale.registry import MODES, FrameOptions, ProtocolError, ScaleProtocol, protocol
from protocols.scale.stability import StabilityJudge

_PARITIES: Final = ("N", "E", "O")
_BAUDRATES: Final = (600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class ProfileError(ValueError):
    """A profile that cannot describe a real setup; the message names the key."""


@dataclass(frozen=True, slots=True)
class SerialSettings:
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1


@dataclass(frozen=True, slots=True)
class StabilityRule:
    """`use_indicator_flag`: every reading in the run must carry the indicator's stable flag; then `window`
    readings at least, within `tolerance_g` of each other, spanning `min_span_ms`. Without a flag in the
    protocol, the readings alone decide (N equal readings within a tolerance over a window)."""

    use_indicator_flag: bool = True
    window: int = 5
    tolerance_g: int = 10
    min_span_ms: int = 500
    max_gap_ms: int = 2000

    def judge(self) -> StabilityJudge:
        return StabilityJudge(
            self.window,
            self.tolerance_g,
            self.min_span_ms,
            self.use_indicator_flag,
            max_gap_ms=self.max_gap_ms,
        )


@dataclass(frozen=True, slots=True)
class BagRule:
    """One bag, one code. After a bag is weighed, the next weighing on the same scale waits until the
    scale has read at most `zero_g` (the bag was taken off) or the stable weight differs from the last
    bag's by more than `change_g` (a different load); otherwise a second press would label the same bag
    twice."""

    zero_g: int = 100
    change_g: int = 200

    def __post_init__(self) -> None:
        for key in ("zero_g", "change_g"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000:
                raise ValueError(f"{key} must be an integer from 0 to 1000000 grams, got {value!r}")


@dataclass(frozen=True, slots=True)
class ScaleProfile:
    name: str
    model: str
    protocol: str
    mode: str
    frame: FrameOptions
    serial: SerialSettings
    stability: StabilityRule
    poll_interval_ms: int = 200
    no_data_ms: int = 2000
    decimals: int = 2
    capacity_grams: int = 300_000
    notes: str = ""
    bag: BagRule = BagRule()

    @property
    def spec(self) -> ScaleProtocol:
        return protocol(self.protocol)

    def parser(self) -> ScaleParser:
        return self.spec.parser(self.frame, self.mode)

    def poll_request(self) -> bytes | None:
        """What to send every `poll_interval_ms` in command mode; None for a continuous scale."""
        if self.mode != "command":
            return None
        assert self.spec.poll is not None
        return self.spec.poll(self.frame)


_TOP_KEYS: Final = {
    "model",
    "protocol",
    "mode",
    "no_data_ms",
    "notes",
    "frame",
    "serial",
    "stability",
    "command",
    "display",
    "bag",
}


def parse_profile(raw: dict[str, Any], name: str) -> ScaleProfile:
    """Check a profile's TOML table; every mistake is a `ProfileError` naming the key."""
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ProfileError(f"profile {name}: unknown keys {sorted(unknown)}; allowed: {sorted(_TOP_KEYS)}")
    for key in ("model", "protocol", "mode"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ProfileError(f"profile {name}: '{key}' is required (a string)")
    try:
        spec = protocol(raw["protocol"])
        frame = FrameOptions(**_table(raw, "frame", FrameOptions, name))
    except ProtocolError as exc:
        raise ProfileError(f"profile {name}: {exc}") from exc
    mode = raw["mode"]
    if mode not in MODES or mode not in spec.modes:
        raise ProfileError(f"profile {name}: protocol {spec.name} has modes {list(spec.modes)}, not {mode!r}")
    try:
        spec.parser(frame, mode)
    except ValueError as exc:
        raise ProfileError(f"profile {name}: [frame] {exc}") from exc
    serial = SerialSettings(**_table(raw, "serial", SerialSettings, name))
    _check_serial(serial, name)
    stability = StabilityRule(**_table(raw, "stability", StabilityRule, name))
    if stability.use_indicator_flag and not spec.has_stable_flag:
        raise ProfileError(
            f"profile {name}: {spec.name} frames carry no stable flag; set [stability] use_indicator_flag"
            " = false and judge from window, tolerance_g and min_span_ms"
        )
    try:
        stability.judge()
    except ValueError as exc:
        raise ProfileError(f"profile {name}: [stability] {exc}") from exc
    try:
        bag = BagRule(**_table(raw, "bag", BagRule, name))
    except ValueError as exc:
        raise ProfileError(f"profile {name}: [bag] {exc}") from exc
    command = raw.get("command", {})
    display = raw.get("display", {})
    _only(command, {"poll_interval_ms"}, name, "command")
    _only(display, {"decimals", "capacity_grams"}, name, "display")
    if command and mode != "command":
        raise ProfileError(f'profile {name}: [command] is for mode = "command" only')
    profile = ScaleProfile(
        name=name,
        model=raw["model"],
        protocol=spec.name,
        mode=mode,
        frame=frame,
        serial=serial,
        stability=stability,
        poll_interval_ms=command.get("poll_interval_ms", 200),
        no_data_ms=raw.get("no_data_ms", 2000),
        decimals=display.get("decimals", 2),
        capacity_grams=display.get("capacity_grams", 300_000),
        notes=raw.get("notes", ""),
        bag=bag,
    )
    for key, low, high in (
        ("poll_interval_ms", 20, 60_000),
        ("no_data_ms", 200, 600_000),
        ("decimals", 0, 5),
        ("capacity_grams", 1, 10**9),
    ):
        value = getattr(profile, key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ProfileError(
                f"profile {name}: {key} must be an integer from {low} to {high}, got {value!r}"
            )
    if mode == "command" and profile.no_data_ms <= profile.poll_interval_ms:
        raise ProfileError(f"profile {name}: no_data_ms must be longer than [command] poll_interval_ms")
    return profile


def _table(raw: dict[str, Any], key: str, cls: type, name: str) -> dict[str, Any]:
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise ProfileError(f"profile {name}: [{key}] must be a table")
    _only(table, {f.name for f in fields(cls)}, name, key)
    for field in fields(cls):
        if field.name in table and type(table[field.name]) is not type(field.default):
            want = type(field.default).__name__
            raise ProfileError(
                f"profile {name}: [{key}] {field.name} must be {want}, got {table[field.name]!r}"
            )
    return table


def _only(table: Any, allowed: set[str], name: str, key: str) -> None:
    if not isinstance(table, dict):
        raise ProfileError(f"profile {name}: [{key}] must be a table")
    unknown = set(table) - allowed
    if unknown:
        raise ProfileError(
            f"profile {name}: [{key}] has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}"
        )


def _check_serial(serial: SerialSettings, name: str) -> None:
    if serial.baudrate not in _BAUDRATES:
        raise ProfileError(f"profile {name}: [serial] baudrate must be one of {_BAUDRATES}")
    if serial.bytesize not in (7, 8):
        raise ProfileError(f"profile {name}: [serial] bytesize must be 7 or 8")
    if serial.parity not in _PARITIES:
        raise ProfileError(f"profile {name}: [serial] parity must be one of {_PARITIES}")
    if serial.stopbits not in (1, 2):
        raise ProfileError(f"profile {name}: [serial] stopbits must be 1 or 2")
