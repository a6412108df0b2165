"""Printer profiles (firmware-config/printers/*.toml): finding, reading and listing them.

A profile is found by name in, in order: $WASTETRACE_PRINTER_PROFILES, `printers/` next to the edge's
configuration file, /etc/wastetrace/printers, and the firmware-config/printers folder of this source tree.
`[printer] profile` may also be a path to a .toml file. The default profile (an 80 mm ESC/POS printer,
raster labels) is built in, so an edge whose configuration names no profile behaves as before profiles.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from edge.config import ConfigError
from protocols.label import PrinterProfile, ProfileError, profile_from_mapping

PROFILE_ENV = "WASTETRACE_PRINTER_PROFILES"
DEFAULT_PROFILE = "escpos-80mm-raster"
SYSTEM_DIR = Path("/etc/wastetrace/printers")
SOURCE_DIR = Path(__file__).resolve().parents[2] / "firmware-config" / "printers"
# Same as firmware-config/printers/escpos-80mm-raster.toml (a test keeps them equal), for installs
# without that folder.
BUILTIN: dict[str, object] = {
    "name": DEFAULT_PROFILE,
    "description": "80 mm ESC/POS receipt printer on the network, label as one raster image",
    "language": "escpos",
    "dpi": 203,
    "width_mm": 72,
    "template": "hj1276-roll-80mm",
    "render": "raster",
    "qr": "raster",
    "cut": True,
    "connection": "tcp://192.168.1.50:9100",
}


class PrinterProfileNotFound(ConfigError):
    """No profile file of that name in any of the profile folders."""


def profile_dirs(config_dir: Path | None = None) -> list[Path]:
    dirs: list[Path] = []
    if env := os.environ.get(PROFILE_ENV):
        dirs.append(Path(env))
    if config_dir is not None:
        dirs.append(config_dir / "printers")
    dirs += [SYSTEM_DIR, SOURCE_DIR]
    return dirs


def _read(path: Path) -> PrinterProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"printer profile {path}: {exc}") from exc
    try:
        return profile_from_mapping(data, path.stem)
    except ProfileError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_profile(name: str, *, config_dir: Path | None = None) -> PrinterProfile:
    """The profile `name` (or the file at the path `name`)."""
    if name.endswith(".toml") or "/" in name:
        path = Path(name)
        if not path.is_absolute() and config_dir is not None:
            path = config_dir / path
        return _read(path)
    for folder in profile_dirs(config_dir):
        path = folder / f"{name}.toml"
        if path.is_file():
            return _read(path)
    if name == DEFAULT_PROFILE:
        return profile_from_mapping(BUILTIN)
    searched = ", ".join(str(d) for d in profile_dirs(config_dir))
    raise PrinterProfileNotFound(f"no printer profile {name!r} (looked in {searched})")


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    name: str
    description: str
    path: Path


def list_profiles(config_dir: Path | None = None) -> list[ProfileInfo]:
    """Every profile file that can be found, first folder winning on a name."""
    seen: dict[str, ProfileInfo] = {}
    for folder in profile_dirs(config_dir):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            if path.stem not in seen:
                seen[path.stem] = ProfileInfo(path.stem, _read(path).description, path)
    return sorted(seen.values(), key=lambda p: p.name)
