"""Waiting in async tests: the one `wait_for` every test file uses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_for(
    predicate: Callable[[], object], timeout_s: float = 15.0, *, in_thread: bool = False
) -> None:
    """Return once `predicate()` is true; fail the test after `timeout_s`.

    `in_thread`: the predicate blocks (a database query, an HTTP call), so it runs off the event loop.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not (await asyncio.to_thread(predicate) if in_thread else predicate()):
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1 if in_thread else 0.05)
