"""Compose a bag's label from the catalogue and the enterprise's settings, encode it for the site's printer
(per its profile: native commands or raster) and keep the PNG of what was sent."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from edge.config import EdgeConfig
from edge.fonts import cjk_font_path
from edge.printers.profiles import DEFAULT_PROFILE, load_profile
from protocols.catalogue import Catalogue
from protocols.label import LabelContent, LabelEncoder, PrinterProfile


@dataclass(frozen=True, slots=True)
class RenderedLabel:
    content: LabelContent
    png: bytes
    data: bytes  # the bytes for the printer, in its language
    mode: str = "raster"  # "native", "native text, raster QR" or "raster"
    fallback: str = ""  # why a native profile's label went as raster (a character not in its font)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


class LabelMaker:
    def __init__(
        self, config: EdgeConfig, catalogue: Catalogue, profile: PrinterProfile | None = None
    ) -> None:
        self.config = config
        self.catalogue = catalogue
        self.profile = profile or load_profile(DEFAULT_PROFILE)
        self.encoder = LabelEncoder(cjk_font_path(), self.profile)
        self.dir = config.data_dir / "labels"
        self.dir.mkdir(parents=True, exist_ok=True)

    def content(
        self,
        code: str,
        waste_code: str,
        grams: int,
        date_iso: str,
        *,
        reprint: bool = False,
        remark: str = "",
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
            remark=remark,
            qr_payload=f"{self.config.hub_public_url}/t/{code}",
            reprint=reprint,
        )

    def render(self, content: LabelContent) -> RenderedLabel:
        encoded = self.encoder.encode(content)
        buf = io.BytesIO()
        encoded.preview.save(buf, format="PNG")
        return RenderedLabel(content, buf.getvalue(), encoded.data, encoded.mode, encoded.fallback)

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
        """The newest label printed for the bag: its reprint if there is one."""
        reprint = self.dir / f"{code}-reprint.png"
        return reprint if reprint.is_file() else self.dir / f"{code}.png"
