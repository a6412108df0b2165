"""The uplink over MQTT (paho-mqtt 2.x, MQTT 5, QoS 1, a persistent session, TLS when asked).

Topics, for enterprise E (its USCC) and device D:

- `wt/v1/E/D/batches`   edge → hub, one sealed batch per message; MQTT 5 correlation data = batch_id
- `wt/v1/E/D/receipts`  hub → edge, `{"batch_id", "status": 200, "receipt"}` or a refusal
  `{"batch_id", "status", "detail", "expected_seq"?, "retry_after_s"?}` (unsigned: it may move the cursor
  back, never on; a busy hub's 503 names the wait before the box resends, as HTTP's Retry-After)
- `wt/v1/E/D/heartbeat` edge → hub, a signed heartbeat
- `wt/v1/E/D/config`    hub → edge, a hub-signed configuration or shipping list (answers to a heartbeat)

The session is persistent (clean_start False, a long session expiry), so receipts and configurations
published while the box is offline wait at the broker. paho's own queue is kept nearly empty: a batch is
published only while connected, one at a time, and only after it is committed in the ledger, so no memory
fills up during a weeks-long outage (the ThingsBoard gateway's failure, TB-GW #1445).
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from edge.config import ConfigError, MqttConfig
from edge.uplink import HubRefused, UplinkError

log = logging.getLogger(__name__)

TOPIC_ROOT = "wt/v1"
_FORBIDDEN_IN_TOPIC = set("/+#\x00")
# paho keeps at most this many unacknowledged messages; beyond that, publish fails instead of queueing.
_MAX_QUEUED = 8


def topic_for(enterprise: str, device_id: str, leaf: str) -> str:
    for name, value in (("enterprise", enterprise), ("device id", device_id)):
        if not value or _FORBIDDEN_IN_TOPIC & set(value):
            raise ConfigError(f"the {name} {value!r} cannot be part of an MQTT topic (no / + # allowed)")
    return f"{TOPIC_ROOT}/{enterprise}/{device_id}/{leaf}"


def broker_address(url: str) -> tuple[str, int, bool]:
    """(host, port, tls) from mqtt://host:1883 or mqtts://host:8883."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"[mqtt] url {url!r}: expected mqtt://host:port or mqtts://host:port")
    tls = parts.scheme == "mqtts"
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


