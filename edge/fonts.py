"""Find the CJK font the edge draws labels with (protocols/label takes the font as bytes)."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from protocols.label.fonts import FONT_ENV, FONT_PACKAGE, FONT_PACKAGE_PATH, INSTALL_HINT, SYSTEM_FONT_PATHS


class FontNotFound(FileNotFoundError):
    """No CJK font on this box; the message says what to install."""


def cjk_font_path() -> Path:
    """$WASTETRACE_FONT, else Noto Sans SC from the justmytype-intl-cjk wheel, else a system CJK font."""
    override = os.environ.get(FONT_ENV)
    if override:
        path = Path(override)
        if not path.is_file():
            raise FontNotFound(f"{FONT_ENV}={override} is not a font file")
        return path
    packaged = _packaged_font()
    if packaged is not None:
        return packaged
    for candidate in SYSTEM_FONT_PATHS:
        path = Path(candidate)
        if path.is_file():
            return path
    raise FontNotFound(INSTALL_HINT)


def _packaged_font() -> Path | None:
    try:
        resource = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    except ModuleNotFoundError:
        return None
    # An installed wheel is a directory on disk; a zipped install has no path Pillow could open lazily.
    if isinstance(resource, Path) and resource.is_file():
        return resource
    return None


def cjk_font_bytes() -> bytes:
    return cjk_font_path().read_bytes()
