"""The ledger's wire language: canonical bytes, hashes, the chain, signatures and envelopes."""

import base64
import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocols.ledger import (
    GENESIS_HASH,
    ChainFork,
    ChainGap,
    EnvelopeError,
    Event,
    EventError,
    Receipt,
    SignatureError,
    canonical_bytes,
    generate_private_key,
    load_public_key,
    open_batch,
    open_receipt,
    public_key_b64,
    seal_batch,
    seal_receipt,
    verify_chain,
)
from protocols.ledger.signing import sign, verify

# RFC 8032 §7.1, TEST 1 (empty message).
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIG = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f059"
    "5bbe24655141438e7a100b"
)


def make_event(seq: int = 1, prev: str = GENESIS_HASH, **over) -> Event:
    fields = dict(
        event_id=f"e{seq}",
        device_id="edge-1",
        seq=seq,
        prev_hash=prev,
        kind="commissioning",
        code="91130200699229617X9002490820261123001",
        time_ms=1795392000000 + seq,
        boot_id="boot",
        mono_ms=1000 + seq,
        clock_synced=True,
        waste_code="900-249-08",
        grams=12340,
        operator="张三",
    )
    fields.update(over)
    return Event(**fields)


def chain(n: int) -> list[Event]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        e = make_event(seq, prev)
        events.append(e)
        prev = e.hash
    return events


def test_canonical_bytes_follow_rfc8785_vector():
    # RFC 8785 §3.2.2 sorts keys by UTF-16 code units and prints no whitespace; non-ASCII stays raw UTF-8.
    value = {"b": [1, {"d": True, "c": None}], "a": "危废", "\u20ac": 1, "\r": 2}
    assert canonical_bytes(value) == '{"\\r":2,"a":"危废","b":[1,{"c":null,"d":true}],"€":1}'.encode()


def test_event_canonical_bytes_are_stable():
    e = make_event()
    assert canonical_bytes(e) == canonical_bytes(Event.from_dict(e.to_dict()))
    assert e.hash == make_event().hash


def test_event_hash_changes_with_any_field():
    assert make_event().hash != make_event(grams=12341).hash


def test_event_refuses_float_weight():
    with pytest.raises(EventError, match="grams"):
        make_event(grams=12.34)


def test_event_refuses_float_in_data():
    with pytest.raises(EventError, match="float"):
        make_event(data={"tare": 0.5})


def test_event_refuses_unknown_kind():
    with pytest.raises(EventError, match="kind"):
        make_event(kind="teleporting")


def test_chain_verifies_a_run_of_events():
    events = chain(5)
    assert verify_chain(events) == (5, events[-1].hash)


def test_chain_reports_a_gap():
    events = chain(3)
    with pytest.raises(ChainGap) as info:
        verify_chain([events[0], events[2]])
    assert info.value.expected_seq == 2


def test_chain_reports_a_fork():
    events = chain(2)
    forged = make_event(2, prev="a" * 64)
    with pytest.raises(ChainFork):
        verify_chain([events[0], forged])


def test_sign_matches_rfc8032_test_vector():
    key = Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    assert base64.b64decode(public_key_b64(key)) == RFC8032_PUBLIC
    assert base64.b64decode(sign(key, b"")) == RFC8032_SIG
    verify(
        load_public_key(base64.b64encode(RFC8032_PUBLIC).decode()),
        b"",
        base64.b64encode(RFC8032_SIG).decode(),
    )


def test_batch_round_trips():
    key = generate_private_key()
    events = chain(3)
    batch = open_batch(seal_batch(key, "edge-1", "b1", 5, events), key.public_key())
    assert batch.events == tuple(events)
    assert (batch.first_seq, batch.last_seq) == (1, 3)


def test_batch_with_altered_weight_fails_signature():
    key = generate_private_key()
    env = seal_batch(key, "edge-1", "b1", 5, chain(1))
    forged = copy.deepcopy(env)
    forged["body"]["events"][0]["grams"] = 1
    with pytest.raises(SignatureError):
        open_batch(forged, key.public_key())