class MqttTransport:
    """One MQTT client per edge; the uplink calls `exchange`, the heartbeat `publish_heartbeat`."""

    name = "mqtt"

    def __init__(
        self,
        config: MqttConfig,
        enterprise: str,
        device_id: str,
        *,
        base_dir: Path | None = None,
        on_config: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.config = config
        self.host, self.port, self.tls = broker_address(config.url)
        self.batches_topic = topic_for(enterprise, device_id, "batches")
        self.receipts_topic = topic_for(enterprise, device_id, "receipts")
        self.heartbeat_topic = topic_for(enterprise, device_id, "heartbeat")
        self.config_topic = topic_for(enterprise, device_id, "config")
        self.client_id = config.client_id or f"wt-edge-{device_id}"
        self.on_config = on_config
        self._base = base_dir or Path(".")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: mqtt.Client | None = None
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._connected = asyncio.Event()
        self._silent_rounds = 0
        self.last_error: str | None = None
        self.ignored_answers = 0

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        self._loop = asyncio.get_running_loop()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5)
        client.max_queued_messages_set(_MAX_QUEUED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        if self.tls or self.config.ca_file:
            client.tls_set(
                ca_certs=self._path(self.config.ca_file),
                certfile=self._path(self.config.cert_file),
                keyfile=self._path(self.config.key_file),
                cert_reqs=ssl.CERT_REQUIRED,
            )
        if self.config.username:
            client.username_pw_set(self.config.username, self._password())
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.session_expiry_s
        client.connect_async(
            self.host, self.port, keepalive=self.config.keepalive_s, clean_start=False, properties=props
        )
        client.loop_start()
        self._client = client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        await asyncio.to_thread(client.loop_stop)
        self._fail_waiters(UplinkError("the uplink stopped"))

    def _path(self, name: str) -> str | None:
        return str(self._base / name) if name else None

    def _password(self) -> str | None:
        if not self.config.password_file:
            return None
        try:
            return (self._base / self.config.password_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"[mqtt] password_file: {exc}") from exc

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    # -- paho callbacks (paho's thread) -------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any) -> None:
        if reason.is_failure:
            self._call(self._set_error, f"the broker refused the connection: {reason}")
            return
        # Subscribed again on every connect: the broker may have dropped an expired session.
        client.subscribe([(self.receipts_topic, 1), (self.config_topic, 1)])
        log.info("connected to %s:%d (session present: %s)", self.host, self.port, flags.session_present)
        self._call(self._set_connected, True)

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _flags: Any, reason: Any, _props: Any) -> None:
        self._call(self._set_connected, False, f"lost the broker connection ({reason})")

    def _on_message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            payload = json.loads(message.payload)
        except ValueError:
            log.warning("ignored a message on %s that is not JSON", message.topic)
            return
        if not isinstance(payload, dict):
            return
        if message.topic == self.config_topic:
            if self.on_config is not None:
                self._call(self.on_config, payload)
            return
        batch_id = _correlation(message) or payload.get("batch_id")
        self._call(self._answer, batch_id, payload)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)

    # -- the event loop's side ----------------------------------------------------------------------------

    def _set_error(self, message: str) -> None:
        self.last_error = message
        log.warning("%s", message)

    def _set_connected(self, up: bool, why: str | None = None) -> None:
        if up:
            self._connected.set()
            self.last_error = None
            return
        self._connected.clear()
        if why:
            self._set_error(why)
        self._fail_waiters(UplinkError(why or "lost the broker connection"))

    def _fail_waiters(self, exc: UplinkError) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(exc)

    def _answer(self, batch_id: Any, payload: dict[str, Any]) -> None:
        future = self._waiting.get(batch_id) if isinstance(batch_id, str) else None
        if future is None or future.done():
            # A receipt for a batch no longer in flight (answered already, or sent before a restart).
            log.info("ignored an answer for batch %r, which is not in flight", batch_id)
            self.ignored_answers += 1
            return
        future.set_result(payload)

    async def exchange(self, batch_id: str, envelope: bytes) -> dict[str, Any]:
        client = self._client
        if client is None:
            raise UplinkError("the MQTT uplink is not started")
        if not self.connected:
            why = f": {self.last_error}" if self.last_error else ""
            raise UplinkError(f"broker {self.host}:{self.port} unreachable{why}")
        assert self._loop is not None
        future: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._waiting[batch_id] = future
        try:
            props = Properties(PacketTypes.PUBLISH)
            props.CorrelationData = batch_id.encode("utf-8")
            props.ResponseTopic = self.receipts_topic
            info = client.publish(self.batches_topic, envelope, qos=1, properties=props)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                raise UplinkError(f"could not publish the batch: {mqtt.error_string(info.rc)}")
            # A hub that stays silent is given longer each round, so a long hub outage does not pile
            # copies of one batch up at the broker.
            timeout = min(self.config.receipt_timeout_s * 2**self._silent_rounds, 600)
            try:
                answer = await asyncio.wait_for(future, timeout)
            except TimeoutError as exc:
                self._silent_rounds = min(self._silent_rounds + 1, 5)
                raise UplinkError(f"no receipt from the hub within {timeout:.0f} s; resending") from exc
        finally:
            self._waiting.pop(batch_id, None)
        self._silent_rounds = 0
        status = answer.get("status")
        if status == 200 and isinstance(answer.get("receipt"), dict):
            return answer["receipt"]
        expected = answer.get("expected_seq")
        raise HubRefused(
            status if isinstance(status, int) else 502,
            str(answer.get("detail", "an answer without a receipt")),
            expected_seq=expected if isinstance(expected, int) else None,
            retry_after_s=_retry_after_s(answer),
        )

    def publish_heartbeat(self, payload: bytes) -> bool:
        """Publish a heartbeat if connected (QoS 0: the next one replaces a lost one); say whether it went."""
        client = self._client
        if client is None or not self.connected:
            return False
        return client.publish(self.heartbeat_topic, payload, qos=0).rc == mqtt.MQTT_ERR_SUCCESS


def _retry_after_s(answer: dict[str, Any]) -> float | None:
    """The wait a busy hub names in a refusal (`retry_after_s`, as HTTP's Retry-After): only for a busy
    answer (503, 429), and only a number of seconds from 0 to an hour; else the usual backoff applies."""
    wait = answer.get("retry_after_s")
    if answer.get("status") not in (429, 503) or isinstance(wait, bool) or not isinstance(wait, int | float):
        return None
    return float(wait) if 0 <= wait <= 3600 else None


def _correlation(message: mqtt.MQTTMessage) -> str | None:
    props = getattr(message, "properties", None)
    data = getattr(props, "CorrelationData", None) if props is not None else None
    if isinstance(data, bytes | bytearray):
        try:
            return bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None
