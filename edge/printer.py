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
from dataclasses import dataclass
from typing import Any, Protocol

from edge.printer_links import LinkError, LinkOpener, PrinterLink, TcpLink
from protocols.escpos import STATUS_QUERIES, PrinterStatus, StatusByteError, parse_status
from protocols.tspl import STATUS_QUERY as TSPL_STATUS_QUERY
from protocols.tspl import TsplStatusError, parse_status_byte

log = logging.getLogger(__name__)

QUEUED_ZH = "标签已保存在待打印队列，打印机恢复后会自动打印"


class PrinterError(Exception):
    """The label was not (or not surely) printed. str() is for the log; `message_zh` for the operator.

    `label_sent` is True when some or all of the label's bytes may have reached the printer, so a copy
    printed later must be marked 补打.
    """

    default_zh = "打印机故障，请检查打印机"
    reason = "error"

    def __init__(self, message: str, message_zh: str | None = None, *, label_sent: bool = False) -> None:
        super().__init__(message)
        self.message_zh = message_zh or self.default_zh
        self.label_sent = label_sent


class PrinterOffline(PrinterError):
    default_zh = "打印机未连接或无响应：请检查打印机电源和网线（或数据线）"
    reason = "offline"


class PaperOut(PrinterError):
    default_zh = "打印机缺纸：请装入标签纸并合好机盖"
    reason = "paper_out"


class CoverOpen(PrinterError):
    default_zh = "打印机盖未合上：请合好机盖"
    reason = "cover_open"


class PrinterPaused(PrinterError):
    default_zh = "打印机处于暂停状态：请按打印机上的暂停键（PAUSE/FEED）恢复"
    reason = "paused"


class PaperJam(PrinterError):
    default_zh = "打印机卡纸：请打开机盖取出卡住的标签纸，再合好机盖"
    reason = "jammed"


class RibbonOut(PrinterError):
    default_zh = "碳带用完或未装好：请更换碳带"
    reason = "ribbon_out"


def raise_for_status(status: PrinterStatus, *, after_print: bool = False) -> None:
    """Raise the operator-facing error for a printer that cannot (or did not) print."""
    if status.ready:
        return
    during = "打印中" if after_print else ""
    unsure = "，标签可能未打全" if after_print else ""
    when = " while printing: label not confirmed" if after_print else ""
    if status.cover_open:
        raise CoverOpen(
            f"printer cover open{when}", f"{during}机盖被打开{unsure}：请合好机盖", label_sent=after_print
        )
    if status.paper_end:
        raise PaperOut(
            f"printer out of paper{when}",
            f"{during}缺纸{unsure}：请装入标签纸并合好机盖",
            label_sent=after_print,
        )
    if status.jammed:
        raise PaperJam(f"paper jam{when}", label_sent=after_print)
    if status.ribbon_end:
        raise RibbonOut(f"ribbon out{when}", label_sent=after_print)
    if status.paused:
        raise PrinterPaused(f"printer paused{when}", label_sent=after_print)
    if status.error:
        raise PrinterError(
            f"printer reports an error (cutter, print head or temperature){when}",
            "打印机报错（切刀、打印头或温度）：请关闭打印机电源，等一分钟再打开",
            label_sent=after_print,
        )
    raise PrinterOffline(f"printer is offline{when}", label_sent=after_print)


def describe(status: PrinterStatus) -> tuple[str, str]:
    """(Chinese, English) words for a status, for the touchscreen and the heartbeat."""
    try:
        raise_for_status(status)
    except PrinterError as exc:
        return exc.message_zh, str(exc)
    if status.paper_near_end:
        return "打印机就绪（纸快用完，请准备新纸卷）", "ready (paper near end)"
    return "打印机就绪", "ready"


@dataclass
class PrinterState:
    """What the touchscreen and the heartbeat show about the printer: last known state, in plain words."""

    ready: bool | None = None  # None: not asked yet
    reason: str = "unknown"
    message_zh: str = "尚未检查打印机"
    message_en: str = "not checked yet"
    checked_ms: int | None = None
    last_ok_ms: int | None = None

    def saw(self, status: PrinterStatus, now_ms: int) -> None:
        self.ready = status.ready
        self.message_zh, self.message_en = describe(status)
        self.reason = "ready" if status.ready else _reason(status)
        self.checked_ms = now_ms
        if status.ready:
            self.last_ok_ms = now_ms

    def failed(self, error: PrinterError, now_ms: int) -> None:
        self.ready = False
        self.reason = error.reason
        self.message_zh, self.message_en = error.message_zh, str(error)
        self.checked_ms = now_ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "reason": self.reason,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "checked_ms": self.checked_ms,
            "last_ok_ms": self.last_ok_ms,
        }


def _reason(status: PrinterStatus) -> str:
    try:
        raise_for_status(status)
    except PrinterError as exc:
        return exc.reason
    return "ready"


class StatusDialect(Protocol):
    name: str

    async def query(self, link: PrinterLink, timeout_s: float) -> PrinterStatus: ...


class EscposStatus:
    """`DLE EOT 1, 2, 4`: printer (online), offline cause (cover, paper-end stop, error), paper sensor."""

    name = "ESC/POS"
    queried = (1, 2, 4)

    async def query(self, link: PrinterLink, timeout_s: float) -> PrinterStatus:
        status = PrinterStatus()
        for n in self.queried:
            await link.write(STATUS_QUERIES[n], timeout_s)
            answer = await link.read_exactly(1, timeout_s)
            try:
                status = status.merged(parse_status(n, answer[0]))
            except StatusByteError as exc:
                raise PrinterOffline(f"{exc}; is this an ESC/POS printer?") from exc
        return status


class TsplStatus:
    """`<ESC>!?`: one byte, 0 when ready."""

    name = "TSPL"

    async def query(self, link: PrinterLink, timeout_s: float) -> PrinterStatus:
        await link.write(TSPL_STATUS_QUERY, timeout_s)
        answer = await link.read_exactly(1, timeout_s)
        try:
            return parse_status_byte(answer[0]).to_printer_status()
        except TsplStatusError as exc:
            raise PrinterOffline(f"{exc}; is this a TSPL printer?") from exc


DIALECTS: dict[str, StatusDialect] = {"escpos": EscposStatus(), "tspl": TsplStatus()}


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


class EscposTcpPrinter(LabelPrinter):
    """An ESC/POS printer on raw TCP (kept for callers that name host and port)."""

    def __init__(self, host: str, port: int, *, timeout_s: float = 5.0) -> None:
        self.host = host
        self.port = port
        super().__init__(
            lambda: TcpLink.open(host, port, timeout_s),
            EscposStatus(),
            name=f"tcp://{host}:{port}",
            timeout_s=timeout_s,
        )

    def __repr__(self) -> str:
        return f"EscposTcpPrinter({self.host!r}, {self.port})"
