"""The edge's TOML configuration: one file per box, naming its device, enterprise, hub and devices."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.cameras.settings import CamerasConfig, CameraSettingsError, parse_cameras
from protocols.fleet.operators import Operator


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or incomplete; the message names the key."""


@dataclass(frozen=True, slots=True)
class WasteTypeConfig:
    code: str
    name: str
    form: str = "固态"
    main_components: str = ""
    harmful_components: str = ""
    precautions: str = "防止泄漏，远离火源，佩戴防护用品"


@dataclass(frozen=True, slots=True)
class ScaleConfig:
    """[scale], or one [[scales]] entry. With a `profile` (firmware-config/scales/NAME.toml, docs/scales.md)
    the profile sets the serial settings, protocol and stability rule, and the keys below it are refused."""

    port: str
    baudrate: int = 9600
    protocol: str = "and_st"
    window: int = 5
    tolerance_g: int = 10
    min_span_ms: int = 500
    stable_timeout_s: float = 10.0
    name: str = "scale"  # how the touchscreen and POST /api/v1/weighings {"scale"} name it
    profile: str = ""  # a profile name, or a path to a profile file
    # One bag, one code (a profile's [bag] table): the next bag is weighed once the scale read at most
    # zero_g, or the weight moved by more than bag_change_g from the last bag's.
    zero_g: int = 100
    bag_change_g: int = 200


# Keys a profile sets; naming both is refused so a scale is never half one and half the other.
_PROFILE_KEYS = ("baudrate", "protocol", "window", "tolerance_g", "min_span_ms", "zero_g", "bag_change_g")


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """[printer]: where the printer is and which profile (firmware-config/printers/NAME.toml) it follows."""

    uri: str = ""  # tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID; "": the profile's
    timeout_s: float = 5.0
    profile: str = "escpos-80mm-raster"  # a profile name, or a path to a profile file


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """[mqtt]: the broker, when [hub] transport = "mqtt" (see docs/reliability.md)."""

    url: str = "mqtt://127.0.0.1:1883"  # mqtts://host:8883 for TLS
    client_id: str = ""  # default wt-edge-{device id}; kept across restarts (the session is persistent)
    ca_file: str = ""  # TLS: the CA that signed the broker's certificate (default: the system's CAs)
    cert_file: str = ""  # TLS client certificate, if the broker asks for one
    key_file: str = ""
    username: str = ""
    password_file: str = ""  # the password is read from this file (mode 0600), never kept in the TOML
    keepalive_s: int = 30
    session_expiry_s: int = 30 * 24 * 3600  # receipts queued at the broker for this long while offline
    receipt_timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class PurgeRule:
    """Files under data_dir/<folder> that may be deleted, oldest first, by age (clock synced) and bytes."""

    folder: str
    max_age_days: int | None = None
    max_mb: int | None = None


# Camera snapshots are not here: edge/cameras/store.py keeps them with their upload state and purges them.
DEFAULT_PURGE = (
    PurgeRule("labels", max_age_days=365, max_mb=1024),
    PurgeRule("telemetry", max_age_days=30, max_mb=64),
)


@dataclass(frozen=True, slots=True)
class StorageConfig:
    """[storage]: what may be purged and how often; the ledger itself never is."""

    purge_every_s: int = 600
    purge: tuple[PurgeRule, ...] = DEFAULT_PURGE


@dataclass(frozen=True, slots=True)
class WarehouseConfig:
    """[warehouse]: the store bags are scanned into (入库) and out of (出库); docs/edge-config.md."""

    facility: str = ""  # 贮存设施编码, as registered at the hub; "": the facility the hub has for the device
    facility_type: str = ""  # 贮存设施类型 (e.g. 贮存库)
    container_type: str = ""  # 容器/包装类型 (e.g. 吨袋, 桶)
    handler: str = ""  # 运送部门经办人, when one person usually brings the bags


