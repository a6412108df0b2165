"""Batches over MQTT through the machine's Mosquitto: QoS 1, persistent sessions, a shared subscription
of hub workers, receipts and refusals on the ack topic."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.config import MqttConfig
from edge.ledger import Ledger
from edge.mqtt_uplink import MqttTransport, _retry_after_s
from edge.uplink import DESTINATION, BatchPolicy, HubRefused, Uplink, UplinkError
from hub.core import db
from hub.core.db import BUSY_RETRY_AFTER_S
from protocols.ledger import Receipt, seal_receipt, verify_chain
from tests.reliability_support import USCC, fill, make_hub, system_broker, wait_until


@pytest.fixture
def broker():
    return system_broker()


@pytest.fixture
def harness(tmp_path):
    return make_hub(tmp_path / "hub")


@pytest.fixture
def worker(harness, broker):
    consumer = harness.consumer(broker)
    consumer.start()
    assert consumer.connected.wait(10)
    yield consumer
    consumer.stop()


@pytest.fixture
def ledger(tmp_path, harness):
    led = Ledger(tmp_path / "edge" / "ledger.db", harness.device_id)
    yield led
    led.close()


def transport_for(broker: str, harness, enterprise: str = USCC, **over) -> MqttTransport:
    config = MqttConfig(
        url=broker,
        client_id=over.pop("client_id", f"edge-test-{uuid.uuid4().hex[:8]}"),
        session_expiry_s=60,
        receipt_timeout_s=over.pop("receipt_timeout_s", 10.0),
        **over,
    )
    return MqttTransport(config, enterprise, harness.device_id)


async def started(transport: MqttTransport) -> MqttTransport:
    await transport.start()
    for _ in range(200):
        if transport.connected:
            return transport
        await asyncio.sleep(0.05)
    raise AssertionError("the edge did not connect to the broker")


def uplink_over(transport: MqttTransport, ledger: Ledger, harness, max_events: int = 500) -> Uplink:
    return Uplink(
        ledger,
        transport,
        harness.device_key,
        harness.hub_public_key,
        policy=BatchPolicy(max_events=max_events, max_age_ms=0),
    )


async def flush_all(uplink: Uplink, ledger: Ledger, timeout_s: float = 60) -> int:
    failures = 0
    deadline = asyncio.get_running_loop().time() + timeout_s
    while ledger.backlog(DESTINATION)[0]:
        assert asyncio.get_running_loop().time() < deadline, f"backlog left: {ledger.backlog(DESTINATION)}"
        try:
            await uplink.flush_once(wait_for_full=False)
        except UplinkError:
            failures += 1
            await asyncio.sleep(0.1)
    return failures


def assert_exactly_once(harness, ledger: Ledger) -> None:
    seqs = [s for (s,) in harness.rows("SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, ledger.head()[0] + 1))
    assert verify_chain(ledger.events_after(0, 100_000)) == ledger.head()


async def test_batches_reach_the_hub_over_mqtt_and_each_gets_a_signed_receipt(
    broker, harness, worker, ledger
):
    fill(ledger, 1200)
    transport = await started(transport_for(broker, harness))
    uplink = uplink_over(transport, ledger, harness)
    assert await flush_all(uplink, ledger) == 0
    await transport.close()
    assert uplink.state.sent_batches == 3 and ledger.cursor(DESTINATION) == 1200
    assert_exactly_once(harness, ledger)


def publish_answer(broker: str, topic: str, answer: dict, correlation: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    host, port = broker.removeprefix("mqtt://").split(":")
    client.connect(host, int(port))
    client.loop_start()
    props = Properties(PacketTypes.PUBLISH)
    props.CorrelationData = correlation.encode()
    client.publish(topic, json.dumps(answer), qos=1, properties=props).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()


async def test_a_receipt_for_another_batch_never_moves_the_cursor(broker, harness, ledger):
    # No hub worker: the only answers are the ones this test publishes.
    fill(ledger, 10)
    transport = await started(transport_for(broker, harness))
    uplink = uplink_over(transport, ledger, harness)
    batch_id = f"{harness.device_id}:1-10"
    flushing = asyncio.create_task(uplink.flush_once(wait_for_full=False))
    await asyncio.sleep(0.5)
    signed = seal_receipt(harness.hub.key, Receipt(harness.device_id, "someone-else:1-10", 10, 10, 0, 1))
    # An answer for a batch not in flight is ignored; one for this batch holding another batch's receipt
    # is refused by the signature check of the batch id.
    await asyncio.to_thread(
        publish_answer, broker, transport.receipts_topic, {"status": 200, "receipt": signed}, "x:1-1"
    )
    await asyncio.to_thread(
        publish_answer, broker, transport.receipts_topic, {"status": 200, "receipt": signed}, batch_id
    )
    with pytest.raises(UplinkError, match="receipt was not accepted"):
        await flushing
    assert transport.ignored_answers == 1
    assert ledger.cursor(DESTINATION) == 0
    await transport.close()


async def test_a_gap_refusal_comes_back_on_the_ack_topic_and_rewinds_the_cursor(
    broker, harness, worker, ledger
):
    fill(ledger, 60)
    ledger.set_cursor(DESTINATION, 50)
    transport = await started(transport_for(broker, harness))
    uplink = uplink_over(transport, ledger, harness)
    with pytest.raises(UplinkError, match="resending from there"):
        await uplink.flush_once(wait_for_full=False)
    assert ledger.cursor(DESTINATION) == 0
    await flush_all(uplink, ledger)
    await transport.close()
    assert_exactly_once(harness, ledger)


async def test_a_batch_on_another_enterprises_topic_is_refused_and_kept_as_evidence(
    broker, harness, worker, ledger
):
    fill(ledger, 5)
    transport = await started(transport_for(broker, harness, enterprise="91999999999999999X"))
    uplink = uplink_over(transport, ledger, harness)
    with pytest.raises(HubRefused, match="belongs to enterprise") as refused:
        await uplink.flush_once(wait_for_full=False)
    assert refused.value.status == 403
    await transport.close()
    assert ledger.cursor(DESTINATION) == 0
    assert harness.rows("SELECT reason FROM refusals") == [("wrong_topic",)]
    assert harness.rows("SELECT COUNT(*) FROM events") == [(0,)]


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)  # 10 s in service; the test need not wait that


async def test_a_worker_whose_database_is_busy_names_the_wait_and_the_batch_is_stored_once_later(
    short_busy_timeout, broker, harness, worker, ledger
):
    fill(ledger, 5)
    transport = await started(transport_for(broker, harness))
    uplink = uplink_over(transport, ledger, harness)
    other = sqlite3.connect(harness.db_path, isolation_level=None)  # another writer holds the write lock
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(HubRefused, match="busy") as refused:
            await uplink.flush_once(wait_for_full=False)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert refused.value.status == 503 and refused.value.retry
    assert refused.value.retry_after_s == BUSY_RETRY_AFTER_S  # Uplink.run waits that long, then resends
    assert ledger.cursor(DESTINATION) == 0
    assert harness.rows("SELECT COUNT(*) FROM events") == [(0,)]
    assert harness.rows("SELECT COUNT(*) FROM refusals") == [(0,)]  # load, not the box's fault

    assert await flush_all(uplink, ledger) == 0
    await transport.close()
    assert_exactly_once(harness, ledger)


@pytest.mark.parametrize(
    ("answer", "wait"),
    [
        ({"status": 503, "retry_after_s": 5}, 5.0),
        ({"status": 429, "retry_after_s": 0.5}, 0.5),
        ({"status": 503}, None),
        ({"status": 503, "retry_after_s": "5"}, None),
        ({"status": 503, "retry_after_s": True}, None),
        ({"status": 503, "retry_after_s": -1}, None),
        ({"status": 503, "retry_after_s": 1e9}, None),
        ({"status": 409, "retry_after_s": 5}, None),  # only a busy hub names a wait
    ],
)
def test_only_a_busy_refusal_with_a_sane_number_of_seconds_sets_the_wait(answer, wait):
    assert _retry_after_s(answer) == wait


async def test_two_hub_workers_share_the_batches(broker, harness, ledger):
    group = f"g{uuid.uuid4().hex[:8]}"
    workers = [harness.consumer(broker, group=group) for _ in range(2)]
    for w in workers:
        w.start()
        assert w.connected.wait(10)
    try:
        fill(ledger, 1000)
        transport = await started(transport_for(broker, harness))
        await flush_all(uplink_over(transport, ledger, harness, max_events=50), ledger)
        await transport.close()
    finally:
        for w in workers:
            w.stop()
    assert all(w.handled > 0 for w in workers), [w.handled for w in workers]
    assert_exactly_once(harness, ledger)


async def test_batches_wait_at_the_broker_for_a_hub_worker_that_is_away(broker, harness, ledger):
    # The worker's session outlives the worker: a batch published while it is down is delivered when
    # it comes back, and its receipt then waits at the broker for the edge's session in turn.
    consumer_id = f"hub-away-{uuid.uuid4().hex[:6]}"
    group = f"g{uuid.uuid4().hex[:8]}"
    worker = harness.consumer(broker, group=group, client_id=consumer_id)
    worker.start()
    assert worker.connected.wait(10)
    worker.stop()
    fill(ledger, 30)
    edge_id = f"edge-away-{uuid.uuid4().hex[:6]}"
    transport = await started(transport_for(broker, harness, client_id=edge_id, receipt_timeout_s=1.0))
    uplink = uplink_over(transport, ledger, harness)
    with pytest.raises(UplinkError, match="no receipt"):
        await uplink.flush_once(wait_for_full=False)
    await transport.close()
    back = harness.consumer(broker, group=group, client_id=consumer_id)
    back.start()
    try:
        await asyncio.to_thread(
            wait_until,
            lambda: harness.rows("SELECT COUNT(*) FROM events") == [(30,)],
            20,
            "the hub to ingest",
        )
        again = await started(transport_for(broker, harness, client_id=edge_id))
        await asyncio.to_thread(wait_until, lambda: again.ignored_answers >= 1, 20, "the queued receipt")
        await flush_all(uplink_over(again, ledger, harness), ledger)
        await again.close()
    finally:
        back.stop()
    assert_exactly_once(harness, ledger)
