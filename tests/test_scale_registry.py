"""The protocol registry and the profiles: every protocol round-trips in memory (encoder → parser, and poll
→ request parser → answer → parser), and profiles refuse setups no indicator has."""

import tomllib

import pytest

from edge.scales.profiles import SHIPPED
from protocols.scale import (
    NEED_DATA,
    PROTOCOLS,
    Command,
    FrameOptions,
    ProfileError,
    ProtocolError,
    Reading,
    Shown,
    make_parser,
    parse_profile,
)


def events(parser, data):
    parser.receive_data(data)
    out = []
    while (event := parser.next_event()) is not NEED_DATA:
        out.append(event)
    return out


def options_for(name):
    return FrameOptions(unit="kg")


CONTINUOUS = sorted(n for n, p in PROTOCOLS.items() if p.encode is not None)
COMMAND = sorted(n for n, p in PROTOCOLS.items() if "command" in p.modes)


@pytest.mark.parametrize("name", CONTINUOUS)
def test_continuous_encoder_and_parser_round_trip(name):
    spec, options = PROTOCOLS[name], options_for(name)
    for grams in (0, 10, 12340, 99990, 150000):
        for stable in (True, False):
            shown = Shown(grams, stable, decimals=2, unit="kg")
            stream = spec.encode(shown, options) * 2 + (b"=" if name == "equals" else b"")
            readings = [e for e in events(make_parser(name, options), stream) if isinstance(e, Reading)]
            assert [r.grams for r in readings] == [grams, grams], (grams, stream)
            assert all(r.stable == (stable if spec.has_stable_flag else False) for r in readings)


@pytest.mark.parametrize("name", COMMAND)
def test_poll_request_answer_and_reply_round_trip(name):
    spec, options = PROTOCOLS[name], options_for(name)
    requests = spec.requests(options)
    (command,) = [e for e in events(requests, spec.poll(options)) if isinstance(e, Command)]
    reply = spec.answer(command, Shown(12340, True, decimals=3, unit="kg"), options)
    (reading,) = events(make_parser(name, options, "command"), reply)
    assert isinstance(reading, Reading) and reading.grams == 12340


@pytest.mark.parametrize("name", ["yaohua", "keli_k9"])
def test_an_indicator_does_not_answer_a_request_for_another_address(name):
    spec = PROTOCOLS[name]
    asked_b = spec.poll(FrameOptions(address="B"))
    (command,) = events(spec.requests(FrameOptions()), asked_b)
    assert spec.answer(command, Shown(12340), FrameOptions(address="A")) == b""


@pytest.mark.parametrize("name", ["toledo_8217", "mtsics"])
def test_a_moving_load_is_answered_without_a_weight(name):
    spec, options = PROTOCOLS[name], FrameOptions()
    (command,) = events(spec.requests(options), b"S\r\n" if name == "mtsics" else spec.poll(options))
    reply = spec.answer(command, Shown(12340, stable=False, decimals=3), options)
    assert not [e for e in events(make_parser(name, options, "command"), reply) if isinstance(e, Reading)]


def test_unknown_protocol_and_missing_mode_are_refused():
    with pytest.raises(ProtocolError):
        make_parser("ohaus_magic")
    with pytest.raises(ProtocolError):
        make_parser("toledo_8217", mode="continuous")


# -- profiles ---------------------------------------------------------------------------------------------

GOOD = {
    "model": "test",
    "protocol": "yaohua",
    "mode": "continuous",
    "stability": {"use_indicator_flag": False, "window": 5, "tolerance_g": 0, "min_span_ms": 500},
}


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_profile_is_valid(path):
    profile = parse_profile(tomllib.loads(path.read_text(encoding="utf-8")), path.stem)
    assert profile.parser() is not None
    assert (profile.poll_request() is None) == (profile.mode == "continuous")


def test_a_good_profile_parses():
    profile = parse_profile(GOOD, "good")
    assert profile.stability.judge().use_indicator_flag is False


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"protocol": "nope"}, "unknown scale protocol"),
        ({"mode": "command", "protocol": "and_st"}, "modes"),
        ({"stability": {"use_indicator_flag": True}}, "no stable flag"),
        ({"stability": {"use_indicator_flag": False, "window": 0}}, "window"),
        ({"stability": {"use_indicator_flag": False, "window": "5"}}, "window must be int"),
        ({"serial": {"baudrate": 9601}}, "baudrate"),
        ({"serial": {"parity": "X"}}, "parity"),
        ({"frame": {"unit": "oz"}}, "unit"),
        ({"frame": {"address": "a"}}, "address"),
        ({"frame": {"colour": "red"}}, "unknown keys"),
        ({"protocol": "equals", "frame": {"width": 6}}, "7 or 8"),
        ({"command": {"poll_interval_ms": 100}}, "command"),
        ({"extra": 1}, "unknown keys"),
        ({"model": ""}, "model"),
    ],
)
def test_a_profile_that_no_indicator_matches_is_refused_by_key(change, words):
    with pytest.raises(ProfileError, match=words):
        parse_profile(GOOD | change, "bad")
