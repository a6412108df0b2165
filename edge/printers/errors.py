"""Why a label was not (or not surely) printed, in words for the log and for the operator."""

from __future__ import annotations

from enum import StrEnum


class PrinterCondition(StrEnum):
    """What the printer is like, as the touchscreen (`reason`) and the heartbeat (`status`) say it."""

    UNKNOWN = "unknown"
    READY = "ready"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    PAUSED = "paused"
    JAMMED = "jammed"
    RIBBON_OUT = "ribbon_out"
    ERROR = "error"

QUEUED_ZH = "标签已保存在待打印队列，打印机恢复后会自动打印"


class PrinterError(Exception):
    """The label was not (or not surely) printed. str() is for the log; `message_zh` for the operator.

    `label_sent` is True when some or all of the label's bytes may have reached the printer, so a copy
    printed later must be marked 补打.
    """

    default_zh = "打印机故障，请检查打印机"
    reason = PrinterCondition.ERROR

    def __init__(self, message: str, message_zh: str | None = None, *, label_sent: bool = False) -> None:
        super().__init__(message)
        self.message_zh = message_zh or self.default_zh
        self.label_sent = label_sent


class PrinterOffline(PrinterError):
    default_zh = "打印机未连接或无响应：请检查打印机电源和网线（或数据线）"
    reason = PrinterCondition.OFFLINE


class PaperOut(PrinterError):
    default_zh = "打印机缺纸：请装入标签纸并合好机盖"
    reason = PrinterCondition.PAPER_OUT


class CoverOpen(PrinterError):
    default_zh = "打印机盖未合上：请合好机盖"
    reason = PrinterCondition.COVER_OPEN


class PrinterPaused(PrinterError):
    default_zh = "打印机处于暂停状态：请按打印机上的暂停键（PAUSE/FEED）恢复"
    reason = PrinterCondition.PAUSED


class PaperJam(PrinterError):
    default_zh = "打印机卡纸：请打开机盖取出卡住的标签纸，再合好机盖"
    reason = PrinterCondition.JAMMED


class RibbonOut(PrinterError):
    default_zh = "碳带用完或未装好：请更换碳带"
    reason = PrinterCondition.RIBBON_OUT
