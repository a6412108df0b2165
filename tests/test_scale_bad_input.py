"""Bad input in every format: a wrong check, junk between frames, half a frame at the start, a letter
among the digits. Each is reported as garbage and never read as a weight; the good frames around it are."""

import random

import pytest

from edge.scales.profiles import SHIPPED, load_profile
from protocols.scale import NEED_DATA, Garbled, Reading, Shown
from protocols.scale.framing import xor_ascii_hex
from protocols.scale.keli import KeliT1LineParser, KeliT1ReplyParser
from protocols.scale.mtsics import MtSicsParser
from protocols.scale.toledo import Toledo8217Parser, ToledoParser, checksum
from protocols.scale.yaohua import A12Parser, EqualsParser, YaohuaParser

YAOHUA = bytes.fromhex("02 2B 30 31 32 33 34 35 32 31 38 03")
TOLEDO = bytes.fromhex("02 2C 30 20") + b"001234000000\r" + bytes([0x2B])

# name → (parser, a good frame, the frame's grams, a copy with a letter among the digits and a valid check)
FORMATS = {
    "yaohua": (YaohuaParser, YAOHUA, 123450, b"\x02+01A345" + xor_ascii_hex(b"+01A3452") + b"2\x03"),
    "a12": (A12Parser, b"WG004.139kg3D\r\n", 4139, b"WG00A.139kg" + xor_ascii_hex(b"WG00A.139kg") + b"\r\n"),
    "equals": (EqualsParser, b"=000.3000", 3000, b"=000.3A00"),
    "t1line": (KeliT1LineParser, b"=0023.45(kg)\r\n", 23450, b"=002O.45(kg)\r\n"),
    "t1reply": (KeliT1ReplyParser, b"\x02GW:0023.45(kg)\x03", 23450, b"\x02GW:0023.4S(kg)\x03"),
    "toledo": (
        lambda: ToledoParser(checksum=True),
        TOLEDO,
        12340,
        TOLEDO[:6] + b"I" + TOLEDO[7:17] + bytes([checksum(TOLEDO[:6] + b"I" + TOLEDO[7:17])]),
    ),
    "8217": (Toledo8217Parser, b"\x0201.250\r", 1250, b"\x020l.250\r"),
    "mtsics": (MtSicsParser, b"S S     100.00 g\r\n", 100, b"S S     1O0.00 g\r\n"),
}
# Formats with a check, and a copy of the good frame with one check character changed.
WRONG_CHECK = {
    "yaohua": YAOHUA[:9] + b"2" + YAOHUA[10:],
    "a12": b"WG004.139kg3E\r\n",
    "toledo": TOLEDO[:17] + bytes([0x2C]),
}
JUNK = [b"\xff\x00\x13", b"hello", b"\x02\x03", b"\r\n\r\n", b"=", b"9999"]


def events_of(parser, data):
    parser.receive_data(data)
    out = []
    while (event := parser.next_event()) is not NEED_DATA:
        out.append(event)
    return out


def readings(events):
    return [e.grams for e in events if isinstance(e, Reading)]


def trailer(name):
    # '=' frames count once the next frame begins
    return b"=" if name == "equals" else b""


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_letter_among_the_digits_is_garbage_even_with_a_valid_check(name):
    make, good, grams, lettered = FORMATS[name]
    events = events_of(make(), lettered + good + good + trailer(name))
    assert readings(events) == [grams, grams]
    assert isinstance(events[0], Garbled)


@pytest.mark.parametrize("name", sorted(WRONG_CHECK))
def test_a_wrong_check_is_garbage_and_the_next_frame_still_counts(name):
    make, good, grams, _ = FORMATS[name]
    events = events_of(make(), WRONG_CHECK[name] + good)
    assert isinstance(events[0], Garbled) and "check" in events[0].reason
    assert readings(events) == [grams]


