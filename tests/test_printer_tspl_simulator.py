"""The TSPL label printer simulator over TCP, driven by the edge's printer client: status, faults, PNGs."""

import asyncio
import subprocess
import sys

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from edge.printers.errors import CoverOpen, PaperJam, PaperOut, PrinterOffline, PrinterPaused, RibbonOut
from edge.printers.wiring import open_printer
from protocols.escpos import PrinterStatus
from protocols.label import LabelEncoder
from simulators.tspl_printer import TsplPrinterSimulator
from tests.label_support import CONTENT, PAYLOAD, ROOT, profile

PROFILE = "tspl-4in-203dpi-100x100"


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


@pytest.fixture(scope="module")
def label(font_bytes) -> bytes:
    return LabelEncoder(font_bytes, profile(PROFILE)).encode(CONTENT).data


@pytest.fixture
async def sim(tmp_path, font_bytes):
    async with TsplPrinterSimulator(
        tmp_path / "labels", port=0, control_port=0, font_bytes=font_bytes
    ) as sim:
        yield sim


def client(sim, timeout_s=2.0):
    return open_printer(f"tcp://127.0.0.1:{sim.port}", profile(PROFILE), timeout_s=timeout_s)


async def test_idle_printer_answers_zero_and_is_ready(sim):
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"\x1b!?")
    assert await reader.readexactly(1) == b"\x00"
    writer.close()
    assert await client(sim).status() == PrinterStatus()


async def test_printed_label_is_saved_as_png_whose_qr_decodes(sim, label):
    await client(sim).print_label(label)
    (png,) = sim.labels()
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))] == [PAYLOAD]


@pytest.mark.parametrize(
    ("fault", "byte", "error", "words"),
    [
        ("paper_out", 0x04, PaperOut, "缺纸"),
        ("cover_open", 0x40, CoverOpen, "机盖"),
        ("jammed", 0x02, PaperJam, "卡纸"),
        ("ribbon_out", 0x08, RibbonOut, "碳带"),
        ("offline", 0x10, PrinterPaused, "暂停"),
    ],
)
async def test_faults_answer_their_status_bit_and_stop_the_label(sim, label, fault, byte, error, words):
    sim.set_fault(fault)
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"\x1b!?")
    assert await reader.readexactly(1) == bytes([byte])
    writer.close()
    with pytest.raises(error) as caught:
        await client(sim).print_label(label)
    assert words in caught.value.message_zh
    assert not caught.value.label_sent
    assert sim.labels() == []


async def test_a_switched_off_printer_is_offline_and_prints_when_switched_on(sim, label):
    sim.set_fault("power_off")
    with pytest.raises(PrinterOffline):
        await client(sim).print_label(label)
    sim.set_fault("none")
    await client(sim).print_label(label)
    assert len(sim.labels()) == 1


async def test_a_connection_dropped_mid_label_is_reported_as_maybe_printed(sim, label):
    sim.drop_next_label()
    with pytest.raises(PrinterOffline) as caught:
        await client(sim).print_label(label)
    assert caught.value.label_sent
    assert sim.labels() == []


async def test_paper_running_out_under_a_label_tears_it_and_reports_paper_out(sim, label):
    sim.load_paper(1)
    await client(sim).print_label(label)
    with pytest.raises(PaperOut) as caught:
        await client(sim).print_label(label)
    assert caught.value.label_sent
    assert "打印中缺纸" in caught.value.message_zh
    assert len(sim.labels()) == 1 and sim.torn_labels == 1
    sim.load_paper(None)
    await client(sim).print_label(label)
    assert len(sim.labels()) == 2


async def test_control_api_switches_faults_paper_and_drops(sim, label):
    base = f"http://{sim.host}:{sim.control_port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/fault", json={"fault": "ribbon_out"}) as resp:
            assert resp.status == 200
        assert sim.fault == "ribbon_out"
        async with http.post(f"{base}/fault", json={"fault": "on_fire"}) as resp:
            assert resp.status == 400
        async with http.post(f"{base}/paper", json={"labels": 5}) as resp:
            assert (await resp.json()) == {"fault": "ribbon_out", "paper_labels": 5}
        async with http.post(f"{base}/paper", json={"labels": -1}) as resp:
            assert resp.status == 400
        async with http.post(f"{base}/fault", json={"fault": "none"}) as resp:
            assert resp.status == 200
        async with http.post(f"{base}/drop") as resp:
            assert resp.status == 200
        with pytest.raises(PrinterOffline):
            await client(sim).print_label(label)
        await client(sim).print_label(label)
        async with http.get(f"{base}/labels") as resp:
            assert (await resp.json()) == {"labels": ["label-0001.png"]}


def test_command_line_prints_where_it_listens(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "wastetrace.cli", "sim", "tspl-printer", "--port", "0", "--control-port", "0"]
        + ["--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert line.startswith("tspl printer simulator: tcp://127.0.0.1:")
    assert proc.returncode == 0
