"""The label printer on the network: an ESC/POS printer on raw TCP (port 9100), driven with asyncio.

Each call opens its own connection, so a late answer from an earlier call can never be read as the answer
to this one. `print_label` asks for the status before sending (so a printer with no paper is reported
before the label is lost) and again after (so a label is only confirmed when the printer still reports
paper and a closed cover once it has all the bytes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from protocols.escpos import STATUS_QUERIES, PrinterStatus, StatusByteError, parse_status

log = logging.getLogger(__name__)

_QUERIED = (1, 2, 4)  # printer (online), offline cause (cover, paper-end stop, error), paper sensor


class PrinterError(Exception):
    """The label was not (or not surely) printed. str() is for the log; `message_zh` for the operator.

    `label_sent` is True when some or all of the label's bytes may have reached the printer, so a copy
    printed later must be marked 补打.
    """

    default_zh = "打印机故障，请检查打印机后按重新打印"

    def __init__(self, message: str, message_zh: str | None = None, *, label_sent: bool = False) -> None:
        super().__init__(message)
        self.message_zh = message_zh or self.default_zh
        self.label_sent = label_sent


class PrinterOffline(PrinterError):
    default_zh = "打印机未连接或无响应，请检查打印机电源和网线后按重新打印"


class PaperOut(PrinterError):
    default_zh = "打印机缺纸，请装纸后按重新打印"


class CoverOpen(PrinterError):
    default_zh = "打印机盖未合上，请合好机盖后按重新打印"


def raise_for_status(status: PrinterStatus, *, after_print: bool = False) -> None:
    """Raise the operator-facing error for a printer that cannot (or did not) print."""
    if status.ready:
        return
    if status.cover_open:
        if after_print:
            raise CoverOpen(
                "printer cover opened while printing: label not confirmed",
                "打印中机盖被打开，标签可能未打全，请合好机盖后按重新打印",
                label_sent=True,
            )
        raise CoverOpen("printer cover is open")
    if status.paper_end:
        if after_print:
            raise PaperOut(
                "printer ran out of paper while printing: label not confirmed",
                "打印中缺纸，标签可能未打全，请装纸后按重新打印",
                label_sent=True,
            )
        raise PaperOut("printer is out of paper")
    if status.error:
        raise PrinterOffline(
            "printer reports an error (cutter or print head)", PrinterError.default_zh, label_sent=after_print
        )
    raise PrinterOffline("printer is offline", label_sent=after_print)


class EscposTcpPrinter:
    def __init__(self, host: str, port: int, *, timeout_s: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.last_status: PrinterStatus | None = None

    def __repr__(self) -> str:
        return f"EscposTcpPrinter({self.host!r}, {self.port})"

    async def status(self) -> PrinterStatus:
        """Ask `DLE EOT 1, 2, 4`; PrinterOffline if the printer cannot be reached or does not answer."""
        async with self._connection() as (reader, writer):
            return await self._query(reader, writer)

    async def status_ok(self) -> PrinterStatus:
        """The status, or the PrinterError an operator should see if the printer cannot print now."""
        status = await self.status()
        raise_for_status(status)
        return status

    async def print_label(self, data: bytes) -> None:
        """Send one label's ESC/POS bytes; return only when the printer has them and still reports ready."""
        async with self._connection() as (reader, writer):
            raise_for_status(await self._query(reader, writer))
            writer.write(data)
            try:
                async with asyncio.timeout(self.timeout_s):
                    await writer.drain()
            except (TimeoutError, ConnectionError) as exc:
                raise PrinterOffline(f"{self!r}: sending the label failed: {exc!r}", label_sent=True) from exc
            try:
                after = await self._query(reader, writer)
            except PrinterOffline as exc:
                exc.label_sent = True
                raise
            raise_for_status(after, after_print=True)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        try:
            async with asyncio.timeout(self.timeout_s):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise PrinterOffline(f"{self!r}: cannot connect: {exc!r}") from exc
        try:
            yield reader, writer
        finally:
            writer.close()
            with suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(self.timeout_s):
                    await writer.wait_closed()

    async def _query(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> PrinterStatus:
        status = PrinterStatus()
        for n in _QUERIED:
            try:
                async with asyncio.timeout(self.timeout_s):
                    writer.write(STATUS_QUERIES[n])
                    await writer.drain()
                    answer = await reader.readexactly(1)
                status = status.merged(parse_status(n, answer[0]))
            except TimeoutError as exc:
                raise PrinterOffline(f"{self!r}: no answer to DLE EOT {n} within {self.timeout_s} s") from exc
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                raise PrinterOffline(f"{self!r}: connection lost during DLE EOT {n}: {exc!r}") from exc
            except StatusByteError as exc:
                raise PrinterOffline(f"{self!r}: {exc}; is this an ESC/POS printer?") from exc
        if status.paper_near_end:
            log.warning("%r: paper near end", self)
        self.last_status = status
        return status
