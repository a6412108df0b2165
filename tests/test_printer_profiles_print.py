"""Every shipped printer profile prints `wastetrace edge print-test`, with the sample payload and with a
real label's trace URL, to the simulator of its language over TCP; the printed QR reads back."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from edge.printers.cli import sample_content
from tests.label_support import ROOT
from tests.print_support import printer_simulator

SHIPPED = sorted(p.stem for p in (ROOT / "firmware-config" / "printers").glob("*.toml"))
REAL = "https://wt.example.gov.cn/t/91130200699229617X9002490820261205001"


def test_there_are_profiles_to_try():
    assert "tspl-8in-203dpi-200x200" in SHIPPED and len(SHIPPED) >= 8


@pytest.mark.parametrize("name", SHIPPED)
async def test_every_shipped_profile_prints_its_test_label_and_a_real_one(name, tmp_path):
    async with printer_simulator(name, tmp_path / "labels", cjk_font_path().read_bytes()) as sim:
        for payload in (None, REAL):
            args = ["--printer", f"tcp://127.0.0.1:{sim.port}", "--profile", name, "--timeout", "20"]
            args += ["--payload", payload] if payload else []

            def run(args=args) -> subprocess.CompletedProcess:
                return subprocess.run(
                    [sys.executable, "-m", "wastetrace.cli", "edge", "print-test", *args],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )

            result = await asyncio.to_thread(run)  # the simulator is served by this loop meanwhile
            assert result.returncode == 0, result.stderr
        pngs = sim.labels()
        assert len(pngs) == 2
        want = [sample_content("https://example.invalid/t/PRINT-TEST").qr_payload, REAL]
        got = [[r.text for r in zxingcpp.read_barcodes(Image.open(p).convert("L"))] for p in pngs]
        assert got == [[w] for w in want]
