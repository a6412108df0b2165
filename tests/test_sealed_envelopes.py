"""Every signed envelope (batch, receipt, heartbeat, remote configuration, analytics) is sealed and opened
the one way (protocols/ledger/sealed.py), and each kind refuses the others and a tampered body."""

import copy

import pytest

from protocols.analytics import AnalyticsError, open_analytics
from protocols.fleet.heartbeat import Heartbeat, HeartbeatError, open_heartbeat, seal_heartbeat
from protocols.fleet.settings import RemoteConfigError, open_config, seal_config
from protocols.ledger import SignatureError, generate_private_key
from protocols.ledger.envelope import Receipt, open_receipt, seal_receipt
from protocols.ledger.sealed import EnvelopeError, claimed_device, open_sealed, seal

KEY = generate_private_key()
OTHER = generate_private_key()


def _heartbeat() -> dict:
    beat = Heartbeat(
        device_id="box-1",
        sent_ms=1_780_000_000_000,
        boot_id="boot",
        mono_ms=5,
        clock_synced=True,
        backlog_events=0,
        free_disk_bytes=10,
        total_disk_bytes=20,
        floor_bytes=1,
    )
    return seal_heartbeat(KEY, beat)


def test_a_sealed_body_opens_with_its_key_and_type():
    envelope = seal(KEY, {"type": "wastetrace.test/1", "device_id": "box-1", "n": 1})
    assert open_sealed(envelope, "wastetrace.test/1", KEY.public_key())["n"] == 1
    assert claimed_device(envelope, "wastetrace.test/1") == "box-1"


def test_a_tampered_body_or_another_key_fails_the_signature():
    envelope = seal(KEY, {"type": "wastetrace.test/1", "n": 1})
    tampered = copy.deepcopy(envelope)
    tampered["body"]["n"] = 2
    with pytest.raises(SignatureError):
        open_sealed(tampered, "wastetrace.test/1", KEY.public_key())
    with pytest.raises(SignatureError):
        open_sealed(envelope, "wastetrace.test/1", OTHER.public_key())


@pytest.mark.parametrize(
    "opener, error",
    [
        (lambda env: open_analytics(env, KEY.public_key()), AnalyticsError),
        (lambda env: open_config(env, KEY.public_key(), device_id="box-1"), RemoteConfigError),
        (lambda env: open_receipt(env, KEY.public_key(), device_id="box-1", batch_id="b"), EnvelopeError),
    ],
)
def test_each_kind_refuses_another_kinds_envelope_with_its_own_error(opener, error):
    with pytest.raises(error, match="expected a"):
        opener(_heartbeat())


def test_kinds_raise_subclasses_of_the_one_envelope_error():
    for error in (AnalyticsError, HeartbeatError, RemoteConfigError):
        assert issubclass(error, EnvelopeError)


def test_the_five_kinds_round_trip():
    assert open_heartbeat(_heartbeat(), KEY.public_key()).device_id == "box-1"
    config = seal_config(KEY, "box-1", 1, 1_780_000_000_000, {})
    assert open_config(config, KEY.public_key(), device_id="box-1").version == 1
    receipt = Receipt("box-1", "b", 3, 3, 0, 1_780_000_000_000)
    sealed = seal_receipt(KEY, receipt)
    assert open_receipt(sealed, KEY.public_key(), device_id="box-1", batch_id="b") == receipt


@pytest.mark.parametrize(
    "envelope",
    [None, [], {"body": []}, {"body": {"type": "wastetrace.test/1"}, "alg": "RSA", "sig": "x"}],
)
def test_malformed_envelopes_are_envelope_errors(envelope):
    with pytest.raises(EnvelopeError):
        open_sealed(envelope, "wastetrace.test/1", KEY.public_key())


def test_a_body_that_cannot_be_canonical_is_refused_before_signing():
    with pytest.raises(HeartbeatError, match="canonical"):
        seal(KEY, {"type": "x", "big": 2**60}, HeartbeatError)
