"""The A&D ST/US frame parser and encoder, on byte-exact vectors fed in every possible way."""

import random

import pytest

from protocols.scale import (
    MAX_LINE,
    NEED_DATA,
    AndStParser,
    Garbled,
    Reading,
    ScaleEventError,
    encode_and_st,
)


def events_of(*chunks: bytes) -> list:
    parser = AndStParser()
    out = []
    for chunk in chunks:
        parser.receive_data(chunk)
        while (event := parser.next_event()) is not NEED_DATA:
            out.append(event)
    return out


def chunkings(data: bytes):
    """Whole, byte by byte, and split in two at every position."""
    yield [data]
    yield [data[i : i + 1] for i in range(len(data))]
    for cut in range(1, len(data)):
        yield [data[:cut], data[cut:]]


# frame → (grams, indicator stable flag, kind, status)
VECTORS = {
    b"ST,GS,+0012.34kg\r\n": (12340, True, "gross", "ok"),
    b"ST,GS,+  4.876kg\r\n": (4876, True, "gross", "ok"),
    b"US,NT,-0000.50kg\r\n": (-500, False, "net", "ok"),
    b"OL,GS,+       kg\r\n": (None, False, "gross", "overload"),
    b"OL,GS,        kg\r\n": (None, False, "gross", "overload"),
    b"LO,GS,-       kg\r\n": (None, False, "gross", "underload"),
    b"ST,+0001.234 kg\r\n": (1234, True, "gross", "ok"),
    b"QT,+0001.234 kg\r\n": (1234, True, "gross", "ok"),
    b"ST,GS,+0010.00lb\r\n": (4536, True, "gross", "ok"),  # 4535.9237 g
    b"ST,GS,+0001.00lb\r\n": (454, True, "gross", "ok"),  # 453.59237 g
    b"ST,GS,+0004876 g\r\n": (4876, True, "gross", "ok"),
    b"ST,+00123.50  g\r\n": (124, True, "gross", "ok"),  # a tie rounds to the even gram
    b"ST,+00122.50  g\r\n": (122, True, "gross", "ok"),
    b"ST,GS,+01.2345 t\r\n": (1234500, True, "gross", "ok"),
    b"ST,TR,+0001.00kg\r": (1000, True, "tare", "ok"),
    b"ST,PT,+0001.00kg\r\n": (1000, True, "tare", "ok"),
    b"ST,N ,+0001.00kg\r\n": (1000, True, "net", "ok"),
    b"ST,G ,-0012.34kg\r\n": (-12340, True, "gross", "ok"),
    b"HD,GS,+0012.34kg\r\n": (12340, False, "gross", "hold"),
    b"US,GS,-0000.00kg\r\n": (0, False, "gross", "ok"),
}


@pytest.mark.parametrize("frame", VECTORS, ids=[v.decode().strip() for v in VECTORS])
def test_vector_parses_to_the_same_reading_however_chunked(frame):
    grams, stable, kind, status = VECTORS[frame]
    expected = [Reading(grams=grams, stable=stable, kind=kind, status=status, raw=frame.rstrip(b"\r\n"))]
    for chunks in chunkings(frame):
        assert events_of(*chunks) == expected, chunks


def test_a_stream_of_all_vectors_parses_the_same_in_random_chunks():
    stream = b"".join(VECTORS)
    expected = events_of(stream)
    assert len(expected) == len(VECTORS) and all(isinstance(e, Reading) for e in expected)
    rng = random.Random(1)
    for _ in range(200):
        cuts = sorted(rng.sample(range(1, len(stream)), rng.randrange(1, 40)))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert events_of(*chunks) == expected


