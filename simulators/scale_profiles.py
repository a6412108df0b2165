"""Reading a scale profile for a simulated indicator: a name in firmware-config/scales, or a path.

(The edge has its own lookup with site folders, edge/scales/profiles.py; simulators may not import it.)
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from protocols.scale import ProfileError, ScaleProfile, parse_profile

SHIPPED = Path(__file__).resolve().parents[1] / "firmware-config" / "scales"


def load_profile(name: str) -> ScaleProfile:
    path = Path(name) if name.endswith(".toml") else SHIPPED / f"{name}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
        raise ProfileError(f"no scale profile {name!r} (known: {known})") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: {exc}") from exc
    return parse_profile(raw, path.stem)
