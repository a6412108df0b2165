"""The hub's MQTT worker: batches and heartbeats from the broker, receipts and configurations back.

Every worker joins the shared subscription `$share/hub/wt/v1/+/+/batches` (and `…/heartbeat`), so the
broker gives each message to one worker and several workers share the load. Sessions are persistent and
messages are acknowledged (PUBACK) only after the batch is committed and its receipt published: a worker
killed during ingest leaves the message unacknowledged and the broker hands it out again. A batch that
arrives twice is stored once (the hub de-duplicates on (device, seq)), and its receipt says so.

Inside a worker, `concurrency` threads ingest several devices' batches at once, so one device's database
round trip does not hold up the others (hub/ledger/lanes.py). Each device's messages keep their arrival
order: its next batch starts only after the previous one is answered. At most `max_queued` messages are
held in memory; the broker is told so (MQTT 5 Receive Maximum), and past it paho's network thread waits
for room, so the worker stops reading and the broker keeps the rest. A heartbeat (QoS 0) that finds the
worker full is dropped: the box sends another.

Answers go to `wt/v1/{enterprise}/{device}/receipts`, derived from the topic (never from the message's
response-topic property, which the device could point anywhere), carrying MQTT 5 correlation data = the
batch id. The enterprise in the topic must be the device's own: a device cannot speak for another site.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.bodies import shown
from hub.core.db import BUSY_RETRY_AFTER_S
from hub.core.deps import wall_clock_ms
from hub.devices.health import HeartbeatRefused, record_heartbeat
from hub.ledger.ingest import IngestRefused, decode_batch, ingest, record_refusal
from hub.ledger.lanes import Lanes
from hub.ledger.routes import MAX_BODY_BYTES
from protocols import strictjson
from protocols.ledger import CanonicalBatch

log = logging.getLogger(__name__)

TOPIC_ROOT = "wt/v1"
DEFAULT_GROUP = "hub"
DEFAULT_CONCURRENCY = 4  # batches one worker ingests at once (threads; each holds a database connection)
DEFAULT_MAX_QUEUED = 64  # messages one worker holds, running or waiting for their device's turn


class MqttSettingsError(ValueError):
    """A broker URL or option the worker cannot use."""


@dataclass(frozen=True, slots=True)
class BrokerSettings:
    url: str = "mqtt://127.0.0.1:1883"  # mqtts:// for TLS; user:password@ allowed
    # Stable across restarts of one worker, unique among workers: the broker keeps the worker's session (and
    # its share of the messages) under this id while it is away.
    client_id: str = ""  # default hub-<hostname>-1
    group: str = DEFAULT_GROUP
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    # Long enough to ride out a restart; short, because the broker keeps sending a share of the messages to
    # a session whose worker is gone, and only the edge's resend after its receipt timeout rescues those.
    session_expiry_s: int = 3600
    keepalive_s: int = 30
    concurrency: int = DEFAULT_CONCURRENCY
    max_queued: int = DEFAULT_MAX_QUEUED
    deferred: bool = False  # WT_HUB_PROJECTION=deferred: custody and the projection by the projector

    def __post_init__(self) -> None:
        if not 1 <= self.concurrency <= 64:
            raise MqttSettingsError("the MQTT worker's concurrency must be 1–64 threads")
        if not self.concurrency <= self.max_queued <= 65_535:
            raise MqttSettingsError("the MQTT worker's queue must hold its concurrency to 65535 messages")


class MqttConsumer:
    def __init__(
        self,
        settings: BrokerSettings,
        read: sessionmaker[Session],
        write: sessionmaker[Session],
        hub_key: Ed25519PrivateKey,
        *,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        parts = urlsplit(settings.url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise MqttSettingsError(
                f"broker URL {settings.url!r}: expected mqtt://host:port or mqtts://host:port"
            )
        self.settings = settings
        self.host = parts.hostname
        self.port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self.read, self.write, self.hub_key, self.clock = read, write, hub_key, clock
        self.client_id = settings.client_id or f"hub-{_hostname()}-1"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if parts.scheme == "mqtts" or settings.ca_file:
            self.client.tls_set(
                ca_certs=settings.ca_file,
                certfile=settings.cert_file,
                keyfile=settings.key_file,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        if parts.username:
            self.client.username_pw_set(unquote(parts.username), unquote(parts.password or "") or None)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self.lanes = Lanes(settings.concurrency, settings.max_queued, name=f"{self.client_id}-lane")
        # Counts which connection a message came on: an answer finished after a reconnect is not acknowledged,
        # because the broker has handed the message out again on the new connection (its copy waits in the
        # same lane and is acknowledged when it is answered).
        self._connection = 0
        self._counted = threading.Lock()
        self.handled = 0
        self.dropped_heartbeats = 0

    @property
    def subscriptions(self) -> list[tuple[str, int]]:
        share = f"$share/{self.settings.group}/{TOPIC_ROOT}/+/+"
        return [(f"{share}/batches", 1), (f"{share}/heartbeat", 1)]

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.settings.session_expiry_s
        # The broker should not send more unacknowledged messages than the worker holds; Mosquitto 2.0 lets a
        # few more through after out-of-order acknowledgements, so the lanes enforce the bound as well.
        props.ReceiveMaximum = self.settings.max_queued
        self.client.connect_async(
            self.host, self.port, keepalive=self.settings.keepalive_s, clean_start=False, properties=props
        )
        self.client.loop_start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish and answer the batches being ingested, then disconnect. Messages still waiting for their
        device's turn are left unacknowledged: the broker hands them out again when this session returns.
        A worker is not started again after stop()."""
        if not self.lanes.close(timeout_s):
            log.warning("batches still being ingested after %.0f s; disconnecting anyway", timeout_s)
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            log.error("broker %s:%d refused the hub worker: %s", self.host, self.port, reason)
            return
        self._connection += 1
        client.subscribe(self.subscriptions)
        log.info(
            "hub worker connected to %s:%d (session present: %s)", self.host, self.port, flags.session_present
        )

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[Any], _props: Any) -> None:
        refused = [str(r) for r in reasons if r.is_failure]
        if refused:
            log.error(
                "broker %s:%d refused the hub worker's subscriptions: %s", self.host, self.port, refused
            )
            return
        # Set only now: a message published before the broker holds the subscription would not reach this
        # worker, and whoever waits for `connected` (the CLI, the tests) means "consuming".
        self.connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._connection += 1
        if reason.is_failure:
            log.warning("hub worker lost the broker %s:%d: %s", self.host, self.port, reason)

    def _on_message(self, client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        # paho's network thread: queue the message in its device's lane and return to reading.
        connection = self._connection

        def answer() -> None:
            # A supervised boundary: whatever one message does, the worker lives on and the next one comes.
            try:
                self.handle(message.topic, message.payload, _correlation(message))
            except Exception:  # noqa: BLE001 - logged; the message is acknowledged and the edge resends
                log.exception("a message on %s could not be handled", message.topic)
            finally:
                # After the receipt is queued for publishing, so the broker forgets the batch only once its
                # answer is on the way.
                if message.qos and connection == self._connection:
                    client.ack(message.mid, message.qos)
                with self._counted:
                    self.handled += 1

        if message.qos == 0:
            if not self.lanes.submit(_lane(message.topic), answer, wait=False):
                with self._counted:
                    self.dropped_heartbeats += 1
            return
        # Waits while the worker is full (it stops reading); refused only while stopping, and then left
        # unacknowledged for the broker to hand out again. A wait past 1.5 keepalives (a database that hangs)
        # makes the broker drop the connection: safe, since nothing taken since then is acknowledged.
        self.lanes.submit(_lane(message.topic), answer, wait=True)

    def handle(self, topic: str, payload: bytes, correlation: bytes | None) -> None:
        parts = topic.split("/")
        if len(parts) != 5 or "/".join(parts[:2]) != TOPIC_ROOT:
            log.warning("ignored a message on unexpected topic %s", topic)
            return
        enterprise, device_id, leaf = parts[2], parts[3], parts[4]
        if leaf == "batches":
            answer = self.answer_batch(enterprise, device_id, payload)
            self._publish(f"{TOPIC_ROOT}/{enterprise}/{device_id}/receipts", answer, correlation)
        elif leaf == "heartbeat":
            answer = self.answer_heartbeat(enterprise, device_id, payload)
            # One topic back to the box carries both signed kinds; the box tells them apart by body type.
            for signed in (answer.get("config"), answer.get("shipping")):
                if signed is not None:
                    self._publish(f"{TOPIC_ROOT}/{enterprise}/{device_id}/config", signed, None)

    def answer_batch(self, enterprise: str, device_id: str, payload: bytes) -> dict[str, Any]:
        """Ingest one batch; the answer is a receipt or a refusal, exactly as over HTTP."""
        batch_id: Any = None
        now = self.clock()
        try:
            envelope, canonical = _batch(payload)
            body = envelope.get("body") if isinstance(envelope, dict) else None
            batch_id = body.get("batch_id") if isinstance(body, dict) else None
            claimed = body.get("device_id") if isinstance(body, dict) else None
            if claimed != device_id:
                raise IngestRefused(
                    403,
                    "wrong_topic",
                    f"a batch of {shown(claimed)} was sent on the topic of {shown(device_id)}",
                    device_id=device_id,
                )
            # The topic's enterprise is checked against the device's with its key, in the one read.
            done = ingest(
                self.read,
                self.write,
                envelope,
                self.hub_key,
                now,
                canonical,
                enterprise,
                deferred=self.settings.deferred,
            )
        except IngestRefused as refusal:
            record_refusal(self.write, refusal, now)
            return {"batch_id": batch_id, "status": refusal.status, **refusal.answer()}
        except SQLAlchemyError as exc:
            log.error("database error while ingesting %s: %s", batch_id, exc)
            # Nothing of the batch was kept; the box resends it after the wait named, as over HTTP's
            # Retry-After, so sites refused together do not all come back at once.
            return {
                "batch_id": batch_id,
                "status": 503,
                "detail": f"the hub's database is busy or unavailable; resend in {BUSY_RETRY_AFTER_S} s",
                "retry_after_s": BUSY_RETRY_AFTER_S,
            }
        return {
            "batch_id": batch_id,
            "status": 200,
            "receipt": done.receipt,
            "refused": done.refused_view(),
            "projected": done.projected,
        }

    def answer_heartbeat(self, enterprise: str, device_id: str, payload: bytes) -> dict[str, Any]:
        try:
            envelope = _json(payload)
            body = envelope.get("body") if isinstance(envelope, dict) else None
            if not isinstance(body, dict) or body.get("device_id") != device_id:
                raise HeartbeatRefused(
                    403, f"a heartbeat sent on the topic of {device_id!r} by another device"
                )
            answer = record_heartbeat(
                self.read, self.write, envelope, self.hub_key, self.clock(), enterprise=enterprise
            )
        except (HeartbeatRefused, IngestRefused) as exc:
            log.warning("heartbeat from %s refused: %s", device_id, exc)
            return {}
        return answer

    def _publish(self, topic: str, answer: dict[str, Any], correlation: bytes | None) -> None:
        props = Properties(PacketTypes.PUBLISH)
        if correlation:
            props.CorrelationData = correlation
        payload = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.client.publish(topic, payload, qos=1, properties=props)


def _json(payload: bytes) -> Any:
    if len(payload) > MAX_BODY_BYTES:
        raise IngestRefused(
            413, "too_large", f"the batch is larger than {MAX_BODY_BYTES} bytes; send smaller ones"
        )
    try:
        return strictjson.loads(payload)
    except strictjson.StrictJsonError as exc:
        raise IngestRefused(422, "malformed", f"the message is not strict JSON: {exc}") from exc


def _batch(payload: bytes) -> tuple[Any, CanonicalBatch | None]:
    if len(payload) > MAX_BODY_BYTES:
        raise IngestRefused(
            413, "too_large", f"the batch is larger than {MAX_BODY_BYTES} bytes; send smaller ones"
        )
    return decode_batch(payload)


def _lane(topic: str) -> str:
    """A device's messages share a lane (wt/v1/{enterprise}/{device}/…); anything else gets the topic's."""
    parts = topic.split("/")
    return "/".join(parts[:4]) if len(parts) == 5 else topic


def _correlation(message: mqtt.MQTTMessage) -> bytes | None:
    props = getattr(message, "properties", None)
    data = getattr(props, "CorrelationData", None) if props is not None else None
    return bytes(data) if isinstance(data, bytes | bytearray) else None


def _hostname() -> str:
    return socket.gethostname().split(".")[0][:40] or "hub"
