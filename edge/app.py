"""Assemble an edge agent from its configuration and run it until stopped."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from edge import sdnotify
from edge.cameras.wiring import build_cameras, camera_probes
from edge.config import ConfigError, EdgeConfig
from edge.ledger import Ledger
from edge.printers.labels import LabelMaker
from edge.printers.printer import LabelPrinter
from edge.printers.queue import PrintQueue
from edge.printers.wiring import printer_for
from edge.reliability import (
    Upkeep,
    confirm_when_settled,
    make_upkeep,
    remote_config_agent,
    start_upkeep,
    stop_upkeep,
)
from edge.remote_config import RemoteConfigAgent
from edge.scales.report import scale_probes
from edge.scales.service import ScaleSet
from edge.scales.wiring import build_scales
from edge.uplink import Uplink
from edge.web import build_app
from edge.workflow import WeighingSettings, WeighingWorkflow
from protocols.catalogue import load_catalogue
from protocols.codes import validate_uscc
from protocols.ledger import SignatureError, load_private_key, load_public_key

if TYPE_CHECKING:  # the service loads OpenCV and zeep: only an agent with cameras imports it
    from edge.cameras.service import CameraService

log = logging.getLogger(__name__)


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
    """Every part of one edge agent, wired together but not yet started: its ports, typed."""

    config: EdgeConfig
    ledger: Ledger
    scale: ScaleSet  # every scale of the box; speaks for the default one
    printer: LabelPrinter
    uplink: Uplink
    workflow: WeighingWorkflow
    app: web.Application
    upkeep: Upkeep | None = None
    cameras: CameraService | None = None  # when [[cameras]] are configured
    print_queue: PrintQueue | None = None  # prints queued labels when the printer is back


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


def build_edge(config: EdgeConfig, *, remote_config: RemoteConfigAgent | None = None) -> Edge:
    check_enterprise(config)
    device_key, hub_key = load_keys(config)
    catalogue = load_catalogue()
    for w in config.waste_types:
        if w.code not in catalogue:
            raise ConfigError(f"waste type {w.code} ({w.name}) is not in the {catalogue.edition} catalogue")
    ledger = Ledger(config.data_dir / "ledger.db", config.device_id)
    scale = build_scales(config)
    printer, printer_profile = printer_for(config.printer, config.path.parent)
    upkeep = make_upkeep(config, ledger, device_key, hub_key, remote_config=remote_config)
    upkeep.probes.update(scale_probes(scale, ledger.clock))
    uplink = upkeep.uplink
    labels = LabelMaker(config, catalogue, printer_profile)
    cameras = build_cameras(config, ledger, uplink.notify)
    upkeep.probes.update(camera_probes(cameras))
    settings = WeighingSettings.from_config(config)
    workflow = WeighingWorkflow(
        settings, ledger, scale, printer, labels, on_commit=uplink.notify, cameras=cameras
    )
    print_queue = PrintQueue(workflow)
    upkeep.probes["printer"] = print_queue.probe
    app = build_app(config, ledger, workflow, uplink, catalogue, upkeep.shipping)
    return Edge(config, ledger, scale, printer, uplink, workflow, app, upkeep, cameras, print_queue)


@asynccontextmanager
async def running(edge: Edge) -> AsyncIterator[Edge]:
    """Start the scale reader, the uplink and the touchscreen server; stop them all on exit."""
    await edge.scale.start()
    if edge.cameras is not None:
        await edge.cameras.start()
    tasks = start_upkeep(edge.upkeep, edge.ledger) if edge.upkeep else []
    if edge.print_queue is not None:
        tasks.append(asyncio.create_task(edge.print_queue.run(), name="print-queue"))
    runner = web.AppRunner(edge.app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, edge.config.ui_host, edge.config.ui_port).start()
    try:
        yield edge
    finally:
        await stop_upkeep(tasks)
        await runner.cleanup()
        await edge.scale.stop()
        if edge.cameras is not None:
            await edge.cameras.stop()
        edge.ledger.close()


async def run_edge(config: EdgeConfig) -> bool:
    """Run until stopped (SIGTERM, SIGINT); return True when a new remote configuration wants a restart."""
    _, hub_key = load_keys(config)
    agent = remote_config_agent(config, hub_key, load_catalogue())
    config = agent.boot(config)
    restart, stop = asyncio.Event(), asyncio.Event()
    agent.on_candidate = restart.set
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with running(build_edge(config, remote_config=agent)):
        print(f"edge {config.device_id}: touchscreen http://{config.ui_host}:{config.ui_port}/", flush=True)
        sdnotify.notify("READY=1")
        confirm = asyncio.create_task(confirm_when_settled(agent))
        waits = [asyncio.create_task(restart.wait()), asyncio.create_task(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (confirm, *waits):
                task.cancel()
        sdnotify.notify("STOPPING=1")
        if stop.is_set():
            # Stopped on purpose before a new configuration proved itself: not a failure to come up.
            await asyncio.to_thread(agent.interrupted)
    return restart.is_set() and not stop.is_set()
