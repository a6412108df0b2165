"""The TSPL status byte (answer to <ESC>!?): each bit, and what it means for the edge."""

import pytest

from protocols.escpos import PrinterStatus
from protocols.tspl import TsplStatus, TsplStatusError, from_printer_status, parse_status_byte, status_byte


def test_zero_is_ready():
    assert parse_status_byte(0x00) == TsplStatus()
    assert parse_status_byte(0x00).ready


@pytest.mark.parametrize(
    ("byte", "field"),
    [
        (0x01, "head_open"),
        (0x02, "jammed"),
        (0x04, "paper_out"),
        (0x08, "ribbon_out"),
        (0x10, "paused"),
        (0x20, "printing"),
        (0x40, "cover_open"),
        (0x80, "temperature"),
    ],
)
def test_each_bit(byte, field):
    assert parse_status_byte(byte) == TsplStatus(**{field: True})
    assert status_byte(TsplStatus(**{field: True})) == byte


def test_printing_is_not_a_fault():
    assert parse_status_byte(0x20).ready


@pytest.mark.parametrize(
    ("byte", "expected"),
    [
        (0x04, PrinterStatus(paper_end=True)),
        (0x40, PrinterStatus(cover_open=True)),
        (0x01, PrinterStatus(cover_open=True)),
        (0x02, PrinterStatus(jammed=True)),
        (0x08, PrinterStatus(ribbon_end=True)),
        (0x10, PrinterStatus(paused=True)),
        (0x80, PrinterStatus(error=True)),
    ],
)
def test_maps_onto_the_common_printer_status(byte, expected):
    assert parse_status_byte(byte).to_printer_status() == expected
    assert not expected.ready


def test_an_offline_printer_is_a_paused_one():
    assert status_byte(from_printer_status(PrinterStatus(online=False))) == 0x10


def test_not_a_byte_is_refused():
    with pytest.raises(TsplStatusError):
        parse_status_byte(256)
