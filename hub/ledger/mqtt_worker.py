"""`wastetrace hub mqtt`: one MQTT worker (hub.mqtt_consumer) as a process; run several to share the load.

Each worker needs its own stable `--client-id` (hub-a, hub-b, …): the broker keeps a worker's session and
its share of the messages under that id while the worker restarts. Inside, `--concurrency` threads ingest
several devices' batches at once, each device's in order (hub/ledger/mqtt_consumer.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub.core.collector import settle_heap
from hub.core.db import make_engine, migrate, read_sessions, write_sessions
from hub.core.deps import wall_clock_ms
from hub.core.keys import HubKeyError, load_or_create_hub_key
from hub.core.wal import background_checkpoints
from hub.ledger.mqtt_consumer import (
    DEFAULT_CONCURRENCY,
    DEFAULT_GROUP,
    DEFAULT_MAX_QUEUED,
    BrokerSettings,
    MqttConsumer,
    MqttSettingsError,
)
from hub.ledger.projector import run_projector
from hub.settings import DEFAULT_DB, DEFAULT_KEY_FILE, SettingsError, projection_mode, projector_here
from hub.warnings.evaluate import QUEUED, evaluate_triggers, log_failed_round
from hub.warnings.settings import WarningSettings

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    mqtt = sub.add_parser("mqtt", help="consume batches and heartbeats from an MQTT broker (a worker)")
    mqtt.add_argument(
        "--broker",
        help="mqtt://host:1883 or mqtts://host:8883 (default: $WT_HUB_MQTT or mqtt://127.0.0.1:1883)",
    )
    mqtt.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    mqtt.add_argument("--key-file", type=Path, help="hub Ed25519 key PEM (default: $WT_HUB_KEY_FILE)")
    mqtt.add_argument("--client-id", default="", help="stable and unique per worker (default hub-<host>-1)")
    mqtt.add_argument("--group", default=DEFAULT_GROUP, help="the shared-subscription group of all workers")
    mqtt.add_argument("--ca-file", help="TLS: the CA of the broker's certificate")
    mqtt.add_argument("--cert-file", help="TLS client certificate")
    mqtt.add_argument("--key-file-tls", dest="tls_key_file", help="TLS client key")
    mqtt.add_argument(
        "--concurrency",
        type=int,
        help=f"batches ingested at once, each device's in order (default: $WT_HUB_MQTT_CONCURRENCY or "
        f"{DEFAULT_CONCURRENCY})",
    )
    mqtt.add_argument(
        "--max-queued",
        type=int,
        help=f"messages held at once; past it the worker stops reading (default: $WT_HUB_MQTT_MAX_QUEUED or "
        f"{DEFAULT_MAX_QUEUED})",
    )
    mqtt.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    db_url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    key_file = args.key_file or Path(os.environ.get("WT_HUB_KEY_FILE") or DEFAULT_KEY_FILE)
    try:
        settings = BrokerSettings(
            url=args.broker or os.environ.get("WT_HUB_MQTT") or "mqtt://127.0.0.1:1883",
            client_id=args.client_id,
            group=args.group,
            ca_file=args.ca_file,
            cert_file=args.cert_file,
            key_file=args.tls_key_file,
            concurrency=_count(args.concurrency, "WT_HUB_MQTT_CONCURRENCY", DEFAULT_CONCURRENCY),
            max_queued=_count(args.max_queued, "WT_HUB_MQTT_MAX_QUEUED", DEFAULT_MAX_QUEUED),
            deferred=projection_mode(os.environ) == "deferred",
        )
        projecting_here = settings.deferred and projector_here(os.environ)
        migrate(db_url)
        # A connection for each ingesting thread, one for the warning evaluation and one for the projector.
        engine = make_engine(db_url, pool_size=settings.concurrency + 2)
        checkpoints = background_checkpoints(engine)  # SQLite's WAL copied by a thread (hub/core/wal.py)
        consumer = MqttConsumer(
            settings, read_sessions(engine), write_sessions(engine), load_or_create_hub_key(key_file)
        )
    except (HubKeyError, MqttSettingsError, SettingsError) as exc:
        print(f"hub mqtt: {exc}", file=sys.stderr)
        return 2
    settle_heap()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if checkpoints is not None:
        checkpoints.start()
    consumer.start()
    if consumer.connected.wait(30):
        print(f"hub mqtt: consuming {settings.url} as {consumer.client_id}", flush=True)
    else:
        print(f"hub mqtt: {settings.url} not reachable yet; retrying in the background", flush=True)
    # Queued warning evaluation (the default): this worker evaluates the triggers of the batches it stores,
    # as a hub serve worker does, so a deployment of MQTT workers alone loses no warning.
    evaluating = threading.Thread(target=_evaluate_triggers, args=(write_sessions(engine), stop), daemon=True)
    evaluating.start()
    # Deferred projection (WT_HUB_PROJECTION=deferred): custody and the projection of stored batches, taken
    # in turns with the other workers' projectors.
    projecting = threading.Thread(
        target=run_projector, args=(write_sessions(engine), wall_clock_ms, stop), daemon=True
    )
    if projecting_here:
        projecting.start()
    try:
        stop.wait()
    finally:
        consumer.stop()
        evaluating.join(timeout=5)
        if projecting_here:
            projecting.join(timeout=30)
        if checkpoints is not None:
            checkpoints.stop()
        engine.dispose()
    return 0


def _count(flag: int | None, name: str, default: int) -> int:
    if flag is not None:
        return flag
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise MqttSettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _evaluate_triggers(write: sessionmaker[Session], stop: threading.Event) -> None:
    try:
        warning_settings = WarningSettings.from_env()
    except ValueError:
        log.exception("warning settings are wrong: no warning evaluation in this worker")
        return
    if warning_settings.on_ingest != QUEUED:
        return
    while not stop.wait(1.0):
        try:
            evaluate_triggers(write, wall_clock_ms(), warning_settings)
        except SQLAlchemyError as exc:
            log_failed_round(exc)
