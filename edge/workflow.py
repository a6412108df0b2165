"""The weighing workflow: stable weight → code → ledger commit → label → print → ledger commit.

The commissioning event is committed before the label is printed or the operator is told anything, so a
power cut or a printer fault can never lose a weighed bag: its label waits in the print queue instead.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass

from edge.config import EdgeConfig
from edge.labels import LabelMaker
from edge.ledger import Ledger, LedgerError
from edge.printer import EscposTcpPrinter, PrinterError
from edge.scale import ScaleError, ScaleReader
from protocols.codes import CodeError, build_code, china_date_from_ms
from protocols.ledger import Attachment, Event

log = logging.getLogger(__name__)


class WeighingError(Exception):
    """The weighing was refused; nothing was committed. Carries the operator's message in both languages."""

    status = 409

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


class UnknownWasteType(WeighingError):
    status = 400


class ScaleProblem(WeighingError):
    status = 503


class DiskFull(WeighingError):
    status = 507


class Busy(WeighingError):
    status = 409


@dataclass(frozen=True, slots=True)
class WeighingResult:
    code: str
    grams: int
    seq: int
    printed: bool
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    printed: bool
    message_zh: str
    message_en: str


class WeighingWorkflow:
    def __init__(
        self,
        config: EdgeConfig,
        ledger: Ledger,
        scale: ScaleReader,
        printer: EscposTcpPrinter,
        labels: LabelMaker,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.config = config
        self.ledger = ledger
        self.scale = scale
        self.printer = printer
        self.labels = labels
        self.on_commit = on_commit
        self._lock = asyncio.Lock()

    async def weigh(self, waste_code: str, operator: str | None = None) -> WeighingResult:
        if self._lock.locked():
            raise Busy("正在称重上一袋，请稍候", "another weighing is in progress")
        async with self._lock:
            return await self._weigh(waste_code, operator or self.config.operator)

    async def _weigh(self, waste_code: str, operator: str) -> WeighingResult:
        if self.config.waste_type(waste_code) is None:
            raise UnknownWasteType(
                f"废物代码 {waste_code} 不在本单位的危废清单中",
                f"waste code {waste_code} is not on this site's list",
            )
        self._check_disk()
        try:
            grams = await self.scale.wait_stable(self.config.scale.stable_timeout_s)
        except ScaleError as exc:
            raise ScaleProblem(exc.message_zh, str(exc)) from exc
        if grams <= 0:
            raise ScaleProblem("秤上没有称重物，请放上废物袋", "nothing on the scale")
        event = await asyncio.to_thread(self._commission, waste_code, grams, operator)
        self.on_commit()
        outcome = await self.print_label(event.code)
        return WeighingResult(
            event.code, grams, event.seq, outcome.printed, outcome.message_zh, outcome.message_en
        )

    def _commission(self, waste_code: str, grams: int, operator: str) -> Event:
        # The 数字识别码 carries the unit's local date, and Chinese sites keep Beijing time.
        today = china_date_from_ms(self.ledger.clock.now_ms())
        prefix_probe = build_code(self.config.enterprise_uscc, waste_code, today, 1)
        prefix = prefix_probe[:-3]
        seq = self.ledger.next_code_seq(prefix)
        try:
            code = build_code(self.config.enterprise_uscc, waste_code, today, seq)
        except CodeError as exc:
            raise WeighingError(f"今日该类废物编号已用完：{exc}", str(exc)) from exc
        try:
            return self.ledger.commission(
                code,
                prefix,
                seq,
                waste_code=waste_code,
                grams=grams,
                operator=operator,
                place=self.config.place,
                data={
                    "production_date": today.isoformat(),
                    "unit": self.config.enterprise_uscc,
                    "catalogue_edition": self.labels.catalogue.edition,
                },
            )
        except LedgerError as exc:
            raise WeighingError(str(exc), str(exc)) from exc

    async def print_label(self, code: str) -> PrintOutcome:
        """Print a queued label; on success commit its encoding event. Safe to call again after a failure."""
        job = await asyncio.to_thread(self.ledger.print_job, code)
        if job is None or job.state != "pending":
            return PrintOutcome(
                job is not None and job.state == "printed", "标签已打印", "label already printed"
            )
        commissioned = (await asyncio.to_thread(self.ledger.events_after, job.commissioned - 1, 1))[0]
        reprint = job.maybe_printed
        content = self.labels.content(
            code,
            commissioned.waste_code or "",
            commissioned.grams or 0,
            commissioned.data.get("production_date", ""),
            reprint=reprint,
        )
        label = await asyncio.to_thread(self.labels.render, content)
        await asyncio.to_thread(self.labels.keep, label)
        try:
            await self.printer.print_label(label.escpos)
        except PrinterError as exc:
            await asyncio.to_thread(
                self.ledger.record_print_failure, code, str(exc), maybe_printed=exc.label_sent
            )
            log.warning("label %s not printed: %s", code, exc)
            return PrintOutcome(
                False, f"已记录，但标签未打印：{exc.message_zh}", f"recorded, label not printed: {exc}"
            )
        await asyncio.to_thread(
            self.ledger.record_printed,
            code,
            waste_code=commissioned.waste_code,
            grams=commissioned.grams,
            operator=commissioned.operator,
            place=commissioned.place,
            attachments=(Attachment(label.sha256, "image/png", "label"),),
            data={"reprint": reprint, "printer": self.config.printer.uri},
        )
        self.on_commit()
        return PrintOutcome(
            True, "已称重并打印标签" + ("（补打）" if reprint else ""), "weighed and labelled"
        )

    async def retry_pending(self) -> int:
        """Print every queued label; return how many printed. Run when the printer comes back."""
        printed = 0
        for job in await asyncio.to_thread(self.ledger.pending_prints):
            outcome = await self.print_label(job.code)
            if not outcome.printed:
                break
            printed += 1
        return printed

    def _check_disk(self) -> None:
        free = shutil.disk_usage(self.config.data_dir).free
        if free < self.config.min_free_bytes:
            raise DiskFull(
                f"存储空间不足（剩余 {free // (1024 * 1024)} MB），暂停称重以保护台账；请联系管理员清理",
                f"only {free // (1024 * 1024)} MB free: weighing paused to protect the ledger",
            )