GARBAGE = [
    b"ST,GS,+00A2.34kg\r\n",  # a letter among the digits
    b"ST,GS,+0O12.34kg\r\n",
    b"XX,GS,+0012.34kg\r\n",  # unknown header
    b"st,GS,+0012.34kg\r\n",
    b"ST,XX,+0012.34kg\r\n",  # unknown weight kind
    b"ST,GS,+0012.34oz\r\n",  # unknown unit
    b"ST,GS,+0012.34\r\n",  # no unit
    b"ST,GS,+0012.3kg\r\n",  # a digit lost: the field is one short
    b"ST,GS,+00012.34kg\r\n",  # a digit too many
    b"ST,GS,0012.345kg\r\n",  # no sign
    b"ST,GS,+00.12.3kg\r\n",  # two points
    b"ST,GS,+12 3.45kg\r\n",  # a space among the digits
    b"ST,GS,+0012.  kg\r\n",
    b"ST,GS,+ 0012. kg\r\n",
    b"ST,GS,+       kg\r\n",  # blank value on a stable frame
    b"ST,GS,+0012.34   kg\r\n",  # unit padded too far
    b"ST,GS,+0012.34kgkg\r\n",
    b"ST,GS,+0012.34kg\x00\r\n",  # a control byte
    b"ST,GS,+0012.34k\xe7\r\n",
    b"ST,GS,GS,+0012.34kg\r\n",
    b"ST\r\n",
    b"    \r\n",
    b"QT,+0000012 PC\r\n",  # counting mode: pieces, not grams
    b"OL,GS,+ABCDEFGkg\r\n",
    b"\x02+002000213B\x03\r\n",  # Yaohua XK3190 continuous frame
    b"WG004.139kg3D\r\n",  # Yaohua A12 frame
    b"S S     100.00 g\r\n",  # MT-SICS reply
    b"\x02\x2c\x30\x20001234000000\r\x2b",  # Mettler-Toledo continuous
]


@pytest.mark.parametrize("junk", GARBAGE, ids=[repr(g) for g in GARBAGE])
def test_garbage_line_is_garbled_never_a_reading(junk):
    for chunks in chunkings(junk):
        events = events_of(*chunks)
        assert events and all(isinstance(e, Garbled) and e.reason for e in events), events


def test_random_bytes_never_yield_a_reading():
    rng = random.Random(7)
    noise = rng.randbytes(50_000)
    alphabet = b"STUSOLHDQTGNRP,+-. 0123456789kgltb\r\n"
    near_miss = bytes(rng.choice(alphabet) for _ in range(50_000))
    for stream in (noise, near_miss):
        assert not [e for e in events_of(stream) if isinstance(e, Reading)]


def test_torn_frame_at_start_is_garbled_then_next_frame_parses():
    events = events_of(b"0012.34kg\r\nST,GS,+0012.34kg\r\n")
    assert isinstance(events[0], Garbled) and events[0].raw == b"0012.34kg"
    assert events[1:] == [Reading(12340, True, "gross", "ok", b"ST,GS,+0012.34kg")]


def test_head_of_a_torn_frame_is_garbled_and_the_frame_behind_it_still_parses():
    events = events_of(b"ST,GS,+0012.3", b"ST,GS,+0012.34kg\r\n")
    assert events == [
        Garbled("junk before a frame on the same line", b"ST,GS,+0012.3"),
        Reading(12340, True, "gross", "ok", b"ST,GS,+0012.34kg"),
    ]


def test_junk_between_frames_does_not_hide_the_next_frame():
    events = events_of(b"ST,GS,+0001.00kg\r\n\xff\x13ab,ST,GS,+0002.00kg\r\n")
    assert [e.grams for e in events if isinstance(e, Reading)] == [1000, 2000]
    assert [e.raw for e in events if isinstance(e, Garbled)] == [b"\xff\x13ab,"]


def test_line_without_terminator_is_dropped_once_and_memory_stays_bounded():
    parser = AndStParser()
    for _ in range(1000):
        parser.receive_data(b"X" * 1000)
        assert parser.buffered <= MAX_LINE
    parser.receive_data(b"\r\nST,GS,+0012.34kg\r\n")
    events = []
    while (event := parser.next_event()) is not NEED_DATA:
        events.append(event)
    assert len(events) == 2
    assert isinstance(events[0], Garbled) and events[0].raw == b"X" * MAX_LINE
    assert events[1] == Reading(12340, True, "gross", "ok", b"ST,GS,+0012.34kg")


def test_over_long_line_gives_the_same_events_however_chunked():
    stream = b"A" * 100 + b"\r\nST,GS,+0012.34kg\r\n" + b"B" * MAX_LINE + b"\r\nUS,GS,+0000.10kg\r\n"
    expected = events_of(stream)
    assert [type(e) for e in expected] == [Garbled, Reading, Garbled, Reading]
    assert "no line end" in expected[0].reason
    assert "no line end" not in expected[2].reason  # 64 bytes is still a line, just not a frame
    for chunks in chunkings(stream):
        assert events_of(*chunks) == expected


