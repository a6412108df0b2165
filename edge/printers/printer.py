"""The label printer: status before and after every label, in the printer's language, over any link.

`LabelPrinter.print_label` asks for the status before sending (so a printer with no paper is reported
before the label is lost) and again after (so a label is only confirmed when the printer still reports
paper and a closed cover once it has all the bytes). ESC/POS printers answer `DLE EOT 1, 2, 4`; TSPL
printers answer `<ESC>!?`. Every fault becomes a `PrinterError` whose `message_zh` tells the operator in
plain words what to do; `label_sent` says whether bytes may have reached the printer, so the next copy
must be marked 补打.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from edge.printers.errors import PrinterOffline
from edge.printers.links import LinkError, LinkOpener, PrinterLink
from edge.printers.status import StatusDialect, raise_for_status
from protocols.escpos import PrinterStatus

log = logging.getLogger(__name__)

class LabelPrinter:
    """One printer; calls are serialised, since most printers serve one connection at a time."""

    def __init__(
        self,
        opener: LinkOpener,
        dialect: StatusDialect,
        *,
        name: str,
        timeout_s: float = 5.0,
        transfer_s: Callable[[int], float] = lambda size: 0.0,
    ) -> None:
        self._open = opener
        self.dialect = dialect
        self.name = name
        self.timeout_s = timeout_s
        self._transfer_s = transfer_s
        self._lock = asyncio.Lock()
        self.last_status: PrinterStatus | None = None
        # time.perf_counter_ns() when the last byte of the last label left this box (the benchmark's end).
        self.last_sent_ns: int | None = None

    def __repr__(self) -> str:
        return f"LabelPrinter({self.name!r}, {self.dialect.name})"

    async def status(self) -> PrinterStatus:
        """The printer's status; PrinterOffline if it cannot be reached or does not answer."""
        async with self._connection() as link:
            return await self._query(link)

    async def status_ok(self) -> PrinterStatus:
        """The status, or the PrinterError an operator should see if the printer cannot print now."""
        status = await self.status()
        raise_for_status(status)
        return status

    async def print_label(
        self, data: bytes, *, before_send: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Send one label; return only when the printer has it and still reports ready.

        `before_send` runs once the printer has reported ready, just before the first byte goes: the
        workflow records there that the label may now be on paper.
        """
        async with self._connection() as link:
            raise_for_status(await self._query(link))
            if before_send is not None:
                await before_send()
            try:
                await link.write(data, self.timeout_s + 1.5 * self._transfer_s(len(data)))
            except (LinkError, TimeoutError) as exc:
                raise PrinterOffline(
                    f"{self.name}: sending the label failed: {exc!r}", label_sent=True
                ) from exc
            self.last_sent_ns = time.perf_counter_ns()
            try:
                after = await self._query(link)
            except PrinterOffline as exc:
                exc.label_sent = True
                raise
            raise_for_status(after, after_print=True)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[PrinterLink]:
        async with self._lock:
            try:
                link = await self._open()
            except LinkError as exc:
                raise PrinterOffline(f"{self.name}: {exc}") from exc
            try:
                yield link
            finally:
                await link.close()

    async def _query(self, link: PrinterLink) -> PrinterStatus:
        try:
            status = await self.dialect.query(link, self.timeout_s)
        except TimeoutError as exc:
            raise PrinterOffline(
                f"{self.name}: no answer to the status query within {self.timeout_s} s"
            ) from exc
        except LinkError as exc:
            raise PrinterOffline(f"{self.name}: connection lost during the status query: {exc}") from exc
        if status.paper_near_end:
            log.warning("%r: paper near end", self)
        self.last_status = status
        return status
