"""Assemble an edge agent from its configuration and run it until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web

from edge.config import ConfigError, EdgeConfig
from edge.labels import LabelMaker
from edge.ledger import Ledger
from edge.printer import EscposTcpPrinter
from edge.scale import ScaleReader
from edge.uplink import HttpUplink
from edge.web import build_app
from edge.workflow import WeighingWorkflow
from protocols.catalogue import load_catalogue
from protocols.codes import validate_uscc
from protocols.ledger import SignatureError, load_private_key, load_public_key
from protocols.scale import StabilityJudge

log = logging.getLogger(__name__)


def printer_from_uri(uri: str, timeout_s: float) -> EscposTcpPrinter:
    parts = urlsplit(uri)
    if parts.scheme != "tcp" or not parts.hostname:
        raise ConfigError(f"printer uri {uri!r}: only tcp://host:port is supported so far")
    return EscposTcpPrinter(parts.hostname, parts.port or 9100, timeout_s=timeout_s)


def load_keys(config: EdgeConfig):  # noqa: ANN201 - a pair of cryptography key objects
    try:
        device_key = load_private_key(config.key_file.read_bytes())
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no device key at {config.key_file}: enrol the device first (wastetrace provision enrol)"
        ) from exc
    except SignatureError as exc:
        raise ConfigError(f"{config.key_file}: {exc}") from exc
    try:
        hub_key = load_public_key(config.hub_key)
    except SignatureError as exc:
        raise ConfigError(f"[hub] public_key: {exc}") from exc
    return device_key, hub_key


@dataclass
class Edge:
    """Every part of one edge agent, wired together but not yet started."""

    config: EdgeConfig
    ledger: Ledger
    scale: ScaleReader
    printer: EscposTcpPrinter
    uplink: HttpUplink
    workflow: WeighingWorkflow
    app: web.Application


def check_enterprise(config: EdgeConfig) -> None:
    """A malformed USCC stops the agent; a wrong check character only warns (real codes fail it)."""
    result = validate_uscc(config.enterprise_uscc)
    if not result.well_formed:
        raise ConfigError(f"[enterprise] uscc {config.enterprise_uscc!r}: {'; '.join(result.problems)}")
    if not result.check_ok:
        log.warning(
            "[enterprise] uscc %s fails its GB 32100 check character (expected %s); using it as given",
            config.enterprise_uscc,
            result.expected_check,
        )


def build_edge(config: EdgeConfig) -> Edge:
    check_enterprise(config)
    device_key, hub_key = load_keys(config)
    catalogue = load_catalogue()
    for w in config.waste_types:
        if w.code not in catalogue:
            raise ConfigError(f"waste type {w.code} ({w.name}) is not in the {catalogue.edition} catalogue")
    ledger = Ledger(config.data_dir / "ledger.db", config.device_id)
    judge = StabilityJudge(
        window=config.scale.window, tolerance_g=config.scale.tolerance_g, min_span_ms=config.scale.min_span_ms
    )
    scale = ScaleReader(config.scale.port, baudrate=config.scale.baudrate, judge=judge)
    printer = printer_from_uri(config.printer.uri, config.printer.timeout_s)
    uplink = HttpUplink(ledger, config.hub_url, device_key, hub_key, batch_events=config.upload_batch_events)
    labels = LabelMaker(config, catalogue)
    workflow = WeighingWorkflow(config, ledger, scale, printer, labels, on_commit=uplink.notify)
    app = build_app(config, ledger, workflow, uplink, catalogue)
    return Edge(config, ledger, scale, printer, uplink, workflow, app)


@asynccontextmanager
async def running(edge: Edge) -> AsyncIterator[Edge]:
    """Start the scale reader, the uplink and the touchscreen server; stop them all on exit."""
    await edge.scale.start()
    uplink_task = asyncio.create_task(edge.uplink.run(), name="uplink")
    runner = web.AppRunner(edge.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, edge.config.ui_host, edge.config.ui_port).start()
    try:
        yield edge
    finally:
        uplink_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await uplink_task
        await runner.cleanup()
        await edge.scale.stop()
        edge.ledger.close()


async def run_edge(config: EdgeConfig) -> None:
    async with running(build_edge(config)):
        print(f"edge {config.device_id}: touchscreen http://{config.ui_host}:{config.ui_port}/", flush=True)
        await asyncio.Event().wait()
