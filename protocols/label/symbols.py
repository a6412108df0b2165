"""The five 危险特性 pictograms (T 毒性, C 腐蚀性, I 易燃性, R 反应性, In 感染性) as drawing data.

Each symbol is a black diamond outline with a pictogram inside, given as shapes in a unit square
(0..1 both ways), so it draws crisply at any size and on any printer: Pillow draws it for raster labels,
and native-command labels send the same drawing as a small bitmap. The pictograms follow the familiar
forms (skull and crossbones, corrosion, flame, exploding bomb, biohazard); the exact artwork of the
HJ 1276-2022 appendix is not confirmed (docs/labels.md), so these are drawn, not copied.
"""

from __future__ import annotations

import math

from PIL import Image, ImageDraw

BLACK, WHITE = 0, 255

# (shape, points or box, fill, line width); coordinates in the unit square, line width in units.
Shape = tuple[str, tuple[float, ...], int, float]


def _star(cx: float, cy: float, outer: float, inner: float, points: int) -> tuple[float, ...]:
    coords: list[float] = []
    for i in range(points * 2):
        r = outer if i % 2 == 0 else inner
        a = math.pi * i / points - math.pi / 2
        coords += [cx + r * math.cos(a), cy + r * math.sin(a)]
    return tuple(coords)


def _circle(cx: float, cy: float, r: float) -> tuple[float, ...]:
    return (cx - r, cy - r, cx + r, cy + r)


def _biohazard() -> list[Shape]:
    shapes: list[Shape] = []
    cx, cy = 0.5, 0.53
    for k in range(3):
        a = math.radians(-90 + 120 * k)
        shapes.append(("ellipse", _circle(cx + 0.1 * math.cos(a), cy + 0.1 * math.sin(a), 0.125), BLACK, 0))
    for k in range(3):
        a = math.radians(-90 + 120 * k)
        shapes.append(("ellipse", _circle(cx + 0.15 * math.cos(a), cy + 0.15 * math.sin(a), 0.085), WHITE, 0))
    shapes.append(("ellipse", _circle(cx, cy, 0.04), WHITE, 0))
    return shapes


PICTOGRAMS: dict[str, list[Shape]] = {
    # 毒性: skull and crossbones
    "T": [
        ("line", (0.30, 0.58, 0.70, 0.76), BLACK, 0.05),
        ("line", (0.70, 0.58, 0.30, 0.76), BLACK, 0.05),
        ("ellipse", (0.355, 0.22, 0.645, 0.50), BLACK, 0),
        ("rectangle", (0.41, 0.44, 0.59, 0.56), BLACK, 0),
        ("ellipse", (0.395, 0.31, 0.48, 0.40), WHITE, 0),
        ("ellipse", (0.52, 0.31, 0.605, 0.40), WHITE, 0),
        ("polygon", (0.5, 0.41, 0.47, 0.46, 0.53, 0.46), WHITE, 0),
    ],
    # 腐蚀性: two tubes pouring onto a hand and a bar
    "C": [
        ("polygon", (0.27, 0.30, 0.33, 0.25, 0.46, 0.40, 0.40, 0.45), BLACK, 0),
        ("polygon", (0.73, 0.30, 0.67, 0.25, 0.54, 0.40, 0.60, 0.45), BLACK, 0),
        ("ellipse", (0.40, 0.48, 0.44, 0.53), BLACK, 0),
        ("ellipse", (0.56, 0.48, 0.60, 0.53), BLACK, 0),
        ("rectangle", (0.27, 0.58, 0.47, 0.64), BLACK, 0),
        ("ellipse", (0.38, 0.55, 0.45, 0.61), WHITE, 0),
        ("polygon", (0.53, 0.58, 0.73, 0.58, 0.73, 0.66, 0.58, 0.66, 0.53, 0.62), BLACK, 0),
        ("ellipse", (0.55, 0.55, 0.62, 0.61), WHITE, 0),
        ("rectangle", (0.25, 0.70, 0.75, 0.74), BLACK, 0),
    ],
    # 易燃性: a flame over a bar
    "I": [
        (
            "polygon",
            (
                0.50,
                0.18,
                0.57,
                0.30,
                0.64,
                0.42,
                0.67,
                0.54,
                0.64,
                0.63,
                0.57,
                0.69,
                0.43,
                0.69,
                0.36,
                0.63,
                0.33,
                0.54,
                0.36,
                0.44,
                0.42,
                0.36,
                0.44,
                0.46,
                0.49,
                0.40,
            ),
            BLACK,
            0,
        ),
        ("polygon", (0.50, 0.50, 0.55, 0.58, 0.54, 0.65, 0.46, 0.65, 0.45, 0.58), WHITE, 0),
        ("rectangle", (0.30, 0.72, 0.70, 0.76), BLACK, 0),
    ],
    # 反应性: an exploding bomb
    "R": [
        ("polygon", _star(0.5, 0.50, 0.27, 0.12, 9), BLACK, 0),
        ("ellipse", _circle(0.5, 0.50, 0.09), WHITE, 0),
        ("ellipse", _circle(0.5, 0.50, 0.06), BLACK, 0),
    ],
    # 感染性: biohazard
    "In": _biohazard(),
}


def draw_symbol(draw: ImageDraw.ImageDraw, code: str, x: int, y: int, size: int) -> None:
    """Draw the pictogram for hazard `code` in the square (x, y, size) on a white background."""
    shapes = PICTOGRAMS[code]
    outline = max(2, size // 22)
    half = size // 2
    diamond = [(x + half, y), (x + size - 1, y + half), (x + half, y + size - 1), (x, y + half)]
    draw.polygon(diamond, outline=BLACK, width=outline)
    for kind, coords, fill, width in shapes:
        points = [
            (x + coords[i] * (size - 1), y + coords[i + 1] * (size - 1)) for i in range(0, len(coords), 2)
        ]
        if kind == "polygon":
            draw.polygon(points, fill=fill)
        elif kind == "ellipse":
            draw.ellipse(points, fill=fill)
        elif kind == "rectangle":
            draw.rectangle(points, fill=fill)
        elif kind == "line":
            draw.line(points, fill=fill, width=max(1, round(width * size)))


def symbol_image(code: str, size: int) -> Image.Image:
    """The pictogram alone, mode "1", `size` dots square (for printers sent native commands)."""
    image = Image.new("L", (size, size), WHITE)
    draw_symbol(ImageDraw.Draw(image), code, 0, 0, size)
    return image.point([BLACK] * 128 + [WHITE] * 128, "1")
