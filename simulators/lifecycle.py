"""Running a simulator in the foreground: until SIGINT or SIGTERM, with a plain word if it cannot start; or
from a thread of its own, for tests and benches in one process."""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any, Protocol

from aiohttp import web


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


class Served(Protocol):
    """A simulated platform: its aiohttp application, and a way to let go of requests it holds."""

    def app(self) -> web.Application: ...

    def release(self) -> None: ...


class RunningApp:
    """A simulated platform served from a thread of its own (for tests and benches in one process)."""

    def __init__(self, platform: Served, host: str = "127.0.0.1", port: int = 0, name: str = "sim") -> None:
        self.platform = platform
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        started = threading.Event()
        self.url = ""

        async def start() -> None:
            self._runner = web.AppRunner(platform.app(), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, host, port)
            await site.start()
            sock = site._server.sockets[0]  # type: ignore[union-attr]
            self.url = f"http://{host}:{sock.getsockname()[1]}"

        def run() -> None:
            self._loop.run_until_complete(start())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=f"{name}-sim", daemon=True)
        self._thread.start()
        started.wait(30)

    def close(self) -> None:
        self.platform.release()

        async def stop() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
