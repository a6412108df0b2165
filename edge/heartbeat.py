"""The heartbeat: every `heartbeat_s`, a signed summary of the box's health goes to the hub.

Over HTTP the hub's answer may carry a newer configuration; over MQTT that arrives on the config topic.
Each heartbeat is also appended to data_dir/telemetry/ (one JSON line), so a box that was offline for
weeks can still show how it fared; that folder is purged by age and bytes (edge/storage.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.clock import Clock
from edge.device_report import DeviceReport, Probe
from edge.ledger import Ledger
from edge.storage import Storage
from edge.uplink import DESTINATION, Uplink
from protocols.codes import china_date_from_ms
from protocols.fleet import Heartbeat, seal_heartbeat

log = logging.getLogger(__name__)

# Sends one sealed heartbeat; returns the hub's answer (HTTP) or None (MQTT, or nothing came back).
Sender = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]


def rss_bytes() -> int | None:
    """Resident memory of this process, from /proc (Linux)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


class HeartbeatReporter:
    def __init__(
        self,
        *,
        device_id: str,
        device_key: Ed25519PrivateKey,
        ledger: Ledger,
        clock: Clock,
        storage: Storage,
        uplink: Uplink,
        send: Sender,
        probes: dict[str, Probe] | None = None,
        config_status: Callable[[], dict[str, Any]] = dict,
        on_config: Callable[[dict[str, Any]], Any] | None = None,
        on_shipping: Callable[[dict[str, Any]], Any] | None = None,
        telemetry_dir: Path | None = None,
    ) -> None:
        self.device_id = device_id
        self.device_key = device_key
        self.ledger = ledger
        self.clock = clock
        self.storage = storage
        self.uplink = uplink
        self.send = send
        self.probes = probes if probes is not None else {}
        self.config_status = config_status
        self.on_config = on_config
        self.on_shipping = on_shipping
        self.telemetry_dir = telemetry_dir
        self.last_error: str | None = None

    def collect(self) -> Heartbeat:
        stamp = self.clock.stamp()  # read only: a heartbeat is not an event
        clock = self.clock.health()
        backlog = self.ledger.backlog_detail(DESTINATION)
        age = None
        if backlog.oldest_time_ms is not None:
            if backlog.oldest_boot_id == stamp.boot_id and backlog.oldest_mono_ms is not None:
                age = max(0, stamp.mono_ms - backlog.oldest_mono_ms)
            else:
                age = max(0, stamp.time_ms - backlog.oldest_time_ms)
        disk = self.storage.state()
        devices = {}
        for name, probe in self.probes.items():
            try:
                report = probe()
            except (OSError, RuntimeError, ValueError) as exc:
                report = DeviceReport("error", False, None, str(exc)[:200])
            devices[name] = report.as_dict()
        return Heartbeat(
            device_id=self.device_id,
            sent_ms=stamp.time_ms,
            boot_id=stamp.boot_id,
            mono_ms=stamp.mono_ms,
            clock_synced=stamp.clock_synced,
            backlog_events=backlog.count,
            free_disk_bytes=disk.free_bytes,
            total_disk_bytes=disk.total_bytes,
            floor_bytes=disk.floor_bytes,
            oldest_unsent_ms=backlog.oldest_time_ms,
            oldest_unsent_age_ms=age,
            rss_bytes=rss_bytes(),
            clock_jump_ms=clock.jump_ms,
            clock_behind_ms=clock.behind_ledger_ms,
            clock_message_zh=clock.message_zh,
            transport=self.uplink.state.transport,
            uplink_error=(self.uplink.state.last_error or "")[:500] or None,
            uplink_last_ok_ms=self.uplink.state.last_ok_ms,
            devices=devices,
            **self.config_status(),
        )

    async def beat_once(self) -> dict[str, Any] | None:
        heartbeat = await asyncio.to_thread(self.collect)
        envelope = seal_heartbeat(self.device_key, heartbeat)
        await asyncio.to_thread(self._keep, heartbeat)
        answer = await self.send(envelope)
        config = answer.get("config") if isinstance(answer, dict) else None
        if isinstance(config, dict) and self.on_config is not None:
            self.on_config(config)
        shipping = answer.get("shipping") if isinstance(answer, dict) else None
        if isinstance(shipping, dict) and self.on_shipping is not None:
            await asyncio.to_thread(self.on_shipping, shipping)
        return answer

    def _keep(self, heartbeat: Heartbeat) -> None:
        if self.telemetry_dir is None:
            return
        day = china_date_from_ms(heartbeat.sent_ms).isoformat()
        self.telemetry_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(heartbeat.to_body(), ensure_ascii=False, separators=(",", ":"))
        try:
            with open(self.telemetry_dir / f"heartbeats-{day}.jsonl", "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:  # a full disk must not stop the heartbeat that reports it
            log.warning("could not keep the heartbeat locally: %s", exc)

    async def run(self, every_s: float) -> None:
        while True:
            try:
                await self.beat_once()
                self.last_error = None
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                self.last_error = str(exc) or type(exc).__name__
                log.info("heartbeat not delivered: %s", self.last_error)
            await asyncio.sleep(every_s)


def http_sender(hub_url: str, device_id: str, timeout_s: float = 10.0) -> Sender:
    url = f"{hub_url.rstrip('/')}/api/v1/devices/{device_id}/heartbeats"
    timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(envelope: dict[str, Any]) -> dict[str, Any] | None:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=envelope) as resp,
        ):
            body = await resp.json(content_type=None)
            if resp.status != 200:
                raise ValueError(f"hub answered {resp.status}: {body}")
            return body if isinstance(body, dict) else None

    return send


def mqtt_sender(publish: Callable[[bytes], bool]) -> Sender:
    async def send(envelope: dict[str, Any]) -> dict[str, Any] | None:
        if not publish(json.dumps(envelope, ensure_ascii=False).encode("utf-8")):
            raise ValueError("not connected to the broker")
        return None

    return send
