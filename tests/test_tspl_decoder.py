"""The TSPL decoder on byte-exact vectors: whole, byte by byte, in pieces, with binary bitmaps inside."""

import pytest

from protocols.tspl import (
    NEED_DATA,
    Bar,
    Bitmap,
    Box,
    Cls,
    Direction,
    Gap,
    Length,
    Print,
    QrCode,
    Reverse,
    Size,
    StatusQuery,
    Text,
    TsplDecoder,
    Unknown,
)
from tests.test_tspl_commands import SAMPLE

SAMPLE_EVENTS = [
    Size(Length(60, "mm"), Length(40, "mm")),
    Gap(Length(2, "mm"), Length(0, "mm")),
    Direction(1),
    Cls(),
    Text(20, 20, "TSS24.BF2", 0, 1, 1, "危险废物".encode("gb18030")),
    QrCode(300, 20, "M", 6, "A", 0, b"HW-000123"),
    Print(1, 1),
]


def events_of(decoder: TsplDecoder) -> list:
    events = []
    while (event := decoder.next_event()) is not NEED_DATA:
        events.append(event)
    return events


def decode(chunks) -> list:
    decoder = TsplDecoder()
    events = []
    for chunk in chunks:
        decoder.receive_data(chunk)
        events += events_of(decoder)
    return events


def test_sample_fed_whole():
    assert decode([SAMPLE]) == SAMPLE_EVENTS


def test_sample_fed_byte_by_byte():
    assert decode([SAMPLE[i : i + 1] for i in range(len(SAMPLE))]) == SAMPLE_EVENTS


def test_sample_fed_in_uneven_pieces():
    assert decode([SAMPLE[:7], SAMPLE[7:40], SAMPLE[40:41], SAMPLE[41:]]) == SAMPLE_EVENTS


def test_text_property_decodes_the_chinese():
    assert decode([SAMPLE])[4].text == "危险废物"


def test_a_line_without_its_end_waits():
    decoder = TsplDecoder()
    decoder.receive_data(b"PRINT 1,1")
    assert decoder.next_event() is NEED_DATA
    decoder.receive_data(b"\r\n")
    assert decoder.next_event() == Print(1, 1)


def test_bare_lf_line_ends_are_accepted():
    assert decode([b"CLS\nPRINT 2\n"]) == [Cls(), Print(2, 1)]


def test_bitmap_body_is_taken_whole_even_with_line_ends_and_escapes_inside():
    body = b"\r\n\x1b!?\n"  # 2 bytes x 3 rows
    data = b"BITMAP 8,16,2,3,0," + body + b"\r\nPRINT 1,1\r\n"
    expected = [Bitmap(8, 16, 2, 3, 0, body), Print(1, 1)]
    assert decode([data]) == expected
    assert decode([data[i : i + 1] for i in range(len(data))]) == expected


def test_status_query_between_commands():
    assert decode([b"CLS\r\n\x1b!?PRINT 1\r\n"]) == [Cls(), StatusQuery("?"), Print(1, 1)]


def test_status_query_inside_a_line_is_answered_at_once():
    decoder = TsplDecoder()
    decoder.receive_data(b"PRI\x1b!?")
    assert decoder.next_event() == StatusQuery("?")
    decoder.receive_data(b"NT 1\r\n")
    assert decoder.next_event() == Print(1, 1)


def test_quoted_commas_and_escaped_quotes_stay_in_the_string():
    (event,) = decode([b'TEXT 1,2,"3",0,1,1,"a,b\\["]c"\r\n'])
    assert event == Text(1, 2, "3", 0, 1, 1, b'a,b"c')


def test_rules_boxes_reverse_and_inches():
    data = b"BAR 1,2,3,4\r\nBOX 0,0,10,10,2\r\nREVERSE 1,1,5,5\r\nSIZE 4,3\r\n"
    assert decode([data]) == [
        Bar(1, 2, 3, 4),
        Box(0, 0, 10, 10, 2),
        Reverse(1, 1, 5, 5),
        Size(Length(4, "inch"), Length(3, "inch")),
    ]


def test_settings_the_simulator_does_not_act_on_are_unknown_not_errors():
    assert decode([b"DENSITY 8\r\nSPEED 4\r\n"]) == [Unknown(b"DENSITY 8"), Unknown(b"SPEED 4")]


@pytest.mark.parametrize(
    "line",
    [
        b"TEXT 1,2\r\n",
        b'QRCODE a,b,M,6,A,0,"x"\r\n',
        b"SIZE many mm,2 mm\r\n",
        b"PRINT 0\r\n",
        b"\xff\xfe\r\n",
    ],
)
def test_garbage_lines_become_unknown_events(line):
    (event,) = decode([line])
    assert isinstance(event, Unknown)


def test_an_endless_line_is_bounded_and_skipped():
    decoder = TsplDecoder(max_line_bytes=64)
    decoder.receive_data(b"X" * 100)
    assert isinstance(decoder.next_event(), Unknown)
    decoder.receive_data(b"Y" * 100 + b"\r\nCLS\r\n")
    assert events_of(decoder) == [Cls()]
    assert decoder.buffered == 0


def test_an_oversized_bitmap_is_discarded_as_it_arrives():
    decoder = TsplDecoder(max_bitmap_bytes=10)
    decoder.receive_data(b"BITMAP 0,0,10,10,0," + b"\x00" * 50)
    assert decoder.next_event() == Unknown(b"BITMAP 0,0,10,10,0,")
    decoder.receive_data(b"\x00" * 50 + b"CLS\r\n")
    assert events_of(decoder) == [Cls()]
