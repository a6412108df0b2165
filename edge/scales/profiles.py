"""Finding and reading scale profiles (firmware-config/scales/NAME.toml) for the edge.

A profile is named by its file name without `.toml`, or given as a path. Named profiles are looked up in
the folders of `$WASTETRACE_SCALE_PROFILES` (separated by `:`), then /etc/wastetrace/scales (a site's own
profiles), then the firmware-config/scales folder shipped with wastetrace.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from protocols.scale import ProfileError, ScaleProfile, parse_profile

ENV = "WASTETRACE_SCALE_PROFILES"
SHIPPED = Path(__file__).resolve().parents[2] / "firmware-config" / "scales"
SITE = Path("/etc/wastetrace/scales")


def profile_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    return [*extra, SITE, SHIPPED]


def profile_names() -> list[str]:
    names = {p.stem for d in profile_dirs() if d.is_dir() for p in d.glob("*.toml")}
    return sorted(names)


def find_profile(name: str, base: Path | None = None) -> Path:
    """The file of profile `name` (a name, or a path relative to `base`)."""
    if name.endswith(".toml") or os.sep in name:
        path = Path(name) if base is None else base / name
        if path.is_file():
            return path
        raise ProfileError(f"no scale profile file at {path}")
    for folder in profile_dirs():
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    known = ", ".join(profile_names()) or "none"
    raise ProfileError(f"no scale profile named {name!r} (known: {known})")


def load_profile(name: str, base: Path | None = None) -> ScaleProfile:
    path = find_profile(name, base)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(raw, path.stem)
