"""Real-time status bytes (DLE EOT n): the pattern 0xx1xx10 and what each bit means."""

import pytest

from protocols.escpos import (
    STATUS_QUERIES,
    PrinterStatus,
    StatusByteError,
    combine_status,
    parse_status,
    status_byte,
)


def test_status_queries_are_dle_eot_n():
    assert STATUS_QUERIES[1] == b"\x10\x04\x01"
    assert STATUS_QUERIES[2] == b"\x10\x04\x02"
    assert STATUS_QUERIES[4] == b"\x10\x04\x04"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_idle_printer_answers_0x12_and_is_ready(n):
    assert parse_status(n, 0x12) == PrinterStatus()
    assert parse_status(n, 0x12).ready


@pytest.mark.parametrize(
    ("n", "byte", "expected"),
    [
        (1, 0x1A, PrinterStatus(online=False)),
        (2, 0x16, PrinterStatus(cover_open=True)),
        (2, 0x32, PrinterStatus(paper_end=True)),
        (2, 0x52, PrinterStatus(error=True)),
        (3, 0x32, PrinterStatus(error=True)),
        (4, 0x1E, PrinterStatus(paper_near_end=True)),
        (4, 0x72, PrinterStatus(paper_end=True)),
        (4, 0x7E, PrinterStatus(paper_end=True, paper_near_end=True)),
    ],
)
def test_status_bits(n, byte, expected):
    assert parse_status(n, byte) == expected


@pytest.mark.parametrize("byte", [0x00, 0x60, 0xFF, 0x13, 0x92])
def test_byte_without_the_fixed_pattern_is_refused(byte):
    with pytest.raises(StatusByteError):
        parse_status(1, byte)


def test_paper_near_end_still_prints():
    assert PrinterStatus(paper_near_end=True).ready


def test_answers_combine_into_one_status():
    status = combine_status({1: 0x1A, 2: 0x32, 4: 0x7E})
    assert status == PrinterStatus(online=False, paper_end=True, paper_near_end=True)
    assert not status.ready


@pytest.mark.parametrize(
    "status",
    [
        PrinterStatus(),
        PrinterStatus(online=False),
        PrinterStatus(cover_open=True),
        PrinterStatus(paper_end=True, paper_near_end=True),
        PrinterStatus(paper_near_end=True),
    ],
)
def test_simulator_bytes_parse_back_to_the_status_plus_offline_when_it_cannot_print(status):
    parsed = combine_status({n: status_byte(n, status) for n in (1, 2, 4)})
    assert parsed.cover_open == status.cover_open
    assert parsed.paper_end == status.paper_end
    assert parsed.paper_near_end == status.paper_near_end
    assert parsed.online == (status.online and not status.cover_open and not status.paper_end)


def test_paper_out_answers_match_the_reference():
    out = PrinterStatus(paper_end=True, paper_near_end=True)
    assert [status_byte(n, out) for n in (1, 2, 4)] == [0x1A, 0x32, 0x7E]
