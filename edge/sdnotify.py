"""systemd's notify protocol (sd_notify(3)) without a library: READY=1 at start, WATCHDOG=1 while healthy.

With `Type=notify` and `WatchdogSec=` in the unit (firmware-config/pi/wastetrace-edge.service), systemd
restarts the agent when the pings stop: a hung event loop or a ledger that no longer answers. Outside
systemd (no NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


def notify(state: str) -> bool:
    """Send one notification line; return whether systemd was there to hear it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # an abstract socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError as exc:
        log.warning("sd_notify(%s) failed: %s", state, exc)
        return False
    return True


def watchdog_interval_s() -> float | None:
    """Half of WatchdogSec, if systemd asked this very process for pings."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000


async def watchdog(healthy: Callable[[], Awaitable[bool]]) -> None:
    """Ping systemd every half WatchdogSec while `healthy()` says so; stop pinging when it does not."""
    interval = watchdog_interval_s()
    if interval is None:
        return
    while True:
        try:
            ok = await asyncio.wait_for(healthy(), timeout=interval)
        except TimeoutError:
            ok = False
        if ok:
            notify("WATCHDOG=1")
        else:
            log.error("health check failed: not pinging the watchdog (systemd will restart the agent)")
        await asyncio.sleep(interval)
