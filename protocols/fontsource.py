"""Where a label's font comes from: bytes, or the path of a font file for FreeType to map.

Pillow copies font bytes into a private buffer for every size and weight: with a 17 MB CJK font and the
dozen faces a label uses, that is well over 100 MB on a box with one gigabyte. Given a path, FreeType
maps the file once and every face shares those pages. Tests and simulators may still pass bytes. Either
way this package opens nothing itself; the path is handed to FreeType as a value.
"""

from __future__ import annotations

import io
import os

from PIL import ImageFont

FontSource = bytes | str | os.PathLike[str]


def truetype(source: FontSource, size: int) -> ImageFont.FreeTypeFont:
    if isinstance(source, bytes):
        return ImageFont.truetype(io.BytesIO(source), size)
    return ImageFont.truetype(os.fspath(source), size)
