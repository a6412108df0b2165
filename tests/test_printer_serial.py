"""Printers on a serial line: both simulators on a pseudo-terminal, the edge through pyserial (and a device
file), labels and status answers over the line."""

import pytest
import zxingcpp
from PIL import Image

from edge.fonts import cjk_font_path
from edge.printers.errors import PaperOut, PrinterOffline
from edge.printers.wiring import open_printer
from protocols.escpos import PrinterStatus
from protocols.label import LabelEncoder
from simulators.printer import PrinterSimulator
from simulators.tspl_printer import TsplPrinterSimulator
from tests.label_support import CONTENT, PAYLOAD, profile
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def font_bytes() -> bytes:
    return cjk_font_path().read_bytes()


def qr_texts(png) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(png).convert("L"))]


@pytest.fixture
async def escpos_line(tmp_path, font_bytes):
    link = tmp_path / "printer.tty"
    async with PrinterSimulator(
        tmp_path / "out", port=None, control_port=None, serial_link=link, font_bytes=font_bytes, width_px=384
    ) as sim:
        yield sim


@pytest.fixture
async def tspl_line(tmp_path, font_bytes):
    link = tmp_path / "label.tty"
    async with TsplPrinterSimulator(
        tmp_path / "out", port=None, control_port=None, serial_link=link, font_bytes=font_bytes
    ) as sim:
        yield sim


async def test_escpos_label_over_a_serial_line(escpos_line, font_bytes):
    prof = profile("escpos-58mm-serial")
    printer = open_printer(f"serial://{escpos_line.serial_link}?baud=9600", prof, timeout_s=3.0)
    await printer.print_label(LabelEncoder(font_bytes, prof).encode(CONTENT).data)
    # A 58 mm printer has no cutter: the label is done when the host stops sending.
    await wait_for(lambda: len(escpos_line.labels()) == 1)
    assert qr_texts(escpos_line.labels()[0]) == [PAYLOAD]


async def test_tspl_label_over_a_serial_line(tspl_line, font_bytes):
    prof = profile("tspl-4in-203dpi-100x100")
    printer = open_printer(f"serial://{tspl_line.serial_link}?baud=115200&rtscts=1", prof, timeout_s=3.0)
    await printer.print_label(LabelEncoder(font_bytes, prof).encode(CONTENT).data)
    await wait_for(lambda: len(tspl_line.labels()) == 1)
    assert qr_texts(tspl_line.labels()[0]) == [PAYLOAD]


async def test_status_over_a_serial_line(tspl_line):
    printer = open_printer(f"serial://{tspl_line.serial_link}", profile("tspl-4in-203dpi-100x100"))
    assert await printer.status() == PrinterStatus()


async def test_paper_out_over_a_serial_line_prints_nothing(escpos_line, font_bytes):
    prof = profile("escpos-58mm-serial")
    escpos_line.set_fault("paper_out")
    printer = open_printer(f"serial://{escpos_line.serial_link}", prof, timeout_s=3.0)
    with pytest.raises(PaperOut) as caught:
        await printer.print_label(LabelEncoder(font_bytes, prof).encode(CONTENT).data)
    assert not caught.value.label_sent
    assert escpos_line.labels() == []


async def test_a_switched_off_serial_printer_is_offline(escpos_line):
    escpos_line.set_fault("power_off")
    printer = open_printer(
        f"serial://{escpos_line.serial_link}", profile("escpos-58mm-serial"), timeout_s=0.5
    )
    with pytest.raises(PrinterOffline, match="no answer"):
        await printer.status()


async def test_a_printer_device_file_works_like_the_serial_line(escpos_line, font_bytes):
    prof = profile("escpos-58mm-serial")
    printer = open_printer(f"file://{escpos_line.serial_link}", prof, timeout_s=3.0)
    await printer.print_label(LabelEncoder(font_bytes, prof).encode(CONTENT).data)
    await wait_for(lambda: len(escpos_line.labels()) == 1)
    assert qr_texts(escpos_line.labels()[0]) == [PAYLOAD]


async def test_a_missing_serial_device_is_offline(tmp_path):
    printer = open_printer(f"serial://{tmp_path}/ttyNONE", profile("escpos-58mm-serial"), timeout_s=1.0)
    with pytest.raises(PrinterOffline, match="cannot open"):
        await printer.status()
