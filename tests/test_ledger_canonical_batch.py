"""Batches read from the bytes as they arrived (`read_batch`): cut into pieces only when exactly RFC 8785.

The edge seals its batches from each event's canonical bytes (`seal_canonical_batch`); the hub verifies the
signature over the body's bytes and hashes each event's bytes as they came, without encoding anything again.
Every way bytes can differ from canonical form is sent to the re-encoding path instead (None), which gives
exactly the old answers.
"""

from __future__ import annotations

import json
import random

import pytest
import rfc8785

from protocols.ledger import (
    GENESIS_HASH,
    Event,
    SignatureError,
    canonical_bytes,
    envelope_with_events,
    envelope_without_events,
    generate_private_key,
    open_batch,
    read_batch,
    seal_batch,
    seal_canonical_batch,
)
from protocols.ledger.sealed import EnvelopeError
from protocols.ledger.signing import sign
from protocols.strictjson import StrictJsonError, holds_nul
from tests.test_reliability_canonical import random_text, random_value

KEY = generate_private_key()


def events(n: int = 3, **over: object) -> list[Event]:
    out: list[Event] = []
    for seq in range(1, n + 1):
        fields: dict = dict(
            event_id=f"e{seq}",
            device_id="edge-1",
            seq=seq,
            prev_hash=out[-1].hash if out else GENESIS_HASH,
            kind="commissioning",
            code="91110000101623741K9002490820261123001",
            time_ms=1_795_392_000_000 + seq,
            boot_id="boot-1",
            mono_ms=seq,
            clock_synced=True,
            waste_code="900-249-08",
            grams=12_340,
            operator="张三",
            place="危废仓库A",
        )
        fields.update(over)
        out.append(Event(**fields))
    return out


def sealed(evs: list[Event]) -> bytes:
    return seal_canonical_batch(KEY, "edge-1", "b1", 5, [e.canonical for e in evs])


def resealed_body(body: bytes) -> bytes:
    """An envelope around `body` as given (canonical or not), signed over exactly those bytes."""
    sig = canonical_bytes(sign(KEY, body))
    return b'{"alg":"Ed25519","body":' + body + b',"sig":' + sig + b"}"


@pytest.mark.parametrize("n", [1, 2, 5])
def test_canonical_bytes_are_cut_into_the_events_bytes(n):
    evs = events(n)
    raw = sealed(evs)
    envelope, canonical = read_batch(raw)
    assert canonical is not None
    assert canonical.envelope == raw
    assert canonical.events == tuple(e.canonical for e in evs)
    fast = open_batch(envelope, KEY.public_key(), canonical)
    slow = open_batch(json.loads(raw), KEY.public_key())
    assert fast == slow
    assert [e.hash for e in fast.events] == [e.hash for e in evs]
    assert canonical_bytes(json.loads(raw)) == raw  # what the hub kept before: the same envelope bytes


def test_events_with_attachments_data_and_text_beyond_ascii():
    evs = events(
        3,
        data={"container_type": "吨袋", "facility": "F01", "derived_from": ["a", "b"], "n": 7},
        attachments=(),
        operator='李四 "quoted" \\ back\nslash',
    )
    raw = sealed(evs)
    envelope, canonical = read_batch(raw)
    assert canonical is not None
    assert open_batch(envelope, KEY.public_key(), canonical).events == tuple(evs)


def test_a_tampered_byte_fails_the_signature():
    raw = sealed(events(3)).replace(b"12340", b"12349", 1)
    envelope, canonical = read_batch(raw)
    assert canonical is not None
    with pytest.raises(SignatureError):
        open_batch(envelope, KEY.public_key(), canonical)