def test_batch_signed_by_another_key_fails():
    env = seal_batch(generate_private_key(), "edge-1", "b1", 5, chain(1))
    with pytest.raises(SignatureError):
        open_batch(env, generate_private_key().public_key())


def test_batch_with_foreign_device_event_is_refused():
    key = generate_private_key()
    env = seal_batch(key, "edge-2", "b1", 5, chain(1))
    with pytest.raises(EnvelopeError, match="belongs to device"):
        open_batch(env, key.public_key())


def test_batch_with_non_consecutive_events_is_refused():
    key = generate_private_key()
    events = chain(3)
    env = seal_batch(key, "edge-1", "b1", 5, [events[0], events[2]])
    with pytest.raises(EnvelopeError, match="consecutive"):
        open_batch(env, key.public_key())


@pytest.mark.parametrize(
    "junk", [None, [], {"body": []}, {"body": {"type": "x"}, "alg": "Ed25519", "sig": ""}]
)
def test_malformed_envelope_is_refused(junk):
    with pytest.raises(EnvelopeError):
        open_batch(junk, generate_private_key().public_key())


def test_receipt_for_another_batch_is_refused():
    hub = generate_private_key()
    env = seal_receipt(hub, Receipt("edge-1", "b1", 3, 3, 0, 99))
    assert open_receipt(env, hub.public_key(), device_id="edge-1", batch_id="b1").acked_seq == 3
    with pytest.raises(EnvelopeError, match="not batch"):
        open_receipt(env, hub.public_key(), device_id="edge-1", batch_id="b2")


@pytest.mark.parametrize("field,value", [("code", 123), ("operator", ["x"]), ("data", [1]), ("boot_id", "")])
def test_event_refuses_wrong_field_types(field, value):
    with pytest.raises(EventError, match=field):
        make_event(**{field: value})


def test_an_event_decoded_from_its_dict_equals_the_event_built_by_keywords():
    full = make_event(data={"container_type": "吨袋", "n": [1, {"k": None}]}, corrects="e-0")
    assert Event.from_dict(full.to_dict()) == full
    # The fields with defaults may be left out: the same defaults as the constructor's.
    short = {k: v for k, v in make_event().to_dict().items() if k in REQUIRED_FIELDS or k == "v"}
    decoded = Event.from_dict(short)
    assert decoded == Event(**{k: v for k, v in short.items() if k != "v"})
    assert decoded.data == {} and decoded.attachments == () and decoded.grams is None
    assert decoded.data is not Event.from_dict(short).data  # each event its own dict, as default_factory


REQUIRED_FIELDS = (
    "event_id", "device_id", "seq", "prev_hash", "kind", "code", "time_ms", "boot_id", "mono_ms",
    "clock_synced",
)  # fmt: skip


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_a_decoded_event_missing_a_field_is_refused_naming_it(missing):
    d = make_event().to_dict()
    del d[missing]
    with pytest.raises(EventError, match=f"missing or unknown fields.*{missing}"):
        Event.from_dict(d)


def test_a_decoded_event_with_an_unknown_field_is_refused_naming_it():
    with pytest.raises(EventError, match="missing or unknown fields.*colour"):
        Event.from_dict({**make_event().to_dict(), "colour": "red"})


@pytest.mark.parametrize(
    "field,value",
    [("seq", "1"), ("seq", True), ("time_ms", 1.5), ("mono_ms", None), ("grams", "12"), ("waste_code", 900),
     ("operator", ["x"]), ("place", {}), ("corrects", 1), ("clock_synced", 1), ("data", {"w": [{"g": 1.5}]})],
)  # fmt: skip
def test_a_decoded_event_is_checked_as_a_built_one(field, value):
    with pytest.raises(EventError, match=field):
        Event.from_dict({**make_event().to_dict(), field: value})
