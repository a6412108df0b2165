"""Running a simulator in the foreground: until SIGINT or SIGTERM, with a plain word if it cannot start."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Coroutine
from typing import Any


def stop_on_signals() -> asyncio.Event:
    """An event that SIGINT or SIGTERM sets; the simulator serves until it is set, then stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def run_until_stopped(main: Coroutine[Any, Any, None], name: str) -> int:
    """Run `main`; 1 with the reason when a port or device cannot be opened, else 0."""
    try:
        asyncio.run(main)
    except OSError as exc:
        print(f"{name}: cannot start: {exc}", file=sys.stderr)
        return 1
    return 0
