"""The edge's TOML configuration: one file per box, naming its device, enterprise, hub and devices."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    port: str
    baudrate: int = 9600
    protocol: str = "and_st"
    window: int = 5
    tolerance_g: int = 10
    min_span_ms: int = 500
    stable_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    uri: str
    timeout_s: float = 5.0


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
    upload_batch_events: int = 500
    min_free_bytes: int = 50 * 1024 * 1024
    demo: dict[str, Any] = field(default_factory=dict)

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
    scale, printer, ui = section("scale"), section("printer"), raw.get("ui", {})
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
        scale=ScaleConfig(**_known(scale, ScaleConfig, path, "scale")),
        printer=PrinterConfig(**_known(printer, PrinterConfig, path, "printer")),
        ui_host=ui.get("host", "127.0.0.1"),
        ui_port=int(ui.get("port", 8080)),
        operator=raw.get("operator", {}).get("default", "操作员"),
        waste_types=waste_types,
        upload_batch_events=int(hub.get("batch_events", 500)),
        min_free_bytes=int(device.get("min_free_mb", 50)) * 1024 * 1024,
        demo=raw.get("demo", {}),
    )


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
