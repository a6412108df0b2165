"""`wastetrace edge print-test`: the installer's check that a printer prints our labels.

    wastetrace edge print-test --printer tcp://192.168.1.60:9100 --profile tspl-4in-203dpi-100x100
    wastetrace edge print-test --printer serial:///dev/ttyUSB0?baud=9600 --profile escpos-58mm-serial
    wastetrace edge print-test --list-profiles

It asks the printer's status, sends a sample label (all five hazard pictograms, a QR code, every field,
marked as a test) in the profile's encoding, and asks again. Exit status: 0 printed; 1 the printer is
unreachable or reports a fault (the reason is printed, in Chinese and English); 2 a bad profile or URI.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from edge.config import ConfigError
from edge.fonts import FontNotFound, cjk_font_path
from edge.printers.errors import PrinterError
from edge.printers.profiles import DEFAULT_PROFILE, list_profiles, load_profile
from edge.printers.status import describe
from edge.printers.wiring import open_printer
from protocols.label import LabelContent, LabelEncoder, LabelError

MODES = {"native": ("native", "native"), "qr-raster": ("native", "raster"), "raster": ("raster", "raster")}


def sample_content(payload: str) -> LabelContent:
    """A label with every field filled and every pictogram, plainly marked as a test."""
    return LabelContent(
        waste_name="打印测试（非危险废物标签）",
        category="HW08 废矿物油与含矿物油废物",
        waste_code="900-249-08",
        form="液态",
        hazards=("T", "C", "I", "R", "In"),
        main_components="测试内容",
        harmful_components="测试内容",
        precautions="本标签为打印机安装测试，请勿贴在废物容器上",
        code="PRINTTEST-0000000000000000000000000001",
        producer="打印测试",
        contact="安装人员",
        production_date="2026-01-01",
        grams=12345,
        remark="打印测试 PRINT TEST",
        qr_payload=payload,
    )


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("print-test", help="print a sample label; exit non-zero with the reason on a fault")
    p.add_argument(
        "--printer", default="", help="tcp://host:9100, serial:///dev/ttyUSB0?baud=9600, usb://VID:PID"
    )
    p.add_argument("--profile", default=DEFAULT_PROFILE, help="a profile name or .toml file")
    p.add_argument("--mode", choices=sorted(MODES), help="override the profile: native, qr-raster or raster")
    p.add_argument("--timeout", type=float, help="seconds to wait for the printer (default: the profile's)")
    p.add_argument("--payload", default="https://example.invalid/t/PRINT-TEST", help="what the QR encodes")
    p.add_argument("--out", type=Path, help="also save the label as sent to this PNG file")
    p.add_argument("--list-profiles", action="store_true", help="list the printer profiles and exit")


def run(args: argparse.Namespace) -> int:
    if args.list_profiles:
        for info in list_profiles():
            print(f"{info.name:32} {info.description}")
        return 0
    try:
        profile = load_profile(args.profile)
        if args.mode:
            profile = profile.with_mode(*MODES[args.mode])
        printer = open_printer(args.printer, profile, timeout_s=args.timeout)
        encoded = LabelEncoder(cjk_font_path(), profile).encode(sample_content(args.payload))
    except (ConfigError, LabelError, FontNotFound) as exc:
        print(f"wastetrace edge print-test: {exc}", file=sys.stderr)
        return 2
    if args.out is not None:
        encoded.preview.save(args.out, "PNG")
    print(f"{printer.name}: profile {profile.name}, {encoded.mode}, {len(encoded.data)} bytes", flush=True)

    async def attempt() -> str:
        status = await printer.status_ok()
        await printer.print_label(encoded.data)
        return describe(status)[0]

    try:
        before = asyncio.run(attempt())
    except PrinterError as exc:
        print(f"打印测试失败：{exc.message_zh}\nprint test failed: {exc}", file=sys.stderr)
        return 1
    print(f"打印测试成功（{before}）。print test label sent and confirmed by the printer.")
    return 0
