"""Compose a bag's label from the catalogue and the enterprise's settings, render it and keep the PNG."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from edge.config import EdgeConfig
from edge.fonts import cjk_font_path
from protocols.catalogue import Catalogue
from protocols.label import LabelContent, LabelRenderer, label_to_escpos


@dataclass(frozen=True, slots=True)
class RenderedLabel:
    content: LabelContent
    png: bytes
    escpos: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


class LabelMaker:
    def __init__(self, config: EdgeConfig, catalogue: Catalogue) -> None:
        self.config = config
        self.catalogue = catalogue
        self.renderer = LabelRenderer(cjk_font_path().read_bytes())
        self.dir = config.data_dir / "labels"
        self.dir.mkdir(parents=True, exist_ok=True)

    def content(
        self, code: str, waste_code: str, grams: int, date_iso: str, *, reprint: bool = False
    ) -> LabelContent:
        waste = self.catalogue.get(waste_code)
        local = self.config.waste_type(waste_code)
        return LabelContent(
            waste_name=local.name if local else waste.description,
            category=f"{waste.category_code} {waste.category_name}",
            waste_code=waste_code,
            form=local.form if local else "",
            hazards=waste.hazards,
            main_components=local.main_components if local else "",
            harmful_components=local.harmful_components if local else "",
            precautions=local.precautions if local else "",
            code=code,
            producer=self.config.enterprise_name,
            contact=self.config.contact,
            production_date=date_iso,
            grams=grams,
            remark="",
            qr_payload=f"{self.config.hub_public_url}/t/{code}",
            reprint=reprint,
        )

    def render(self, content: LabelContent) -> RenderedLabel:
        image = self.renderer.render(content)
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return RenderedLabel(content, buf.getvalue(), label_to_escpos(image))

    def keep(self, label: RenderedLabel) -> Path:
        """Write the label PNG atomically, so a power cut never leaves half an image under its name."""
        suffix = "-reprint" if label.content.reprint else ""
        path = self.dir / f"{label.content.code}{suffix}.png"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(label.png)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return path

    def path_for(self, code: str) -> Path:
        return self.dir / f"{code}.png"
