"""Shared by the label and printer tests (no tests here): a full label's content and the printer profiles."""

from __future__ import annotations

import tomllib
from pathlib import Path

from protocols.label import LabelContent, PrinterProfile, profile_from_mapping

ROOT = Path(__file__).resolve().parents[1]
PROFILE_DIR = ROOT / "firmware-config" / "printers"
PAYLOAD = "https://hub.example.cn/t/91130200699229617X9002490820261123001"
# (render, qr) combinations a profile can be switched to: the QR must scan in every one of them.
MODES = {"native": ("native", "native"), "qr-raster": ("native", "raster"), "raster": ("raster", "raster")}

CONTENT = LabelContent(
    waste_name="废矿物油",
    category="HW08 废矿物油与含矿物油废物",
    waste_code="900-249-08",
    form="液态",
    hazards=("T", "I"),
    main_components="矿物油、水",
    harmful_components="石油烃、多环芳烃",
    precautions="远离火源，防止泄漏；佩戴防护手套",
    code="91130200699229617X9002490820261123001",
    producer="保定市某某机械制造有限公司",
    contact="张三 13800138000",
    production_date="2026-11-23",
    grams=12345,
    remark="第二批",
    qr_payload=PAYLOAD,
)


def profile_names() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def profile(name: str, mode: str | None = None) -> PrinterProfile:
    loaded = profile_from_mapping(tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8")))
    return loaded.with_mode(*MODES[mode]) if mode else loaded
