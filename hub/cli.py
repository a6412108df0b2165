"""`wastetrace hub serve|migrate`: a thin layer over `hub.app.create_app` and `hub.core.db.migrate`.

Command-line flags override the WT_HUB_* environment (see hub/hub.env.sample).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import socket
import sys
from pathlib import Path

import uvicorn
from sqlalchemy.engine import make_url

from hub.app import create_app
from hub.core.db import migrate
from hub.core.keys import HubKeyError
from hub.settings import DEFAULT_DB, Settings, SettingsError


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

    mig = sub.add_parser("migrate", help="bring the database schema up to date and exit")
    mig.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    rebuild = sub.add_parser(
        "rebuild-projections",
        help="rebuild the statistics rollups from the stored events and manifests (one transaction)",
    )
    rebuild.add_argument("--db", help="SQLAlchemy URL (default: $WT_HUB_DB or sqlite:///hub.db)")

    from hub.ledger.mqtt_worker import add_parser as add_mqtt_parser

    add_mqtt_parser(sub)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "mqtt":
        from hub.ledger.mqtt_worker import main as mqtt_main

        return mqtt_main(args)
    if args.command == "rebuild-projections":
        return _rebuild(args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB)
    if args.command == "migrate":
        url = args.db or os.environ.get("WT_HUB_DB") or DEFAULT_DB
        migrate(url)
        print(f"hub: database {_safe(url)} is up to date", flush=True)
        return 0
    return _serve(args)


def _rebuild(url: str) -> int:
    from sqlalchemy.orm import Session

    from hub.core.db import make_engine
    from hub.stats.rebuild import rebuild_rollups

    migrate(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            counted = rebuild_rollups(session)
    finally:
        engine.dispose()
    print(f"hub: statistics rebuilt from {counted} facts in {_safe(url)}", flush=True)
    return 0


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Bound before anything else, so that --port 0 can print the port it got.
    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"hub: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    try:
        settings = _settings(args, default_public_url=url)
        migrate(settings.db_url)
        app = create_app(settings, run_migrations=False)
    except (SettingsError, HubKeyError) as exc:
        sock.close()
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    # Listening before the line is printed: whoever reads it may connect at once (queued until uvicorn runs).
    sock.listen(2048)
    print(f"hub: {url}", flush=True)
    config = uvicorn.Config(app, log_level=args.log_level)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


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
