"""MQTT workers that ingest several devices' batches at once (hub/ledger/lanes.py), against the machine's
Mosquitto and a real database (SQLite and PostgreSQL).

Two workers on one shared subscription, each handed a copy of every batch at the same moment, store each
batch once and every device's chain whole and in order; inside one worker, a device's batches wait for
each other while another device's batch goes ahead; a batch whose connection drops mid-ingest is handed out
again and stored once. Synchronised by events and barriers, never by sleeps.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.ledger import mqtt_consumer
from hub.ledger.lanes import Lanes
from hub.ledger.mqtt_consumer import BrokerSettings, MqttConsumer
from hub.ledger.projector import project_backlog
from protocols.ledger import GENESIS_HASH, Receipt, load_public_key, open_receipt
from tests.reliability_support import PrivateBroker, system_broker
from tests.test_hub_support import (
    USCC,
    Clock,
    SimDevice,
    enrol,
    make_client,
    rows,
)

WAIT_S = 30  # a bound on every wait, far above what a step takes: reached only when something is wrong


@pytest.fixture
def hub(tmp_path, db_url) -> Iterator[TestClient]:
    with make_client(tmp_path, db_url, Clock()) as client:
        yield client


@pytest.fixture
def broker() -> str:
    return system_broker()


class Site:
    """The boxes' side of the broker: publishes batches, collects the hub's answers by (device, batch)."""

    def __init__(self, broker: str) -> None:
        host, port = broker.removeprefix("mqtt://").split(":")
        self.answers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        self.changed = threading.Condition()
        subscribed = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"sites-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv5
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.connect(host, int(port))
        self.client.loop_start()
        self.client.subscribe(f"wt/v1/{USCC}/+/receipts", qos=1)
        assert subscribed.wait(WAIT_S), "no SUBACK from the broker"

    def _on_message(self, _c: Any, _u: Any, message: mqtt.MQTTMessage) -> None:
        answer = json.loads(message.payload)
        device = message.topic.split("/")[3]
        with self.changed:
            self.answers[(device, answer.get("batch_id"))].append(answer)
            self.changed.notify_all()

    def publish(self, device: SimDevice, envelope: dict[str, Any]) -> None:
        props = Properties(PacketTypes.PUBLISH)
        props.CorrelationData = envelope["body"]["batch_id"].encode()
        payload = json.dumps(envelope).encode()
        topic = f"wt/v1/{USCC}/{device.device_id}/batches"
        self.client.publish(topic, payload, qos=1, properties=props).wait_for_publish(WAIT_S)

    def wait(self, device: SimDevice, batch_id: str, count: int = 1) -> list[dict[str, Any]]:
        key = (device.device_id, batch_id)
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.answers[key]) >= count, WAIT_S):
                raise AssertionError(f"{count} answer(s) to {batch_id} expected, got {self.answers[key]}")
            return list(self.answers[key])

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def site(broker) -> Iterator[Site]:
    s = Site(broker)
    yield s
    s.close()


def enrolled(hub: TestClient, events: int) -> SimDevice:
    device = SimDevice(device_id=f"edge-{uuid.uuid4().hex[:8]}")  # topics no other test shares
    enrol(hub, device)
    for _ in range(events):
        device.record()
    return device


def worker(
    hub: TestClient, broker: str, group: str, concurrency: int = 4, *, deferred: bool = False
) -> MqttConsumer:
    state = hub.app.state.hub
    settings = BrokerSettings(
        url=broker,
        client_id=f"hub-test-{uuid.uuid4().hex[:8]}",
        group=group,
        session_expiry_s=60,
        concurrency=concurrency,
        deferred=deferred,
    )
    consumer = MqttConsumer(settings, state.read, state.write, state.key, clock=Clock())
    consumer.start()
    assert consumer.connected.wait(WAIT_S)
    return consumer


def receipt(hub: TestClient, device: SimDevice, batch_id: str, answer: dict[str, Any]) -> Receipt:
    assert answer["status"] == 200, answer
    hub_key = load_public_key(hub.app.state.hub.public_key)
    return open_receipt(answer["receipt"], hub_key, device_id=device.device_id, batch_id=batch_id)


def assert_chain_whole(db_url: str, device: SimDevice) -> None:
    stored = rows(
        db_url,
        f"SELECT seq, event_hash, prev_hash FROM events WHERE device_id = '{device.device_id}' ORDER BY seq",
    )
    assert [r[0] for r in stored] == [e.seq for e in device.events]
    assert [r[1] for r in stored] == [e.hash for e in device.events]
    assert [r[2] for r in stored] == [GENESIS_HASH] + [r[1] for r in stored[:-1]]


def test_two_workers_each_handed_a_copy_of_every_batch_at_once_store_it_once(
    hub, db_url, broker, site, monkeypatch
):
    devices = [enrolled(hub, 20) for _ in range(3)]
    # Both copies of a batch enter ingest together, one in each worker: the database decides the race.
    meet: dict[str, threading.Barrier] = {}
    took: dict[str, list[str]] = defaultdict(list)
    guard = threading.Lock()
    real_ingest = mqtt_consumer.ingest

    def racing_ingest(read: Any, write: Any, envelope: Any, *args: Any, **kwargs: Any) -> Any:
        batch_id = envelope["body"]["batch_id"]
        with guard:
            barrier = meet.setdefault(batch_id, threading.Barrier(2, timeout=WAIT_S))
            took[batch_id].append(threading.current_thread().name.split("-lane")[0])
        barrier.wait()  # broken (and the test failed) if both copies went to one worker
        return real_ingest(read, write, envelope, *args, **kwargs)

    monkeypatch.setattr(mqtt_consumer, "ingest", racing_ingest)
    group = f"g{uuid.uuid4().hex[:8]}"
    workers = [worker(hub, broker, group) for _ in range(2)]
    try:
        for first in range(1, 21, 5):
            # Each batch twice in a row: the broker's round robin gives one copy to each worker, and every
            # device's batch of this round is in flight at the same time.
            for device in devices:
                envelope = device.batch(first, first + 4)
                site.publish(device, envelope)
                site.publish(device, envelope)
            for device in devices:
                batch_id = f"{device.device_id}:{first}-{first + 4}"
                receipts = [receipt(hub, device, batch_id, a) for a in site.wait(device, batch_id, 2)]
                assert sorted(r.stored for r in receipts) == [0, 5]  # one stored it, the other a duplicate
                assert {r.acked_seq for r in receipts} == {first + 4}
    finally:
        for w in workers:
            w.stop()
    assert all(len(set(names)) == 2 for names in took.values()), took
    assert rows(db_url, "SELECT count(*) FROM events") == [(60,)]
    for device in devices:
        assert_chain_whole(db_url, device)


def test_deferred_workers_answer_before_the_projection_and_each_batch_is_projected_once(
    hub, db_url, broker, site
):
    devices = [enrolled(hub, 20) for _ in range(3)]
    group = f"g{uuid.uuid4().hex[:8]}"
    workers = [worker(hub, broker, group, deferred=True) for _ in range(2)]
    try:
        for first in range(1, 21, 10):
            for device in devices:  # each batch twice: one worker stores it, the other finds duplicates
                envelope = device.batch(first, first + 9)
                site.publish(device, envelope)
                site.publish(device, envelope)
            for device in devices:
                batch_id = f"{device.device_id}:{first}-{first + 9}"
                answers = site.wait(device, batch_id, 2)
                stored = sorted((receipt(hub, device, batch_id, a).stored, a["projected"]) for a in answers)
                assert stored == [(0, True), (10, False)]  # only the copy that stored events waits
    finally:
        for w in workers:
            w.stop()
    assert rows(db_url, "SELECT count(*) FROM pending_projections") == [(6,)]
    state = hub.app.state.hub
    judged = project_backlog(state.write, state.clock).events
    assert judged == 60 and rows(db_url, "SELECT count(*) FROM pending_projections") == [(0,)]


def test_a_devices_batches_wait_for_each_other_while_another_devices_batch_goes_ahead(
    hub, db_url, broker, site, monkeypatch
):
    slow, other = enrolled(hub, 10), enrolled(hub, 5)
    first, second, others = f"{slow.device_id}:1-5", f"{slow.device_id}:6-10", f"{other.device_id}:1-5"
    held, release = threading.Event(), threading.Event()
    steps: list[tuple[str, str]] = []
    guard = threading.Lock()
    real_ingest = mqtt_consumer.ingest

    def watched_ingest(read: Any, write: Any, envelope: Any, *args: Any, **kwargs: Any) -> Any:
        batch_id = envelope["body"]["batch_id"]
        with guard:
            steps.append(("start", batch_id))
        if batch_id == first:
            held.set()
            assert release.wait(WAIT_S)
        try:
            return real_ingest(read, write, envelope, *args, **kwargs)
        finally:
            with guard:
                steps.append(("end", batch_id))

    monkeypatch.setattr(mqtt_consumer, "ingest", watched_ingest)
    consumer = worker(hub, broker, f"g{uuid.uuid4().hex[:8]}")
    try:
        # One connection publishes in this order, so the worker receives them in this order too: the slow
        # device's second batch is in the worker before the other device's batch.
        site.publish(slow, slow.batch(1, 5))
        site.publish(slow, slow.batch(6, 10))
        site.publish(other, other.batch(1, 5))
        assert held.wait(WAIT_S)
        # The other device is answered while the slow device's first batch is still being ingested…
        assert receipt(hub, other, others, site.wait(other, others)[0]).stored == 5
        with guard:
            assert ("start", second) not in steps  # …and the slow device's second batch waits its turn.
        release.set()
        assert receipt(hub, slow, first, site.wait(slow, first)[0]).stored == 5
        assert receipt(hub, slow, second, site.wait(slow, second)[0]).acked_seq == 10
    finally:
        release.set()
        consumer.stop()
    assert steps.index(("end", first)) < steps.index(("start", second))
    assert_chain_whole(db_url, slow)
    assert_chain_whole(db_url, other)


def test_a_batch_being_ingested_when_the_broker_goes_away_is_handed_out_again_and_stored_once(
    hub, db_url, tmp_path, monkeypatch
):
    broker = PrivateBroker(tmp_path / "broker").start()  # persistent: the worker's session survives a restart
    device = enrolled(hub, 5)
    batch_id = f"{device.device_id}:1-5"
    held, release, again = threading.Event(), threading.Event(), threading.Event()
    calls: list[str] = []
    real_ingest = mqtt_consumer.ingest

    def interrupted_ingest(read: Any, write: Any, envelope: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(envelope["body"]["batch_id"])
        if len(calls) == 1:
            held.set()
            assert release.wait(WAIT_S)
        else:
            again.set()
        return real_ingest(read, write, envelope, *args, **kwargs)

    monkeypatch.setattr(mqtt_consumer, "ingest", interrupted_ingest)
    consumer = worker(hub, broker.url, f"g{uuid.uuid4().hex[:8]}")
    site = Site(broker.url)
    try:
        site.publish(device, device.batch())
        assert held.wait(WAIT_S)
        site.close()
        consumer.connected.clear()
        broker.restart()  # the connection the batch came on is gone before its answer
        assert consumer.connected.wait(WAIT_S)
        release.set()
        # Not acknowledged on the old connection, so the broker hands it out again; the copy waits in the
        # device's lane behind the first and finds the batch stored.
        assert again.wait(WAIT_S)
    finally:
        release.set()
        consumer.stop()
        broker.stop()
    assert calls == [batch_id, batch_id]
    assert_chain_whole(db_url, device)


def test_a_full_worker_refuses_what_it_may_drop_and_closing_drops_what_waits():
    lanes = Lanes(threads=1, limit=2)
    running, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def hold() -> None:
        running.set()
        assert release.wait(WAIT_S)
        ran.append("held")

    assert lanes.submit("a", hold, wait=False)
    assert lanes.submit("b", lambda: ran.append("queued"), wait=False)
    assert running.wait(WAIT_S)
    assert not lanes.submit("c", lambda: ran.append("refused"), wait=False)  # a heartbeat past the limit
    assert lanes.held == 2
    closed = threading.Thread(target=lanes.close)
    closed.start()
    release.set()
    closed.join(WAIT_S)
    assert ran == ["held"]  # the running job finished; the queued one was left for the broker to resend
    assert lanes.held == 0
    assert not lanes.submit("d", lambda: ran.append("late"), wait=True)
