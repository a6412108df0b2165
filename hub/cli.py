"""`wastetrace hub …`: a thin layer over `hub.app.create_app`, `hub.core.db.migrate`, `hub.core.backup`,
`hub.ledger.rebuild`, `hub.ledger.verify` and the domains' own CLIs (warnings).

Command-line flags override the WT_HUB_* environment (see hub/hub.env.sample).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from uvicorn.supervisors import Multiprocess

from hub.app import create_app
from hub.core.backup import BackupError, backup, restore
from hub.core.collector import settle_heap
from hub.core.db import make_engine, migrate, read_sessions, write_sessions
from hub.core.keys import HubKeyError, load_or_create_hub_key
from hub.ledger.rebuild import rebuild_projections
from hub.ledger.verify import verify_chains
from hub.settings import DEFAULT_DB, DEFAULT_KEY_FILE, Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wastetrace hub", description="The central hub.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations, then serve the HTTP API and pages")
    serve.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed on start)")
    serve.add_argument(
        "--public-url", help="base URL for QR codes (default: $WT_HUB_PUBLIC_URL or where it serves)"
    )
    serve.add_argument("--key-file", type=Path, help="hub Ed25519 key PEM (default: $WT_HUB_KEY_FILE)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes sharing the port (one per core; a dead one is replaced)",
    )

    mig = sub.add_parser("migrate", help="bring the database schema up to date and exit")
    mig.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    audit = sub.add_parser("audit", help="the audit log: `verify` checks its hash chain")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check every entry's hash and link; exit 1 if broken")
    verify.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    rebuild = sub.add_parser(
        "rebuild-projections",
        help="drop what the hub derived from events (bags, stock, HJ 1259 records, receipts, disposals) "
        "and replay every stored event",
    )
    rebuild.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    save = sub.add_parser(
        "backup", help="copy the database and the hub key into a new folder under --out, while serving"
    )
    save.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")
    save.add_argument("--out", type=Path, required=True, help="folder that collects the backups")
    save.add_argument("--key-file", type=Path, help="hub key PEM to include (default: $WT_HUB_KEY_FILE)")

    load = sub.add_parser(
        "restore", help="restore a backup folder into an empty database, then verify every device's chain"
    )
    load.add_argument("--from", dest="source", type=Path, required=True, help="a folder made by backup")
    load.add_argument("--db", help="SQLAlchemy URL of an empty database (default: $WT_HUB_DB)")
    load.add_argument(
        "--key-file", type=Path, help="where to put the backup's hub key (default: $WT_HUB_KEY_FILE)"
    )

    check = sub.add_parser("verify-chains", help="check every stored event's hash and every device's chain")
    check.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    compact = sub.add_parser(
        "compact-envelopes",
        help="keep the signed envelopes of batches stored before 0036 without their events' bytes "
        "(which `events` holds); online, safe to stop and run again",
    )
    compact.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    from hub.ledger.mqtt_worker import add_parser as add_mqtt_parser

    add_mqtt_parser(sub)
    from hub.ledger.projector_worker import add_parser as add_projector_parser

    add_projector_parser(sub)
    from hub.warnings.cli import add_parser as add_warnings_parser

    add_warnings_parser(sub)
    from hub.exchange.worker import add_parser as add_exchange_parser

    add_exchange_parser(sub)
    from hub.transport.traffic_worker import add_parser as add_traffic_parser

    add_traffic_parser(sub)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "mqtt":
        from hub.ledger.mqtt_worker import main as mqtt_main

        return mqtt_main(args)
    if args.command == "project":
        from hub.ledger.projector_worker import main as projector_main

        return projector_main(args)
    if args.command == "audit":
        return _audit_verify(args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB)
    if args.command == "warnings":
        from hub.warnings.cli import main as warnings_main

        return warnings_main(args)
    if args.command == "exchange":
        from hub.exchange.worker import main as exchange_main

        return exchange_main(args)
    if args.command == "traffic":
        from hub.transport.traffic_worker import main as traffic_main

        return traffic_main(args)
    if args.command == "migrate":
        url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
        migrate(url)
        print(f"hub: database {_safe(url)} is up to date", flush=True)
        return 0
    if args.command == "rebuild-projections":
        return _rebuild(args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB)
    if args.command == "compact-envelopes":
        return _compact(args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB)
    if args.command in ("backup", "restore", "verify-chains"):
        return _safekeeping(args)
    return _serve(args)


def _audit_verify(url: str) -> int:
    from hub.access.audit import verify_chain

    engine = make_engine(url)
    try:
        with read_sessions(engine)() as session:
            report = verify_chain(session)
    finally:
        engine.dispose()
    if report.ok:
        print(
            f"audit chain ok: {report.entries} entries chained"
            + (f", {report.unchained} written before the chain began" if report.unchained else ""),
            flush=True,
        )
        return 0
    print(
        f"audit chain BROKEN at entry {report.broken_at}: {report.problem} "
        f"({report.entries} entries fit before it)",
        file=sys.stderr,
    )
    return 1


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Bound before anything else, so that --port 0 can print the port it got.
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"hub: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if not 1 <= args.workers <= 64:
        sock.close()
        print("hub: --workers must be 1–64", file=sys.stderr)
        return 2
    try:
        settings = _settings(args, default_public_url=url)
        migrate(settings.db_url)
        if args.workers == 1:
            app = create_app(settings, run_migrations=False)
        else:
            load_or_create_hub_key(settings.key_file)  # made once, here: the workers only read it
    except (SettingsError, HubKeyError) as exc:
        sock.close()
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    # Listening before the line is printed: whoever reads it may connect at once (queued until uvicorn runs).
    sock.listen(2048)
    print(f"hub: {url}", flush=True)
    if args.workers == 1:
        settle_heap()
        uvicorn.Server(uvicorn.Config(app, log_level=args.log_level)).run(sockets=[sock])
        return 0
    # Several processes accept on the one socket (the kernel hands each connection to one of them); uvicorn's
    # supervisor starts them, replaces one that dies and stops them all on SIGTERM. Each builds its own app
    # from the environment, as the parent's settings put it there: a spawned process shares no engine, no
    # pool and no memory with another, which the hub needs none of (docs/scale.md).
    os.environ.update(
        WT_HUB_DB=settings.db_url,
        WT_HUB_PUBLIC_URL=settings.public_url,
        WT_HUB_KEY_FILE=str(settings.key_file),
        WT_HUB_LOG_LEVEL=args.log_level,
    )
    config = uvicorn.Config(
        "hub.cli:worker_app", factory=True, workers=args.workers, log_level=args.log_level
    )
    Multiprocess(config, sockets=[sock]).run()
    return 0


def worker_app() -> FastAPI:
    """One worker of `wastetrace hub serve --workers N`, its settings from the environment."""
    logging.basicConfig(
        level=os.environ.get("WT_HUB_LOG_LEVEL", "info").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    app = create_app(Settings.from_env(), run_migrations=False)
    settle_heap()
    return app


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn. Made with IPPROTO_TCP, not protocol 0: asyncio sets TCP_NODELAY only
    on sockets whose `proto` says TCP, and without it each small kept-alive answer waits ~40 ms for the
    client's delayed ACK (Nagle)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _safekeeping(args: argparse.Namespace) -> int:
    url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
    key_file = getattr(args, "key_file", None) or Path(os.environ.get("WT_HUB_KEY_FILE") or DEFAULT_KEY_FILE)
    try:
        if args.command == "backup":
            done = backup(url, args.out, key_file=key_file, now_ms=time.time_ns() // 1_000_000)
            print(f"hub: backup of {_safe(url)} in {done.folder} ({', '.join(done.files)})", flush=True)
            return 0
        if args.command == "restore":
            restore(args.source, url, key_file=key_file)
            migrate(url)  # a backup of an older release is brought up to this one's schema
    except BackupError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        with read_sessions(engine)() as session:
            report = verify_chains(session)
    finally:
        engine.dispose()
    for problem in report.problems:
        print(f"hub: chain problem: {problem}", file=sys.stderr)
    print(f"hub: {report.events} events of {report.devices} devices checked, {len(report.problems)} problems")
    return 0 if report.ok else 1


_T = TypeVar("_T")


def _compact(url: str) -> int:
    from hub.ledger.envelopes import compact_envelopes

    done = _on_migrated(url, compact_envelopes)
    print(
        f"hub: {done.batches} envelopes kept without their events ({done.bytes_saved / 1e6:.1f} MB less; "
        f"VACUUM gives the space back), {done.whole} left whole",
        flush=True,
    )
    return 0


def _rebuild(url: str) -> int:
    done = _on_migrated(url, rebuild_projections)
    print(f"hub: replayed {done.events} events from {done.batches} batches into {_safe(url)}", flush=True)
    return 0


def _on_migrated(url: str, job: Callable[[sessionmaker[Session]], _T]) -> _T:
    """Run a maintenance `job` with write sessions on the database at `url`, brought up to date first."""
    migrate(url)
    engine = make_engine(url)
    try:
        return job(write_sessions(engine))
    finally:
        engine.dispose()


def _settings(args: argparse.Namespace, *, default_public_url: str) -> Settings:
    settings = Settings.from_env()
    overrides: dict[str, object] = {}
    if args.db:
        overrides["db_url"] = args.db
    if args.public_url:
        overrides["public_url"] = args.public_url
    elif not os.environ.get("WT_HUB_PUBLIC_URL"):
        overrides["public_url"] = default_public_url
    if args.key_file:
        overrides["key_file"] = args.key_file
    return dataclasses.replace(settings, **overrides)


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
