"""`wastetrace provision …`: issue a one-time token (administrator), enrol a device (on the device)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from protocols.ledger import SignatureError
from provisioning.client import EnrolmentError, enrol, request_token
from provisioning.keys import ensure_device_key


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wastetrace provision", description="enrol devices with the hub")
    sub = parser.add_subparsers(dest="command", required=True)

    tok = sub.add_parser("token", help="issue a one-time enrolment token (needs the hub's admin token)")
    tok.add_argument("--hub", required=True, help="hub URL, e.g. http://127.0.0.1:8000")
    tok.add_argument(
        "--admin-token",
        default=os.environ.get("WT_HUB_ADMIN_TOKEN"),
        help="the hub's admin token (default: $WT_HUB_ADMIN_TOKEN)",
    )
    tok.add_argument("--uscc", required=True, help="the enterprise's 统一社会信用代码")
    tok.add_argument("--name", required=True, help="the enterprise's name")
    tok.add_argument("--device-id", help="bind the token to one device id")
    tok.add_argument("--ttl", type=int, default=86400, help="seconds the token stays valid")

    en = sub.add_parser("enrol", help="make this device's key (if it has none) and register it with a token")
    en.add_argument("--hub", required=True)
    en.add_argument("--token", required=True)
    en.add_argument("--device-id", required=True)
    en.add_argument("--key-file", required=True, type=Path, help="where the device's private key lives")
    args = parser.parse_args(argv)

    try:
        if args.command == "token":
            if not args.admin_token:
                parser.error("--admin-token or $WT_HUB_ADMIN_TOKEN is required")
            out = request_token(args.hub, args.admin_token, args.uscc, args.name, args.device_id, args.ttl)
            print(json.dumps(out))
        else:
            key = ensure_device_key(args.key_file)
            result = enrol(args.hub, args.token, args.device_id, key)
            print(json.dumps(asdict(result), ensure_ascii=False))
    except (EnrolmentError, SignatureError, OSError) as exc:
        print(f"wastetrace provision: {exc}", file=sys.stderr)
        return 1
    return 0
