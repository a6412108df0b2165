"""Finding a province profile by name: /etc/wastetrace/province/NAME.toml, then this source tree's
firmware-config/province/NAME.toml; or a path to a .toml file."""

from __future__ import annotations

from pathlib import Path

from protocols.province import Profile, ProfileError, parse_profile

SEARCH = (
    Path("/etc/wastetrace/province"),
    Path(__file__).resolve().parents[2] / "firmware-config" / "province",
)


def load_profile(name_or_path: str) -> Profile:
    path = Path(name_or_path)
    if path.suffix != ".toml":
        found = [d / f"{name_or_path}.toml" for d in SEARCH if (d / f"{name_or_path}.toml").is_file()]
        if not found:
            raise ProfileError(
                f"没有名为 {name_or_path} 的省级平台配置 (no province profile {name_or_path!r})"
            )
        path = found[0]
    try:
        return parse_profile(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from exc
