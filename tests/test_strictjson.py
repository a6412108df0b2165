"""Strict JSON from a peer: what `json.loads` lets through is refused, whether the cheap path or the careful
one reads the body (protocols/strictjson.py looks at the text first and checks values one by one only when
it must)."""

from __future__ import annotations

import json
import random

import pytest

from protocols import strictjson
from protocols.strictjson import MAX_DEPTH, StrictJsonError


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize(
    "text",
    [
        '{"grams": 9007199254740992}',
        '{"grams": -9007199254740992}',
        "[1, 9007199254740992]",
        '{"grams":\n 90071992547409920000}',
        '[[[{"a": [1, 2, -90071992547409920000]}]]]',
    ],
)
def test_integers_beyond_2_53_are_refused(text: str) -> None:
    with pytest.raises(StrictJsonError, match="beyond"):
        strictjson.loads(text.encode())


def test_an_integer_of_thousands_of_digits_is_refused_without_converting_it() -> None:
    with pytest.raises(StrictJsonError, match="4300 digits"):
        strictjson.loads(('{"grams": ' + "9" * 5000 + "}").encode())


def test_the_largest_safe_integers_and_long_digit_runs_in_text_are_kept() -> None:
    text = '{"max": 9007199254740991, "min": -9007199254740991, "code": "x,91130600123456789012"}'
    assert strictjson.loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("text", ['{"operator": "\\ud800"}', '["\\uDFFF"]', '{"\\udbff": 1}'])
def test_lone_surrogates_are_refused(text: str) -> None:
    with pytest.raises(StrictJsonError, match="surrogate"):
        strictjson.loads(text.encode())


def test_a_lone_surrogate_in_text_given_as_str_is_refused() -> None:
    with pytest.raises(StrictJsonError, match="surrogate"):
        strictjson.loads('{"operator": "\ud800"}')


def test_surrogate_pairs_and_an_escaped_backslash_before_u_d800_are_text() -> None:
    assert strictjson.loads(b'["\\ud83d\\ude00"]') == ["\U0001f600"]
    assert strictjson.loads(b'["\\\\ud800"]') == ["\\ud800"]


@pytest.mark.parametrize("text", ['{"operator": "a\\u0000b"}', '[1.5, "\\u0000"]', '{"k\\u0000": 1}'])
def test_a_nul_character_is_refused_on_both_paths(text: str) -> None:
    with pytest.raises(StrictJsonError, match="NUL"):
        strictjson.loads(text.encode())
    with pytest.raises(StrictJsonError, match="NUL"):
        strictjson.loads(text)


def test_an_escaped_backslash_before_u0000_is_text() -> None:
    assert strictjson.loads(b'["\\\\u0000"]') == ["\\u0000"]


def test_nesting_is_limited_at_the_same_depth_on_both_paths() -> None:
    assert strictjson.loads(nested(MAX_DEPTH).encode()) is not None
    with pytest.raises(StrictJsonError, match="nested"):
        strictjson.loads(nested(MAX_DEPTH + 1).encode())
    # The careful path (a long number elsewhere in the body) draws the line at the same depth.
    assert strictjson.loads(f"[1234567890123456, {nested(MAX_DEPTH - 1)}]".encode()) is not None
    with pytest.raises(StrictJsonError, match="nested"):
        strictjson.loads(f"[1234567890123456, {nested(MAX_DEPTH)}]".encode())
    with pytest.raises(StrictJsonError, match="nested"):
        strictjson.loads(("[" * 100_000 + "]" * 100_000).encode())


@pytest.mark.parametrize("text", ["[NaN]", '{"a": Infinity}', "[-Infinity]", "[1e999]"])
def test_numbers_json_cannot_carry_are_refused(text: str) -> None:
    with pytest.raises(StrictJsonError):
        strictjson.loads(text.encode())


def test_invalid_utf8_is_refused_with_its_position() -> None:
    with pytest.raises(StrictJsonError, match="byte 2"):
        strictjson.loads(b'["\xff"]')


def test_floats_are_reported_to_the_caller() -> None:
    seen: list[int] = []
    assert strictjson.loads(b'{"a": 1.5, "b": [2e3]}', on_float=lambda: seen.append(1)) == {
        "a": 1.5,
        "b": [2e3],
    }
    assert len(seen) == 2


def _careful_answer(raw: bytes) -> object:
    """What the careful path (json, the reference) answers: the value, or the refusal's message."""
    try:
        return strictjson._loads_carefully(raw, None)
    except StrictJsonError as exc:
        return ("refused", str(exc))


def _answer(raw: bytes) -> object:
    try:
        return strictjson.loads(raw)
    except StrictJsonError as exc:
        return ("refused", str(exc))


# Pieces that trip one parser and not the other: big integers (orjson reads one beyond 64 bits as a
# float), escapes of surrogates, control characters, duplicate keys, exponents, negative zero.
_PIECES = ['"a"', '"\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\n"', '"危"', "0", "-0", "1", "-1",
           "9007199254740991", "9007199254740992", "18446744073709551616", "-9223372036854775809", "1.5",
           "1e2", "1E400", "true", "null", '{"k":1,"k":2}', "[]", "{}", "NaN", "[1,]"]  # fmt: skip


def test_the_fast_path_answers_as_the_careful_one_on_random_bodies() -> None:
    rng = random.Random(7493)

    def value(depth: int) -> str:
        pick = rng.randint(0, 5 if depth < 4 else 2)
        if pick <= 2:
            return rng.choice(_PIECES)
        if pick == 3:
            return "[" + ",".join(value(depth + 1) for _ in range(rng.randint(0, 3))) + "]"
        keys = [rng.choice(["a", "b", "数", "\\ud800", "\\u00e9"]) for _ in range(rng.randint(0, 3))]
        return "{" + ",".join(f'"{k}":{value(depth + 1)}' for k in keys) + "}"

    for _ in range(3000):
        raw = value(0).encode()
        assert _answer(raw) == _careful_answer(raw), raw


def test_an_integer_beyond_64_bits_is_refused_as_an_integer_not_read_as_a_float() -> None:
    with pytest.raises(StrictJsonError, match="beyond"):
        strictjson.loads(b'{"grams": 18446744073709551616}')
