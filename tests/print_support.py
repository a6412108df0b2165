"""Shared by the print-queue tests (no tests here): an edge with a chosen printer profile against the
printer simulators, a scale on a pty and the real hub."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp
import zxingcpp
from PIL import Image

from simulators.printer import PrinterSimulator
from simulators.tspl_printer import TsplPrinterSimulator
from tests.edge_support import HubServer, enrolled_config
from tests.label_support import profile


def printer_simulator(profile_name: str, out: Path, font_bytes: bytes):
    prof = profile(profile_name)
    if prof.language == "tspl":
        return TsplPrinterSimulator(out, port=0, control_port=None, font_bytes=font_bytes, dpi=prof.dpi)
    return PrinterSimulator(out, port=0, control_port=None, font_bytes=font_bytes, width_px=prof.width_dots)


def edge_config(tmp: Path, hub: HubServer, scale_link: str, printer_port: int, profile_name: str):
    """An enrolled edge printing with `profile_name`, its scale judged quickly (3 readings over 100 ms)."""
    config = enrolled_config(tmp, hub, scale_link, printer_port)
    return replace(
        config,
        printer=replace(config.printer, profile=profile_name),
        scale=replace(config.scale, window=3, min_span_ms=100),
    )


async def weigh(config, waste_code: str = "900-249-08") -> tuple[int, dict]:
    url = f"http://127.0.0.1:{config.ui_port}/api/v1/weighings"
    async with aiohttp.ClientSession() as s, s.post(url, json={"waste_code": waste_code}) as resp:
        return resp.status, await resp.json()


async def call(config, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{config.ui_port}{path}"
    async with aiohttp.ClientSession() as s, s.request(method, url, json=body) as resp:
        return resp.status, await resp.json()


def printed_codes(pngs: list[Path]) -> list[str]:
    """The 数字识别码 each printed label's QR leads to (…/t/{code})."""
    codes = []
    for png in pngs:
        (result,) = [r for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))]
        codes.append(result.text.rsplit("/", 1)[1])
    return codes