# An '=' alone is the start of an '=' frame, not junk, so that pair is not a case.
JUNK_CASES = [(name, junk) for name in sorted(FORMATS) for junk in JUNK if (name, junk) != ("equals", b"=")]


@pytest.mark.parametrize("name,junk", JUNK_CASES, ids=repr)
def test_junk_between_frames_is_reported_and_hides_no_frame(name, junk):
    make, good, grams, _ = FORMATS[name]
    events = events_of(make(), good + junk + good + trailer(name))
    # An '=' frame has no terminator: only the next frame's '=' closes it, so junk glued to it spoils it.
    assert readings(events) == ([grams] if name == "equals" else [grams, grams])
    if junk.strip(b"\r\n"):
        assert any(isinstance(e, Garbled) for e in events)


def test_junk_glued_to_an_equals_frame_spoils_that_frame_only():
    events = events_of(EqualsParser(), b"=000.3000" + b"9999" + b"=000.3000=000.3000=")
    assert readings(events) == [3000, 3000]
    assert isinstance(events[0], Garbled) and events[0].raw == b"=000.30009999"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_half_a_frame_at_the_start_is_garbage_then_frames_count(name):
    make, good, grams, _ = FORMATS[name]
    for cut in range(1, len(good) - 1):
        events = events_of(make(), good[cut:] + good + good + trailer(name))
        assert readings(events)[-2:] == [grams, grams], cut
        # the tail can be a frame of its own only by chance of the grammar, never a different weight
        assert set(readings(events)) <= {grams}, cut


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_frame_torn_in_the_middle_never_gives_a_weight(name):
    make, good, grams, _ = FORMATS[name]
    for lost in range(len(good)):
        torn = good[:lost] + good[lost + 1 :]
        events = events_of(make(), good + torn + good + trailer(name))
        assert set(readings(events)) <= {grams}, lost


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_endless_junk_keeps_memory_bounded(name):
    make, good, grams, _ = FORMATS[name]
    parser = make()
    for _ in range(200):
        parser.receive_data(b"x" * 997)
        assert parser.buffered <= 128
    assert readings(events_of(parser, b"\r\n" + good + good + trailer(name)))[-1:] == [grams]


@pytest.mark.parametrize("name", sorted(p.stem for p in SHIPPED.glob("*.toml")))
def test_garbage_never_yields_a_stable_weight_under_any_profile(name):
    """Random bytes and near misses built from the profile's own frames, fed as fast as a line could
    carry them: the judge the edge uses never calls any of it stable."""
    profile = load_profile(name)
    rng = random.Random(name)
    shown = Shown(12340, decimals=profile.decimals, unit=profile.frame.unit)
    if profile.mode == "command":
        frame = profile.spec.answer(next_command(profile), shown, profile.frame)
    else:
        frame = profile.spec.encode(shown, profile.frame)
    alphabet = bytes(set(frame))
    streams = [
        rng.randbytes(30_000),
        bytes(rng.choice(alphabet) for _ in range(30_000)),
        b"".join(mutate(frame, rng) for _ in range(2_000)),
    ]
    for stream in streams:
        parser, judge = profile.parser(), profile.stability.judge()
        parser.receive_data(stream)
        now = 0
        while (event := parser.next_event()) is not NEED_DATA:
            now += 10
            judge.feed(event, now)
            assert judge.stable_grams is None, event


def next_command(profile):
    requests = profile.spec.requests(profile.frame)
    requests.receive_data(profile.poll_request())
    return requests.next_event()


def mutate(frame, rng):
    """The frame with one byte changed, one lost, or one doubled: what a bad line does to it."""
    i = rng.randrange(len(frame))
    how = rng.randrange(3)
    if how == 0:
        return frame[:i] + bytes([rng.randrange(256)]) + frame[i + 1 :]
    if how == 1:
        return frame[:i] + frame[i + 1 :]
    return frame[:i] + frame[i : i + 1] * 2 + frame[i + 1 :]