def test_a_wrong_type_is_refused_on_the_fast_path_too():
    body = seal_canonical_batch(KEY, "edge-1", "b1", 5, [e.canonical for e in events(1)])
    raw = body.replace(b'"type":"wastetrace.batch/1"', b'"type":"wastetrace.other/1"')
    envelope, canonical = read_batch(raw)
    assert canonical is not None
    with pytest.raises(EnvelopeError, match="expected a wastetrace.batch/1"):
        open_batch(envelope, KEY.public_key(), canonical)


def _body(raw: bytes) -> bytes:
    return raw[len(b'{"alg":"Ed25519","body":') : raw.rindex(b',"sig":')]


NOT_CANONICAL = {
    "json.dumps with spaces": lambda evs: json.dumps(seal_batch(KEY, "edge-1", "b1", 5, evs)).encode(),
    "keys out of order": lambda evs: resealed_body(
        _body(sealed(evs)).replace(
            b'{"batch_id":"b1","device_id":"edge-1"', b'{"device_id":"edge-1","batch_id":"b1"'
        )
    ),
    "an escaped character RFC 8785 writes as is": lambda evs: resealed_body(
        _body(sealed(evs)).replace("张三".encode(), b"\\u5f20\\u4e09")
    ),
    "an extra field in the body": lambda evs: resealed_body(_body(sealed(evs))[:-1] + b',"x":1}'),
    "an envelope with an extra field": lambda evs: sealed(evs)[:-1] + b',"z":1}',
    "a float in an attachment": lambda evs: resealed_body(
        _body(sealed(evs)).replace(
            b'"attachments":[]',
            b'"attachments":[{"media_type":1.5,"role":"label","sha256":"' + b"a" * 64 + b'"}]',
            1,
        )
    ),
    "a duplicate key": lambda evs: resealed_body(_body(sealed(evs)).replace(b'"v":1', b'"v":1,"v":1', 1)),
}


@pytest.mark.parametrize("case", sorted(NOT_CANONICAL))
def test_bytes_not_exactly_canonical_go_to_the_re_encoding_path(case):
    raw = NOT_CANONICAL[case](events(3))
    _, canonical = read_batch(raw)
    assert canonical is None


def test_an_event_with_a_field_missing_is_hashed_in_its_normalised_form():
    evs = events(2)
    pieces = [e.canonical for e in evs]
    pieces[1] = pieces[1].replace(b'"corrects":null,', b"")
    raw = seal_canonical_batch(KEY, "edge-1", "b1", 5, pieces)
    envelope, canonical = read_batch(raw)
    assert canonical is None
    assert open_batch(envelope, KEY.public_key()).events[1].hash == evs[1].hash


def test_a_nested_object_shaped_like_an_event_boundary_is_not_cut():
    evs = events(2, data={"x": [{}, {"attachments": []}]})
    raw = sealed(evs)
    assert _body(raw).count(b'},{"attachments":') == 3  # one boundary, one inside each event's data
    envelope, canonical = read_batch(raw)
    assert canonical is None  # one piece too many: re-encoded
    assert open_batch(envelope, KEY.public_key()).events == tuple(evs)


def test_characters_beyond_the_bmp_are_re_encoded():
    evs = events(1, data={"\U0001f600": 1, "\ue000": 2})
    _, canonical = read_batch(sealed(evs))
    assert canonical is None


def test_bytes_that_are_not_json_raise_value_error():
    with pytest.raises(ValueError):
        read_batch(b'{"alg":')


def test_an_integer_beyond_2_53_is_refused_before_anything_else():
    raw = resealed_body(_body(sealed(events(3))).replace(b'"mono_ms":1,', b'"mono_ms":90071992547409930,', 1))
    with pytest.raises(StrictJsonError, match="2\\^53"):
        read_batch(raw)
    with pytest.raises(ValueError):
        read_batch(b"\xff\xfe")


