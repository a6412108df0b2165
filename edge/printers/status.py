"""What a printer says about itself: asking it (ESC/POS `DLE EOT`, TSPL `<ESC>!?`), the error an
operator sees for a status, and the last known state the touchscreen and heartbeat show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from edge.printers.errors import (
    CoverOpen,
    PaperJam,
    PaperOut,
    PrinterCondition,
    PrinterError,
    PrinterOffline,
    PrinterPaused,
    RibbonOut,
)
from edge.printers.links import PrinterLink
from protocols.escpos import STATUS_QUERIES, PrinterStatus, StatusByteError, parse_status
from protocols.tspl import STATUS_QUERY as TSPL_STATUS_QUERY
from protocols.tspl import TsplStatusError, parse_status_byte


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
    reason: PrinterCondition = PrinterCondition.UNKNOWN
    message_zh: str = "尚未检查打印机"
    message_en: str = "not checked yet"
    checked_ms: int | None = None
    last_ok_ms: int | None = None

    def saw(self, status: PrinterStatus, now_ms: int) -> None:
        self.ready = status.ready
        self.message_zh, self.message_en = describe(status)
        self.reason = PrinterCondition.READY if status.ready else _reason(status)
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
            "reason": str(self.reason),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "checked_ms": self.checked_ms,
            "last_ok_ms": self.last_ok_ms,
        }


def _reason(status: PrinterStatus) -> PrinterCondition:
    try:
        raise_for_status(status)
    except PrinterError as exc:
        return exc.reason
    return PrinterCondition.READY


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