@dataclass(frozen=True, slots=True)
class EdgeConfig:
    path: Path
    device_id: str
    key_file: Path
    data_dir: Path
    enterprise_uscc: str
    enterprise_name: str
    contact: str
    place: str
    hub_url: str
    hub_public_url: str
    hub_key: str
    scale: ScaleConfig
    printer: PrinterConfig
    ui_host: str = "127.0.0.1"
    ui_port: int = 8080
    operator: str = "操作员"
    waste_types: tuple[WasteTypeConfig, ...] = ()
    upload_batch_events: int = 1000  # bench/bench_flush.py: 1000 flushes ~1.6× faster than 500
    min_free_bytes: int = 50 * 1024 * 1024
    demo: dict[str, Any] = field(default_factory=dict)
    transport: str = "http"  # [hub] transport: "http" or "mqtt"
    upload_batch_bytes: int = 2_000_000
    upload_batch_age_ms: int = 1000  # a batch that is not full waits at most this long for more events
    heartbeat_s: int = 60
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    cameras: CamerasConfig = field(default_factory=CamerasConfig)  # [[cameras]]: docs/cameras.md
    scales: tuple[ScaleConfig, ...] = ()  # every scale, `scale` (the default) first; () means just `scale`
    warehouse: WarehouseConfig = field(default_factory=WarehouseConfig)  # [warehouse]: 入库/出库
    # Who may sign in at the touchscreen: only from the hub's signed settings (protocols/fleet/operators.py).
    # () : no sign-in, every event names `operator` (a box not yet given its people).
    operators: tuple[Operator, ...] = ()
    ui_allowed_hosts: tuple[str, ...] = ()  # [ui] allowed_hosts: other names the kiosk opens the page by
    ui_idle_signout_s: int = 300  # [ui] idle_signout_s: an operator idle this long is signed out

    def waste_type(self, code: str) -> WasteTypeConfig | None:
        return next((w for w in self.waste_types if w.code == code), None)


def load_config(path: str | Path) -> EdgeConfig:
    path = Path(path).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no configuration file at {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> EdgeConfig:
    base = path.parent

    def section(name: str) -> dict[str, Any]:
        value = raw.get(name)
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: missing [{name}] section")
        return value

    def need(sec: dict[str, Any], sec_name: str, key: str) -> Any:
        if key not in sec or sec[key] in ("", None):
            raise ConfigError(f"{path}: [{sec_name}] needs '{key}'")
        return sec[key]

    device, enterprise, hub = section("device"), section("enterprise"), section("hub")
    scales = _scales(raw, path)
    printer, ui = section("printer"), raw.get("ui", {})
    waste_types = tuple(_waste_type(w, path) for w in raw.get("waste_types", []))
    if not waste_types:
        raise ConfigError(f"{path}: list the enterprise's waste types as [[waste_types]] entries")
    return EdgeConfig(
        path=path,
        device_id=need(device, "device", "id"),
        key_file=base / need(device, "device", "key_file"),
        data_dir=base / device.get("data_dir", "data"),
        enterprise_uscc=need(enterprise, "enterprise", "uscc"),
        enterprise_name=need(enterprise, "enterprise", "name"),
        contact=enterprise.get("contact", ""),
        place=enterprise.get("place", ""),
        hub_url=str(need(hub, "hub", "url")).rstrip("/"),
        hub_public_url=str(hub.get("public_url", hub["url"])).rstrip("/"),
        hub_key=need(hub, "hub", "public_key"),
        scale=scales[0],
        scales=scales,
        printer=PrinterConfig(**_known(printer, PrinterConfig, path, "printer")),
        ui_host=ui.get("host", "127.0.0.1"),
        ui_port=int(ui.get("port", 8080)),
        ui_allowed_hosts=_allowed_hosts(ui, path),
        ui_idle_signout_s=_bounded(ui, "idle_signout_s", 300, 30, 86_400, path),
        operator=raw.get("operator", {}).get("default", "操作员"),
        waste_types=waste_types,
        upload_batch_events=int(hub.get("batch_events", 1000)),
        min_free_bytes=int(device.get("min_free_mb", 50)) * 1024 * 1024,
        demo=raw.get("demo", {}),
        transport=_transport(hub, path),
        upload_batch_bytes=int(hub.get("batch_bytes", 2_000_000)),
        upload_batch_age_ms=int(hub.get("batch_age_ms", 1000)),
        heartbeat_s=int(hub.get("heartbeat_s", 60)),
        mqtt=MqttConfig(**_known(raw.get("mqtt", {}), MqttConfig, path, "mqtt")),
        storage=_storage(raw.get("storage", {}), path),
        cameras=_cameras(raw, path),
        warehouse=WarehouseConfig(**_known(raw.get("warehouse", {}), WarehouseConfig, path, "warehouse")),
    )


def _allowed_hosts(ui: dict[str, Any], path: Path) -> tuple[str, ...]:
    hosts = ui.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h and "/" not in h for h in hosts):
        raise ConfigError(f'{path}: [ui] allowed_hosts must be a list of host names, e.g. ["kiosk.local"]')
    return tuple(h.lower() for h in hosts)