# What the hub keeps of a batch: the envelope with its events array emptied, the events' bytes being kept
# one by one beside it. A hand-written vector: a batch_id holding `,"events":[]` (escaped, as JSON text
# must) and a sig after the array; only the real array is emptied, and putting the events back gives the
# same bytes.
_WHOLE = (
    b'{"alg":"Ed25519","body":{"batch_id":"b,\\"events\\":[]","device_id":"edge-1",'
    b'"events":[{"attachments":[],"seq":1},{"attachments":[],"seq":2}],"sent_ms":5,'
    b'"type":"wastetrace.batch/1"},"sig":"c2ln"}'
)
_KEPT = (
    b'{"alg":"Ed25519","body":{"batch_id":"b,\\"events\\":[]","device_id":"edge-1",'
    b'"events":[],"sent_ms":5,"type":"wastetrace.batch/1"},"sig":"c2ln"}'
)
_PIECES = [b'{"attachments":[],"seq":1}', b'{"attachments":[],"seq":2}']


def test_an_envelope_is_kept_without_its_events_and_made_whole_again_byte_for_byte():
    assert envelope_without_events(_WHOLE, _PIECES) == _KEPT
    assert json.loads(_KEPT)["body"]["batch_id"] == 'b,"events":[]'
    assert envelope_with_events(_KEPT, _PIECES) == _WHOLE


@pytest.mark.parametrize("n", [1, 2, 5])
def test_a_sealed_batch_made_whole_again_still_opens_with_its_signature(n):
    evs = events(n)
    raw = sealed(evs)
    kept = envelope_without_events(raw, [e.canonical for e in evs])
    assert kept is not None and json.loads(kept)["body"]["events"] == []
    whole = envelope_with_events(kept, [e.canonical for e in evs])
    assert whole == raw
    assert open_batch(json.loads(whole), KEY.public_key()).events == tuple(evs)


def test_events_that_are_not_exactly_the_arrays_bytes_keep_the_envelope_whole():
    evs = events(3)
    raw = sealed(evs)
    assert envelope_without_events(raw, [e.canonical for e in evs[:2]]) is None  # one missing
    assert envelope_without_events(raw, [e.canonical for e in reversed(evs)]) is None  # out of order
    normalised = canonical_bytes(json.loads(raw.replace(b'"attachments":[],', b"", 1)))
    assert envelope_without_events(normalised, [e.canonical for e in evs]) is None
    assert envelope_without_events(b'{"alg":"Ed25519","body":{}}', []) is None


def test_only_an_envelope_kept_without_its_events_takes_them_back():
    with pytest.raises(EnvelopeError):
        envelope_with_events(_WHOLE, _PIECES)
    with pytest.raises(EnvelopeError):
        envelope_with_events(_KEPT, [])


def test_a_batch_whose_event_holds_a_nul_is_refused_as_not_strict_json():
    pieces = [rfc8785.dumps(e.to_dict()) for e in events(2, data={"note": "a\x00b"})]
    with pytest.raises(StrictJsonError, match="NUL"):
        read_batch(seal_canonical_batch(KEY, "edge-1", "b1", 5, pieces))


def test_events_with_random_data_are_cut_exactly_when_their_bytes_are_rfc8785():
    """The check that the bytes are canonical (re-encoding with sorted keys) against the reference encoder:
    events whose data holds controls, quotes, separators, CJK and astral text, nested any way."""
    rng = random.Random(8785)
    for _ in range(300):
        data = {random_text(rng): random_value(rng) for _ in range(rng.randint(0, 4))}
        if holds_nul(data):  # refused whole, before any cut (the next test)
            continue
        evs = events(2, data=data)
        pieces = [rfc8785.dumps(e.to_dict()) for e in evs]
        envelope, canonical = read_batch(seal_canonical_batch(KEY, "edge-1", "b1", 5, pieces))
        if any(ord(c) > 0xFFFF for c in json.dumps(data, ensure_ascii=False)):  # re-encoded, to be safe
            assert canonical is None, data
        else:
            assert canonical is not None and list(canonical.events) == pieces, data
        assert open_batch(envelope, KEY.public_key(), canonical).events == tuple(evs)
