"""`wastetrace edge print-test`: prints a sample label, and exits non-zero with the reason on a fault."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from edge.printers.cli import sample_content
from simulators.tspl_printer import TsplPrinterSimulator
from tests.label_support import ROOT

PROFILE = "tspl-4in-203dpi-100x100"


@pytest.fixture
async def sim(tmp_path):
    async with TsplPrinterSimulator(
        tmp_path / "labels", port=0, control_port=None, font_bytes=cjk_font_path().read_bytes()
    ) as sim:
        yield sim


async def print_test(*args: str) -> subprocess.CompletedProcess:
    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "wastetrace.cli", "edge", "print-test", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    # The simulator runs in this event loop, so the command runs in a thread while the loop serves it.
    return await asyncio.to_thread(run)


async def test_a_ready_printer_prints_the_sample_and_exits_0(sim, tmp_path):
    result = await print_test("--printer", f"tcp://127.0.0.1:{sim.port}", "--profile", PROFILE)
    assert result.returncode == 0, result.stderr
    assert "打印测试成功" in result.stdout
    (png,) = sim.labels()
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))] == [
        sample_content("https://example.invalid/t/PRINT-TEST").qr_payload
    ]


async def test_a_printer_out_of_paper_exits_1_with_the_reason(sim):
    sim.set_fault("paper_out")
    result = await print_test("--printer", f"tcp://127.0.0.1:{sim.port}", "--profile", PROFILE)
    assert result.returncode == 1
    assert "缺纸" in result.stderr and "out of paper" in result.stderr
    assert sim.labels() == []


async def test_nothing_listening_exits_1(tmp_path):
    result = await print_test("--printer", "tcp://127.0.0.1:9", "--profile", PROFILE, "--timeout", "1")
    assert result.returncode == 1 and "未连接" in result.stderr


async def test_an_unknown_profile_exits_2():
    result = await print_test("--printer", "tcp://127.0.0.1:9", "--profile", "no-such-printer")
    assert result.returncode == 2 and "no printer profile" in result.stderr


async def test_the_mode_can_be_forced_and_the_label_saved(sim, tmp_path):
    out = tmp_path / "sent.png"
    result = await print_test(
        "--printer",
        f"tcp://127.0.0.1:{sim.port}",
        "--profile",
        PROFILE,
        "--mode",
        "raster",
        "--out",
        str(out),
    )
    assert result.returncode == 0 and "raster" in result.stdout
    assert out.is_file()
