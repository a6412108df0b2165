"""The fast canonical encoder gives the reference RFC 8785 bytes, and a batch built from stored bytes is
the very envelope `seal_batch` makes."""

from __future__ import annotations

import json
import random

import pytest
import rfc8785

from protocols.ledger import (
    EventError,
    canonical_bytes,
    event_hash,
    generate_private_key,
    seal_batch,
    seal_canonical_batch,
)
from tests.test_hub_support import SimDevice

# Characters that trip encoders: controls, quotes, backslash, DEL, line separators, the BMP's top
# (sorted differently from astral characters by UTF-16), CJK, an astral emoji.
ALPHABET = ["a", "Z", "0", " ", '"', "\\", "/", "\x00", "\x08", "\x1f", "\x7f", "\u2028", "\ue000",
            "\uffff", "危", "废", "\U0001f600", "\n", "\t", "é"]  # fmt: skip


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6)))


def random_value(rng: random.Random, depth: int = 0):
    choice = rng.randint(0, 7 if depth < 3 else 4)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 1, 2**53 - 1, -(2**53 - 1), rng.randint(-(10**12), 10**12)])
    if choice in (3, 4):
        return random_text(rng)
    if choice == 5:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def test_fast_encoder_matches_the_reference_on_random_values():
    rng = random.Random(8785)
    for _ in range(3000):
        value = {random_text(rng): random_value(rng) for _ in range(rng.randint(0, 6))}
        assert canonical_bytes(value) == rfc8785.dumps(value), value


def test_keys_beyond_the_bmp_sort_by_utf16_as_rfc8785_says():
    value = {"\U0001f600": 1, "\ue000": 2}
    assert canonical_bytes(value) == rfc8785.dumps(value)
    assert canonical_bytes(value).startswith('{"\U0001f600"'.encode())


def test_integers_beyond_2_53_are_refused_as_by_the_reference():
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_bytes({"grams": 2**53})


def test_floats_are_refused_before_encoding():
    with pytest.raises(EventError, match="float"):
        canonical_bytes({"data": [1, {"x": 0.5}]})


def test_lone_surrogates_are_refused_as_by_the_reference():
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_bytes({"x": "\ud800"})


def test_event_hash_is_the_sha256_of_the_reference_bytes():
    device = SimDevice()
    event = device.record(data={"备注": "桶装\n", "n": [1, 2, None]})
    import hashlib

    assert event_hash(event) == hashlib.sha256(rfc8785.dumps(event.to_dict())).hexdigest()


def test_a_batch_sealed_from_stored_bytes_is_the_envelope_seal_batch_makes():
    key = generate_private_key()
    device = SimDevice()
    events = [device.record(operator="张三\t", data={"k": "\u2028"}) for _ in range(3)]
    raw = seal_canonical_batch(key, device.device_id, "edge-001:1-3", 1234, [e.canonical for e in events])
    reference = seal_batch(key, device.device_id, "edge-001:1-3", 1234, events)
    assert json.loads(raw) == reference
    assert raw == canonical_bytes(reference)
