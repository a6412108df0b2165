"""The ESC/POS decoder on byte-exact vectors (device-protocols.md §2): whole, byte by byte, in pieces."""

import pytest
from escpos.printer import Dummy

from protocols.escpos import (
    NEED_DATA,
    CharacterSize,
    ChineseMode,
    Cut,
    EscposDecoder,
    Feed,
    Initialize,
    Justify,
    QrErrorCorrection,
    QrModuleSize,
    QrPrint,
    QrStore,
    RasterImage,
    StatusRequest,
    Text,
    Unknown,
)

# python-escpos 3.1 qr("ABC", native=True, size=3): model 2, module 3, EC L, store "ABC", print.
QR_ABC = bytes.fromhex(
    "1d 28 6b 04 00 31 41 32 00  1d 28 6b 03 00 31 43 03  1d 28 6b 03 00 31 45 30"
    "  1d 28 6b 06 00 31 50 30 41 42 43  1d 28 6b 03 00 31 51 30"
)
QR_ABC_EVENTS = [
    Unknown(bytes.fromhex("1d286b040031413200")),  # model 2: every printer we meet has only model 2
    QrModuleSize(3),
    QrErrorCorrection("L"),
    QrStore(b"ABC"),
    QrPrint(),
]
RASTER_8X2 = bytes.fromhex("1d 76 30 00 01 00 02 00 ff ff")
CUT = bytes.fromhex("1b 64 06 1d 56 00")
TEXT_WEIFEI = bytes.fromhex("ce a3 b7 cf 0a")  # 危废\n in GB18030

VECTORS = [
    pytest.param(QR_ABC, QR_ABC_EVENTS, id="qr-native"),
    pytest.param(RASTER_8X2, [RasterImage(8, 2, b"\xff\xff")], id="raster-8x2"),
    pytest.param(CUT, [Feed(6), Cut()], id="cut"),
    pytest.param(TEXT_WEIFEI, [Text(TEXT_WEIFEI)], id="text-gb18030"),
    pytest.param(
        b"\x10\x04\x01\x10\x04\x02\x10\x04\x04",
        [StatusRequest(1), StatusRequest(2), StatusRequest(4)],
        id="dle-eot",
    ),
    pytest.param(b"\x1b@", [Initialize()], id="initialize"),
]


def events_of(decoder: EscposDecoder) -> list:
    events = []
    while (event := decoder.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def decode(chunks) -> list:
    decoder = EscposDecoder()
    events = []
    for chunk in chunks:
        decoder.receive_data(chunk)
        events += events_of(decoder)
    return events


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_vector_fed_whole(data, expected):
    assert decode([data]) == expected


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_vector_fed_byte_by_byte(data, expected):
    assert decode([data[i : i + 1] for i in range(len(data))]) == expected


@pytest.mark.parametrize(("data", "expected"), VECTORS)
def test_vector_followed_by_more_commands(data, expected):
    assert decode([data + b"\x1b@"]) == [*expected, Initialize()]


def test_python_escpos_qr_bytes_are_the_documented_vector():
    printer = Dummy()
    printer.qr("ABC", native=True, size=3)
    assert printer.output == QR_ABC


def test_raster_header_split_from_its_data_waits_for_all_of_it():
    decoder = EscposDecoder()
    decoder.receive_data(RASTER_8X2[:5])
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(RASTER_8X2[5:8])
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(RASTER_8X2[8:])
    assert decoder.next_event() == RasterImage(8, 2, b"\xff\xff")


def test_text_is_released_at_line_feed_not_at_chunk_boundary():
    decoder = EscposDecoder()
    decoder.receive_data(b"\xce\xa3")
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(b"\xb7\xcf\nAB")
    assert decoder.next_event() == Text(b"\xce\xa3\xb7\xcf\n")
    assert decoder.next_event() is NEED_DATA


def test_text_is_released_before_the_next_command():
    assert decode([b"AB\x1bd\x02"]) == [Text(b"AB"), Feed(2)]


def test_status_request_inside_a_text_line_is_answered_without_waiting_for_the_line_end():
    assert decode([b"AB\x10\x04\x01"]) == [Text(b"AB"), StatusRequest(1)]


def test_commands_with_arguments_are_skipped_whole():
    # ESC a 1 (centre), ESC E 1 (bold), ESC ! 0x30, GS ! 0x11, FS & (Chinese mode): none may leak into text.
    data = b"\x1ba\x01\x1bE\x01\x1b!\x30\x1d!\x11\x1c&OK\n"
    assert decode([data]) == [
        Justify(1),
        Unknown(b"\x1bE\x01"),
        Unknown(b"\x1b!\x30"),
        CharacterSize(2, 2),
        ChineseMode(True),
        Text(b"OK\n"),
    ]


def test_column_image_data_is_not_read_as_text():
    data = b"\x1b*\x00\x03\x00" + b"\x0a\x1b\x41" + b"X\n"
    assert decode([data]) == [Unknown(b"\x1b*\x00\x03\x00\x0a\x1b\x41"), Text(b"X\n")]


def test_partial_cut_is_a_cut():
    assert decode([b"\x1dVB\x03", b"\x1bm"]) == [Cut(partial=True), Cut(partial=True)]


def test_stray_control_byte_becomes_unknown():
    assert decode([b"\x00A\n"]) == [Unknown(b"\x00"), Text(b"A\n")]


def test_oversized_command_is_reported_and_its_body_discarded():
    decoder = EscposDecoder(max_command_bytes=64)
    header = bytes.fromhex("1d7630000a000a00")  # 10 bytes × 10 rows = 100 bytes of data
    decoder.receive_data(header + b"\xff" * 40)
    assert decoder.next_event() == Unknown(header)
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(b"\xff" * 60 + b"\x1b@")
    assert decoder.next_event() == Initialize()
    assert decoder.buffered == 0


def test_long_line_without_line_feed_is_released_in_bounded_pieces():
    decoder = EscposDecoder(max_text_bytes=16)
    decoder.receive_data(b"A" * 40)
    assert events_of(decoder) == [Text(b"A" * 16), Text(b"A" * 16)]
    assert decoder.buffered == 8


def test_whole_label_decodes_the_same_in_odd_sized_chunks():
    printer = Dummy()
    printer.hw("INIT")
    printer.text("危险废物\n")
    printer.qr("https://hub/t/X", native=True, size=4)
    printer.cut()
    data = printer.output
    whole = decode([data])
    chunked = decode([data[i : i + 7] for i in range(0, len(data), 7)])
    assert chunked == whole
    assert whole[0] == Initialize() and whole[-1] == Cut()