def _bounded(table: dict[str, Any], key: str, default: int, low: int, high: int, path: Path) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{path}: {key} must be an integer from {low} to {high}")
    return value


def _cameras(raw: dict[str, Any], path: Path) -> CamerasConfig:
    try:
        return parse_cameras(raw)
    except CameraSettingsError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _scales(raw: dict[str, Any], path: Path) -> tuple[ScaleConfig, ...]:
    """[scale] and the [[scales]] entries, [scale] first; at least one, names unique."""
    tables: list[tuple[str, Any]] = [("scale", raw["scale"])] if "scale" in raw else []
    entries = raw.get("scales", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: scales must be [[scales]] entries")
    tables += [("scales", entry) for entry in entries]
    if not tables:
        raise ConfigError(f"{path}: missing [scale] section (or [[scales]] entries)")
    out = []
    for where, table in tables:
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: each [{where}] must be a table")
        if where == "scales" and not table.get("name"):
            raise ConfigError(f"{path}: each [[scales]] entry needs a 'name' (e.g. 地磅, 台秤)")
        if table.get("profile") and set(table) & set(_PROFILE_KEYS):
            keys = sorted(set(table) & set(_PROFILE_KEYS))
            name = table.get("name", "")
            raise ConfigError(f"{path}: [{where}] {name}: the profile sets {keys}; remove them")
        out.append(ScaleConfig(**_known(table, ScaleConfig, path, where)))
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: two scales share a name: {names}")
    return tuple(out)


def _transport(hub: dict[str, Any], path: Path) -> str:
    transport = hub.get("transport", "http")
    if transport not in ("http", "mqtt"):
        raise ConfigError(f'{path}: [hub] transport must be "http" or "mqtt", not {transport!r}')
    return transport


def _storage(raw: dict[str, Any], path: Path) -> StorageConfig:
    """[storage] purge_every_s, and one table per purgeable folder: [storage.snapshots] max_age_days …"""
    rules = {r.folder: r for r in DEFAULT_PURGE}
    for folder, rule in raw.items():
        if folder == "purge_every_s":
            continue
        if not isinstance(rule, dict) or "/" in folder or folder.startswith(".") or folder == "ledger.db":
            raise ConfigError(f"{path}: [storage.{folder}] must be a table naming a folder under data_dir")
        rules[folder] = PurgeRule(**_known({**rule, "folder": folder}, PurgeRule, path, f"storage.{folder}"))
    return StorageConfig(int(raw.get("purge_every_s", 600)), tuple(rules.values()))


def _waste_type(raw: Any, path: Path) -> WasteTypeConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: each [[waste_types]] entry must be a table")
    return WasteTypeConfig(**_known(raw, WasteTypeConfig, path, "waste_types"))


def _known(raw: dict[str, Any], cls: type, path: Path, name: str) -> dict[str, Any]:
    allowed = set(cls.__dataclass_fields__)
    unknown = set(raw) - allowed
    if unknown:
        raise ConfigError(f"{path}: [{name}] has unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    try:
        cls(**raw)
    except TypeError as exc:
        raise ConfigError(f"{path}: [{name}] is incomplete: {exc}") from exc
    return raw
