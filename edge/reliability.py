"""The parts that keep a box reachable and honest about itself, wired together for `edge.app`.

The uplink over the transport the configuration names, the heartbeat, the storage purge, remote
configuration and the systemd watchdog. Each runs as its own task; none of them can stop the weighing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from edge import sdnotify
from edge.config import ConfigError, EdgeConfig
from edge.device_report import Probe
from edge.heartbeat import HeartbeatReporter, http_sender, mqtt_sender
from edge.ledger import Ledger
from edge.mqtt_uplink import MqttTransport
from edge.remote_config import RemoteConfigAgent
from edge.shipping import ShippingBook, route_from_hub
from edge.storage import Storage
from edge.uplink import BatchPolicy, HttpTransport, Transport, Uplink
from protocols.catalogue import Catalogue

log = logging.getLogger(__name__)

# The agent counts as having come up with a new remote configuration after this long.
CONFIRM_AFTER_S = 20.0


@dataclass
class Upkeep:
    uplink: Uplink
    heartbeat: HeartbeatReporter
    storage: Storage
    config: EdgeConfig
    remote_config: RemoteConfigAgent | None = None
    probes: dict[str, Probe] = field(default_factory=dict)
    shipping: ShippingBook | None = None


def remote_config_agent(
    config: EdgeConfig, hub_key: Ed25519PublicKey, catalogue: Catalogue
) -> RemoteConfigAgent:
    def validate(candidate: EdgeConfig) -> None:
        for w in candidate.waste_types:
            if w.code not in catalogue:
                raise ConfigError(
                    f"waste type {w.code} ({w.name}) is not in the {catalogue.edition} catalogue"
                )

    return RemoteConfigAgent(config.data_dir / "remote-config", config.device_id, hub_key, validate=validate)


def make_upkeep(
    config: EdgeConfig,
    ledger: Ledger,
    device_key: Ed25519PrivateKey,
    hub_key: Ed25519PublicKey,
    *,
    remote_config: RemoteConfigAgent | None = None,
) -> Upkeep:
    on_config: Callable[[dict[str, Any]], Any] | None = remote_config.offer if remote_config else None
    shipping = ShippingBook(config.data_dir / "shipping.json", config.device_id, hub_key)
    transport: Transport
    if config.transport == "mqtt":
        mqtt = MqttTransport(
            config.mqtt,
            config.enterprise_uscc,
            config.device_id,
            base_dir=config.path.parent,
            on_config=lambda envelope: route_from_hub(envelope, on_config, shipping),
        )
        transport, send = mqtt, mqtt_sender(mqtt.publish_heartbeat)
    else:
        transport, send = HttpTransport(config.hub_url), http_sender(config.hub_url, config.device_id)
    policy = BatchPolicy(config.upload_batch_events, config.upload_batch_bytes, config.upload_batch_age_ms)
    uplink = Uplink(ledger, transport, device_key, hub_key, policy=policy)
    storage = Storage(
        config.data_dir,
        config.min_free_bytes,
        config.storage.purge,
        wall_ms=ledger.clock.now_ms,
        clock_synced=ledger.clock.synced,
    )
    probes: dict[str, Probe] = {}  # the agent adds one per scale, printer and camera
    heartbeat = HeartbeatReporter(
        device_id=config.device_id,
        device_key=device_key,
        ledger=ledger,
        clock=ledger.clock,
        storage=storage,
        uplink=uplink,
        send=send,
        probes=probes,
        config_status=remote_config.status if remote_config else dict,
        on_config=on_config if config.transport == "http" else None,
        on_shipping=shipping.offer if config.transport == "http" else None,
        telemetry_dir=config.data_dir / "telemetry",
    )
    return Upkeep(uplink, heartbeat, storage, config, remote_config, probes, shipping)


def start_upkeep(upkeep: Upkeep, ledger: Ledger) -> list[asyncio.Task[None]]:
    """Start every background task; cancel them with `stop_upkeep`."""

    async def ledger_answers() -> bool:
        await asyncio.to_thread(ledger.head)
        return True

    config = upkeep.config
    return [
        asyncio.create_task(upkeep.uplink.run(), name="uplink"),
        asyncio.create_task(upkeep.heartbeat.run(config.heartbeat_s), name="heartbeat"),
        asyncio.create_task(upkeep.storage.run(config.storage.purge_every_s), name="purge"),
        asyncio.create_task(sdnotify.watchdog(ledger_answers), name="watchdog"),
    ]


async def stop_upkeep(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def confirm_when_settled(agent: RemoteConfigAgent, after_s: float = CONFIRM_AFTER_S) -> None:
    """The agent has run for `after_s` with its configuration: that configuration is now known-good."""
    await asyncio.sleep(after_s)
    await asyncio.to_thread(agent.confirm)