def test_parser_asks_for_more_data_on_an_unfinished_frame():
    parser = AndStParser()
    parser.receive_data(b"ST,GS,+0012.34kg")
    assert parser.next_event() is NEED_DATA
    parser.receive_data(b"\r\n")
    assert isinstance(parser.next_event(), Reading)


# -- encoder ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "frame"),
    [
        ({"grams": 12340, "stable": True}, b"ST,GS,+0012.34kg\r\n"),
        ({"grams": -500, "stable": False, "kind": "net"}, b"US,NT,-0000.50kg\r\n"),
        ({"grams": 1000, "stable": True, "kind": "tare"}, b"ST,TR,+0001.00kg\r\n"),
        ({"grams": 12340, "stable": True, "status": "hold"}, b"HD,GS,+0012.34kg\r\n"),
        ({"grams": None, "stable": False, "status": "overload"}, b"OL,GS,+       kg\r\n"),
        ({"grams": None, "stable": False, "status": "underload"}, b"LO,GS,-       kg\r\n"),
        ({"grams": 4876, "stable": True, "unit": "g", "decimals": 0}, b"ST,GS,+0004876 g\r\n"),
        ({"grams": 4876, "stable": True, "decimals": 3}, b"ST,GS,+004.876kg\r\n"),
        ({"grams": 1234500, "stable": True, "unit": "t", "decimals": 4}, b"ST,GS,+01.2345 t\r\n"),
        ({"grams": 4536, "stable": True, "unit": "lb"}, b"ST,GS,+0010.00lb\r\n"),
    ],
)
def test_encoder_writes_the_indicator_frame(kwargs, frame):
    grams = kwargs.pop("grams")
    assert encode_and_st(grams, **kwargs) == frame


def test_encoder_and_parser_round_trip_whole_divisions():
    cases = [
        (grams, unit, decimals)
        for unit, decimals, division in (("kg", 2, 10), ("kg", 3, 1), ("g", 0, 1), ("t", 4, 100))
        for grams in range(-200 * division, 200 * division + 1, division)
    ]
    for grams, unit, decimals in cases:
        for kind in ("gross", "net", "tare"):
            for stable in (True, False):
                frame = encode_and_st(grams, stable=stable, kind=kind, unit=unit, decimals=decimals)
                (reading,) = events_of(frame)
                assert (reading.grams, reading.stable, reading.kind, reading.status) == (
                    grams,
                    stable,
                    kind,
                    "ok",
                )


def test_encoder_and_parser_round_trip_out_of_range():
    for status in ("overload", "underload"):
        (reading,) = events_of(encode_and_st(None, stable=False, status=status))
        assert reading.status == status and reading.grams is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grams": 100_000_000, "stable": True},  # 100000.00 kg does not fit eight characters
        {"grams": None, "stable": True},
        {"grams": 5, "stable": True, "status": "overload"},
        {"grams": True, "stable": True},
        {"grams": 1000, "stable": True, "kind": "brutto"},
        {"grams": 1000, "stable": True, "unit": "oz"},
        {"grams": 1000, "stable": True, "status": "moving"},
        {"grams": 1000, "stable": True, "decimals": 9},
    ],
)
def test_encoder_refuses_what_no_indicator_can_send(kwargs):
    grams = kwargs.pop("grams")
    with pytest.raises(ValueError):
        encode_and_st(grams, **kwargs)


@pytest.mark.parametrize(
    "fields",
    [
        {"grams": 1.5, "stable": True, "kind": "gross", "status": "ok"},
        {"grams": None, "stable": True, "kind": "gross", "status": "ok"},
        {"grams": 10, "stable": False, "kind": "gross", "status": "overload"},
        {"grams": 10, "stable": True, "kind": "brutto", "status": "ok"},
        {"grams": 10, "stable": 1, "kind": "gross", "status": "ok"},
    ],
)
def test_reading_refuses_impossible_values(fields):
    with pytest.raises(ScaleEventError):
        Reading(raw=b"", **fields)
