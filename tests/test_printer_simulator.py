"""The edge printer client against the simulated ESC/POS printer, over real TCP."""

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from edge.printers.errors import CoverOpen, PaperOut, PrinterOffline
from edge.printers.printer import LabelPrinter
from edge.printers.profiles import DEFAULT_PROFILE, load_profile
from edge.printers.wiring import open_printer
from protocols.escpos import PrinterStatus
from protocols.label import LabelContent, LabelRenderer, label_to_escpos
from simulators.printer import PrinterSimulator

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = "https://hub/t/91130200699229617X9002490820261123001"


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


@pytest.fixture(scope="module")
def label_bytes(font_bytes) -> bytes:
    content = LabelContent(
        waste_name="废矿物油",
        category="HW08 废矿物油与含矿物油废物",
        waste_code="900-249-08",
        form="液态",
        hazards=("T", "I"),
        main_components="矿物油",
        harmful_components="石油烃",
        precautions="远离火源",
        code="91130200699229617X9002490820261123001",
        producer="保定市某机械有限公司",
        contact="张三 13800138000",
        production_date="2026-11-23",
        grams=12345,
        remark="",
        qr_payload=PAYLOAD,
    )
    return label_to_escpos(LabelRenderer(font_bytes).render(content))


@pytest.fixture
async def sim(tmp_path, font_bytes):
    async with PrinterSimulator(tmp_path / "labels", port=0, control_port=0, font_bytes=font_bytes) as sim:
        yield sim


def tcp_printer(host: str, port: int, *, timeout_s: float) -> LabelPrinter:
    """An ESC/POS printer on raw TCP, opened as the edge opens one from its configuration."""
    return open_printer(f"tcp://{host}:{port}", load_profile(DEFAULT_PROFILE), timeout_s=timeout_s)


def client(sim: PrinterSimulator) -> LabelPrinter:
    return tcp_printer(sim.host, sim.port, timeout_s=2.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_idle_printer_reports_ready(sim):
    assert await client(sim).status() == PrinterStatus()


async def test_printed_label_is_saved_as_png_whose_qr_decodes_to_the_payload(sim, label_bytes):
    await client(sim).print_label(label_bytes)
    (png,) = sim.labels()
    assert png.name == "label-0001.png"
    results = zxingcpp.read_barcodes(Image.open(png).convert("L"))
    assert [r.text for r in results] == [PAYLOAD]


async def test_labels_are_numbered_in_order(sim, label_bytes):
    printer = client(sim)
    await printer.print_label(label_bytes)
    await printer.print_label(label_bytes)
    assert [p.name for p in sim.labels()] == ["label-0001.png", "label-0002.png"]


async def test_paper_out_raises_paper_out_and_prints_nothing(sim, label_bytes):
    sim.set_fault("paper_out")
    with pytest.raises(PaperOut) as caught:
        await client(sim).print_label(label_bytes)
    assert "缺纸" in caught.value.message_zh
    assert not caught.value.label_sent
    assert sim.labels() == []


async def test_cover_open_raises_cover_open(sim, label_bytes):
    sim.set_fault("cover_open")
    with pytest.raises(CoverOpen) as caught:
        await client(sim).print_label(label_bytes)
    assert "机盖" in caught.value.message_zh
    assert sim.labels() == []


async def test_offline_printer_raises_printer_offline(sim):
    sim.set_fault("offline")
    with pytest.raises(PrinterOffline):
        await client(sim).status_ok()


async def test_data_sent_while_faulted_is_not_printed_after_recovery(sim, label_bytes):
    sim.set_fault("paper_out")
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(label_bytes + b"\x10\x04\x01")
    assert await reader.readexactly(1) == b"\x1a"
    sim.set_fault("none")
    writer.write(b"\x10\x04\x01")
    assert await reader.readexactly(1) == b"\x12"
    writer.close()
    await writer.wait_closed()
    assert sim.labels() == []


async def test_nothing_listening_raises_printer_offline():
    with pytest.raises(PrinterOffline) as caught:
        await tcp_printer("127.0.0.1", free_port(), timeout_s=1.0).print_label(b"\x1b@")
    assert caught.value.message_zh
    assert "cannot connect" in str(caught.value)


async def test_peer_that_never_answers_status_raises_printer_offline():
    async def silent(reader, writer):
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(PrinterOffline, match="no answer"):
            await tcp_printer("127.0.0.1", port, timeout_s=0.2).status()


async def test_paper_running_out_during_the_print_raises_paper_out_and_marks_the_label_sent():
    # A printer that is fine before the label and out of paper after it: the label is not confirmed.
    async def runs_out(reader, writer):
        answers = iter([0x12, 0x12, 0x12, 0x1A, 0x32, 0x7E])
        while data := await reader.read(65536):
            for i in range(len(data) - 2):
                if data[i : i + 2] == b"\x10\x04":
                    writer.write(bytes([next(answers)]))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(runs_out, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(PaperOut) as caught:
            await tcp_printer("127.0.0.1", port, timeout_s=2.0).print_label(b"\x1b@AB\n")
    assert caught.value.label_sent
    assert "打印中缺纸" in caught.value.message_zh


async def test_control_api_switches_faults_and_lists_labels(sim, label_bytes):
    base = f"http://{sim.host}:{sim.control_port}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/fault", json={"fault": "paper_out"}) as resp:
            assert resp.status == 200
        assert sim.fault == "paper_out"
        async with http.post(f"{base}/fault", json={"fault": "on_fire"}) as resp:
            assert resp.status == 400
        async with http.post(f"{base}/fault", json={"fault": "none"}) as resp:
            assert resp.status == 200
        await client(sim).print_label(label_bytes)
        async with http.get(f"{base}/labels") as resp:
            assert (await resp.json()) == {"labels": ["label-0001.png"]}


def test_command_line_prints_where_it_listens(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wastetrace.cli",
            "sim",
            "printer",
            "--port",
            "0",
            "--control-port",
            "0",
            "--out",
            str(tmp_path),
        ],
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
    assert line.startswith("printer simulator: tcp://127.0.0.1:")
    assert line.rstrip().endswith(f"-> {tmp_path}")
    assert proc.returncode == 0
