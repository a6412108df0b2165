"""A warehouse scene for the simulated cameras: floor, wall, the scale platform, and what is on it.

`render_scene(Scene(...))` returns JPEG bytes. A bag can carry a label whose QR holds a given text (the
edge prints `{hub}/t/{code}`), so the QR-in-frame check can be tested on a picture no one hand-made.
Deterministic: the same scene gives the same picture (noise comes from a seeded generator).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import qrcode
from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1280, 720
SCALE_BOX = (430, 430, 850, 640)
"""The scale platform in pixels (x0, y0, x1, y1); in thousandths that is about [336, 597, 328, 292]."""


@dataclass(frozen=True, slots=True)
class Scene:
    label_text: str | None = None
    """The QR text on the bag's label; None: no label; with `bag` False, nothing on the scale."""
    bag: bool = True
    person_on_scale: bool = False
    intruder_at: int | None = None
    """Draw a figure at this x position (pixels) somewhere in the warehouse, for the motion check."""
    seed: int = 0
    width: int = WIDTH
    height: int = HEIGHT


def render_scene(scene: Scene, quality: int = 88) -> bytes:
    image = render_image(scene)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def render_image(scene: Scene) -> Image.Image:
    sx, sy = scene.width / WIDTH, scene.height / HEIGHT
    image = Image.new("RGB", (WIDTH, HEIGHT), (150, 150, 145))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 300), fill=(196, 196, 186))  # wall
    for x in range(0, WIDTH, 160):  # wall panels
        draw.line((x, 0, x, 300), fill=(176, 176, 168), width=3)
    draw.rectangle((60, 120, 300, 300), fill=(90, 110, 140))  # door
    draw.rectangle((980, 180, 1220, 420), fill=(120, 90, 60))  # pallet of drums
    for i in range(3):
        draw.ellipse((1000 + i * 70, 200, 1060 + i * 70, 260), fill=(40, 80, 150))
    x0, y0, x1, y1 = SCALE_BOX
    draw.rectangle((x0, y0, x1, y1), fill=(70, 72, 76), outline=(30, 90, 200), width=6)
    draw.rectangle((x1 + 30, 330, x1 + 110, 400), fill=(40, 40, 40))  # indicator
    draw.text((x1 + 45, 355), "88.88", fill=(80, 255, 80))
    if scene.bag:
        bag = (520, 250, 760, 600)
        draw.rounded_rectangle(bag, radius=40, fill=(236, 226, 190), outline=(160, 150, 120), width=4)
        if scene.label_text is not None:
            _label(image, scene.label_text, (560, 330))
    if scene.person_on_scale:
        _person(draw, 455, 170, 400)
    if scene.intruder_at is not None:
        _person(draw, scene.intruder_at, 150, 420)
    pixels = np.asarray(image, dtype=np.int16)
    noise = np.random.default_rng(scene.seed).integers(-6, 7, size=pixels.shape, dtype=np.int16)
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    if (sx, sy) != (1, 1):
        image = image.resize((scene.width, scene.height), Image.Resampling.LANCZOS)
    return image


def _label(image: Image.Image, text: str, at: tuple[int, int]) -> None:
    """A white label with its QR, as the printed label would sit on the bag (the QR about 5 cm across)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=2)
    qr.add_data(text)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    side = 150
    code = code.resize((side, side), Image.Resampling.NEAREST)
    x, y = at
    draw = ImageDraw.Draw(image)
    draw.rectangle(
        (x - 8, y - 8, x + side + 8, y + side + 40), fill=(255, 255, 255), outline=(200, 30, 30), width=3
    )
    image.paste(code, (x, y))
    draw.text((x, y + side + 8), "HW 900-249-08", fill=(200, 30, 30))


def _person(draw: ImageDraw.ImageDraw, x: int, top: int, height: int) -> None:
    """A dark standing figure: head, shoulders, arms, legs (what a pedestrian detector looks for)."""
    unit = height / 8
    cx = x + unit * 1.5
    dark, skin = (35, 38, 48), (170, 130, 110)
    draw.ellipse((cx - unit * 0.5, top, cx + unit * 0.5, top + unit), fill=skin)
    draw.rounded_rectangle(
        (cx - unit * 1.0, top + unit * 1.1, cx + unit * 1.0, top + unit * 4.2),
        radius=int(unit * 0.4),
        fill=dark,
    )
    draw.rectangle((cx - unit * 1.35, top + unit * 1.3, cx - unit * 1.0, top + unit * 3.9), fill=dark)
    draw.rectangle((cx + unit * 1.0, top + unit * 1.3, cx + unit * 1.35, top + unit * 3.9), fill=dark)
    draw.rectangle((cx - unit * 0.9, top + unit * 4.1, cx - unit * 0.1, top + unit * 8), fill=(30, 30, 70))
    draw.rectangle((cx + unit * 0.1, top + unit * 4.1, cx + unit * 0.9, top + unit * 8), fill=(30, 30, 70))
