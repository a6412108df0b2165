"""`wastetrace edge snapshot --camera URI --out FILE.jpg`: the installer's check that a camera works.

Exits 0 with the image written, or non-zero with the reason (wrong password, unreachable, no answer in
time, broken image, camera never registered). Passwords in the URI are never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
from pathlib import Path

from edge.cameras.errors import CameraError
from edge.cameras.uri import redact

EXIT_CAMERA = 1
EXIT_USAGE = 2


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "snapshot", help="take one snapshot from a camera and save it (installer's check)"
    )
    parser.add_argument(
        "--camera",
        required=True,
        help="onvif://user:pass@host:port, rtsp://user:pass@host/path or gb28181://DEVICE_ID:pass@BIND:PORT",
    )
    parser.add_argument("--out", required=True, type=Path, help="where to write the JPEG")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the picture (default 10)"
    )
    parser.add_argument(
        "--register-wait",
        type=float,
        default=120.0,
        help="gb28181: seconds to wait for the camera to register with this box (default 120)",
    )
    return parser


async def take_snapshot(uri: str, timeout_s: float, register_wait_s: float) -> bytes:
    # Loaded here, so that `wastetrace edge --help` does not load OpenCV and zeep.
    from edge.cameras.onvif_source import OnvifSource
    from edge.cameras.sources import Platforms, make_source

    platforms = Platforms()
    source = make_source(uri, platforms, register_wait_s=register_wait_s)
    if isinstance(source, OnvifSource):
        source.connect_timeout_s = timeout_s
    await platforms.start()
    try:
        await source.connect()
        async with asyncio.timeout(timeout_s):
            return await source.snapshot(timeout_s)
    except TimeoutError as exc:
        raise CameraError(f"no snapshot within {timeout_s:g} s") from exc
    finally:
        await source.close()
        await platforms.stop()


def run(args: argparse.Namespace) -> int:
    try:
        data = asyncio.run(take_snapshot(args.camera, args.timeout, args.register_wait))
    except CameraError as exc:
        print(
            f"wastetrace edge snapshot: {exc.reason}: {redact(str(exc))}\n  {exc.message_zh}", file=sys.stderr
        )
        return EXIT_USAGE if exc.reason == "config" else EXIT_CAMERA
    except OSError as exc:
        print(f"wastetrace edge snapshot: {redact(str(exc))}", file=sys.stderr)
        return EXIT_CAMERA
    try:
        args.out.write_bytes(data)
    except OSError as exc:
        print(f"wastetrace edge snapshot: cannot write {args.out}: {exc}", file=sys.stderr)
        return EXIT_CAMERA
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0
