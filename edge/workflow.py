"""The weighing workflow: stable weight → code → ledger commit → label → print → ledger commit.

The commissioning event is committed before the label is printed or the operator is told anything, so a
power cut or a printer fault can never lose a weighed bag: its label waits in the print queue instead.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edge.config import EdgeConfig, WasteTypeConfig
from edge.ledger import Ledger, LedgerError, PrintJobMissing, PrintJobVoided
from edge.printers.errors import QUEUED_ZH, PrinterError
from edge.printers.labels import LabelMaker
from edge.printers.printer import LabelPrinter
from edge.printers.status import PrinterState
from edge.scales.errors import ScaleError, UnknownScale
from edge.scales.service import ScaleSet
from protocols.codes import DEFAULT_LAYOUT, CodeError, build_code, china_date_from_ms
from protocols.label import LabelError
from protocols.ledger import Attachment, Event

if TYPE_CHECKING:
    from edge.cameras.service import CameraService, SnapshotOutcome

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


class NoSuchScale(WeighingError):
    status = 400


class DiskFull(WeighingError):
    status = 507


class Busy(WeighingError):
    status = 409


class SameBagAgain(WeighingError):
    """The bag on the scale was weighed and labelled already (one bag, one code)."""

    status = 409


class NeedsSupervisor(WeighingError):
    """Voiding and reprinting need a supervisor's PIN on a box with sign-in."""

    status = 403


class BadRequest(WeighingError):
    status = 400


class LabelNotFound(WeighingError):
    status = 404


class LabelVoided(WeighingError):
    status = 409


@dataclass(frozen=True, slots=True)
class WeighingSettings:
    """What the weighing workflow reads from the configuration, and nothing more."""

    enterprise_uscc: str
    operator: str
    place: str
    waste_types: tuple[WasteTypeConfig, ...]
    printer_uri: str
    data_dir: Path
    min_free_bytes: int

    @classmethod
    def from_config(cls, config: EdgeConfig) -> WeighingSettings:
        return cls(
            enterprise_uscc=config.enterprise_uscc,
            operator=config.operator,
            place=config.place,
            waste_types=tuple(config.waste_types),
            printer_uri=config.printer.uri,
            data_dir=config.data_dir,
            min_free_bytes=config.min_free_bytes,
        )

    def waste_type(self, code: str) -> WasteTypeConfig | None:
        return next((w for w in self.waste_types if w.code == code), None)


def _reason_or_refuse(reason: object, action: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise BadRequest(f"请填写{action}原因", f"a reason is required ({action})")
    if len(reason) > 200:
        raise BadRequest(f"{action}原因请控制在 200 字以内", "the reason is limited to 200 characters")
    return reason.strip()


@dataclass(frozen=True, slots=True)
class WeighingResult:
    code: str
    grams: int
    seq: int
    printed: bool
    message_zh: str
    message_en: str
    scale: str | None = None  # the scale that weighed the bag


@dataclass(frozen=True, slots=True)
class PrintOutcome:
    printed: bool
    message_zh: str
    message_en: str
    # False when the label itself cannot be made (content too long for the label): waiting for the
    # printer will not help, so the print queue goes on to the next label.
    printer_fault: bool = True


# The stored reason of a label that cannot be composed; the print queue passes such labels by.
LABEL_PROBLEM = "label cannot be composed: "


class WeighingWorkflow:
    def __init__(
        self,
        settings: WeighingSettings,
        ledger: Ledger,
        scale: ScaleSet,
        printer: LabelPrinter,
        labels: LabelMaker,
        on_commit: Callable[[], None] = lambda: None,
        cameras: CameraService | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.scale = scale
        self.printer = printer
        self.labels = labels
        self.on_commit = on_commit
        self.cameras = cameras
        self._lock = asyncio.Lock()
        # One label at a time: a queued label retried by the print queue and by the operator's button
        # at the same moment must print once.
        self._print_lock = asyncio.Lock()
        self.printer_state = PrinterState()
        # Called when a label could not print; the print queue sets it to start watching the printer.
        self.on_print_failure: Callable[[], None] = lambda: None

    async def weigh(
        self, waste_code: str, operator: str | None = None, scale: str | None = None
    ) -> WeighingResult:
        """Weigh one bag on `scale` (a name from the configuration; None: the default scale)."""
        if self._lock.locked():
            raise Busy("正在称重上一袋，请稍候", "another weighing is in progress")
        async with self._lock:
            return await self._weigh(waste_code, operator or self.settings.operator, scale)

    async def _weigh(self, waste_code: str, operator: str, scale_name: str | None = None) -> WeighingResult:
        if self.settings.waste_type(waste_code) is None:
            raise UnknownWasteType(
                f"废物代码 {waste_code} 不在本单位的危废清单中",
                f"waste code {waste_code} is not on this site's list",
            )
        try:
            scale = self.scale.entry(scale_name)
        except UnknownScale as exc:
            raise NoSuchScale(exc.message_zh, str(exc)) from exc
        self._check_disk()
        try:
            grams = await scale.reader.wait_stable(scale.stable_timeout_s)
        except ScaleError as exc:
            raise ScaleProblem(exc.message_zh, str(exc)) from exc
        if grams <= 0:
            raise ScaleProblem("秤上没有称重物，请放上废物袋", "nothing on the scale")
        weighed_at = scale.guard.mark()
        if (same := scale.guard.check(grams)) is not None:
            raise SameBagAgain(same.message_zh, same.message_en)
        # At the stable weight; bounded by each camera's timeout_s, and never refuses the weighing.
        snapshots = await self.cameras.capture_for_weighing() if self.cameras else []
        # Which instrument weighed the bag is part of the record once a box has more than one.
        named = scale.name if len(self.scale.names) > 1 else None
        event = await asyncio.to_thread(self._commission, waste_code, grams, operator, snapshots, named)
        scale.guard.weighed(event.code, grams, weighed_at)
        self.on_commit()
        if self.cameras:
            self.cameras.after_commit(event, snapshots)
        outcome = await self.print_label(event.code)
        if self.cameras and outcome.printed:
            self.cameras.after_label(event)
        return WeighingResult(
            event.code, grams, event.seq, outcome.printed, outcome.message_zh, outcome.message_en, scale.name
        )

    def _commission(
        self,
        waste_code: str,
        grams: int,
        operator: str,
        snapshots: Sequence[SnapshotOutcome] = (),
        scale: str | None = None,
    ) -> Event:
        # The 数字识别码 carries the unit's local date, and Chinese sites keep Beijing time.
        today = china_date_from_ms(self.ledger.clock.now_ms())
        # Every code of this unit, waste code and day shares what precedes the sequence segment.
        prefix = build_code(self.settings.enterprise_uscc, waste_code, today, 1)[: -DEFAULT_LAYOUT.seq_length]
        seq = self.ledger.next_code_seq(prefix)
        try:
            code = build_code(self.settings.enterprise_uscc, waste_code, today, seq)
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
                place=self.settings.place,
                attachments=tuple(a for s in snapshots if (a := s.attachment()) is not None),
                data={
                    "production_date": today.isoformat(),
                    "unit": self.settings.enterprise_uscc,
                    "catalogue_edition": self.labels.catalogue.edition,
                }
                | snapshot_data(snapshots)
                | ({"scale": scale} if scale else {}),
            )
        except LedgerError as exc:
            raise WeighingError(str(exc), str(exc)) from exc

    async def print_label(self, code: str) -> PrintOutcome:
        """Print a queued label; on success commit its encoding event. Safe to call again after a failure."""
        async with self._print_lock:
            return await self._print_label(code)

    async def _print_label(self, code: str) -> PrintOutcome:
        job = await asyncio.to_thread(self.ledger.print_job, code)
        if job is None:
            return PrintOutcome(False, f"没有识别码为 {code} 的记录", f"no bag {code} in this ledger")
        if job.state == "voided":
            return PrintOutcome(False, "该标签已作废，不再打印", "the label was voided: not printed")
        if job.state != "pending":
            return PrintOutcome(True, "标签已打印", "label already printed")
        commissioned = (await asyncio.to_thread(self.ledger.events_after, job.commissioned - 1, 1))[0]
        # A copy after one that may have reached the paper (or that an operator asked for) is marked 补打.
        reprint = job.maybe_printed
        reason = job.reprint_reason or ("上次打印未确认完成" if reprint else "")
        try:
            content = self.labels.content(
                code,
                commissioned.waste_code or "",
                commissioned.grams or 0,
                commissioned.data.get("production_date", ""),
                reprint=reprint,
                remark=f"补打原因：{reason}" if reprint else "",
            )
            label = await asyncio.to_thread(self.labels.render, content)
        except LabelError as exc:
            zh = (
                "标签内容放不进本机的标签：请管理员缩短该废物类型的主要成分、有害成分或注意事项，"
                "或作废后重新称重"
            )
            await asyncio.to_thread(
                self.ledger.record_print_failure,
                code,
                LABEL_PROBLEM + str(exc),
                maybe_printed=False,
                reason_zh=zh,
            )
            log.error("label %s cannot be composed: %s", code, exc)
            en = f"recorded, but the label cannot be made: {exc}"
            return PrintOutcome(False, f"已记录，但{zh}", en, printer_fault=False)
        await asyncio.to_thread(self.labels.keep, label)
        if label.fallback:
            log.warning("label %s: %s", code, label.fallback)

        async def sending() -> None:
            await asyncio.to_thread(self.ledger.mark_sending, code)

        try:
            await self.printer.print_label(label.data, before_send=sending)
        except PrinterError as exc:
            await asyncio.to_thread(
                self.ledger.record_print_failure,
                code,
                str(exc),
                maybe_printed=exc.label_sent,
                reason_zh=exc.message_zh,
            )
            self.printer_state.failed(exc, self.ledger.clock.now_ms())
            self.on_print_failure()
            log.warning("label %s not printed: %s", code, exc)
            return PrintOutcome(
                False,
                f"已记录，但标签未打印：{exc.message_zh}。{QUEUED_ZH}",
                f"recorded, label not printed: {exc}; it prints by itself when the printer is back",
            )
        if self.printer.last_status is not None:
            self.printer_state.saw(self.printer.last_status, self.ledger.clock.now_ms())
        data: dict[str, object] = {
            "reprint": reprint,
            "printer": self.settings.printer_uri or self.labels.profile.connection,
            "profile": self.labels.profile.name,
            "mode": label.mode,
        }
        if reprint:
            data["reason"] = reason
        if label.fallback:
            data["fallback"] = label.fallback
        await asyncio.to_thread(
            self.ledger.record_printed,
            code,
            waste_code=commissioned.waste_code,
            grams=commissioned.grams,
            operator=job.reprint_operator or commissioned.operator,
            place=commissioned.place,
            attachments=(Attachment(label.sha256, "image/png", "label"),),
            data=data,
        )
        self.on_commit()
        if reprint:
            return PrintOutcome(True, "已打印标签（补打）", "label printed (marked as a reprint)")
        return PrintOutcome(True, "已称重并打印标签", "weighed and labelled")

    async def retry_pending(self) -> int:
        """Print every queued label, oldest first; return how many printed. Stops at a printer fault;
        labels that cannot be composed are passed by (they need a person: shorter text, or void)."""
        printed = 0
        for job in await asyncio.to_thread(self.ledger.pending_prints):
            if (job.last_error or "").startswith(LABEL_PROBLEM):
                continue
            outcome = await self.print_label(job.code)
            if outcome.printed:
                printed += 1
            elif outcome.printer_fault:
                break
        return printed

    async def reprint(
        self, code: str, reason: str, operator: str | None = None, approved_by: str | None = None
    ) -> PrintOutcome:
        """Another copy of a bag's label, marked 补打, with the reason (and the supervisor who approved
        it) in its encoding event and on the label."""
        reason = _reason_or_refuse(reason, "补打")
        if approved_by:
            reason = f"{reason}（主管{approved_by}确认）"
        try:
            await asyncio.to_thread(
                self.ledger.request_reprint, code, reason, operator or self.settings.operator
            )
        except PrintJobMissing as exc:
            raise LabelNotFound(f"没有识别码为 {code} 的记录", str(exc)) from exc
        except PrintJobVoided as exc:
            raise LabelVoided("该标签已作废，不能补打", str(exc)) from exc
        return await self.print_label(code)

    async def void(
        self, code: str, reason: str, operator: str | None = None, approved_by: str | None = None
    ) -> Event:
        """Void a bag's label: a decommissioning event with the reason (and the approving supervisor);
        a queued copy never prints."""
        reason = _reason_or_refuse(reason, "作废")
        async with self._print_lock:
            job = await asyncio.to_thread(self.ledger.print_job, code)
            if job is None:
                raise LabelNotFound(f"没有识别码为 {code} 的记录", f"no bag {code} in this ledger")
            commissioned = (await asyncio.to_thread(self.ledger.events_after, job.commissioned - 1, 1))[0]
            try:
                event = await asyncio.to_thread(
                    self.ledger.void,
                    code,
                    reason,
                    operator or self.settings.operator,
                    waste_code=commissioned.waste_code,
                    grams=commissioned.grams,
                    place=self.settings.place,
                    data={"approved_by": approved_by} if approved_by else {},
                )
            except PrintJobVoided as exc:
                raise LabelVoided("该标签已经作废", str(exc)) from exc
        self.on_commit()
        return event

    def _check_disk(self) -> None:
        free = shutil.disk_usage(self.settings.data_dir).free
        if free < self.settings.min_free_bytes:
            raise DiskFull(
                f"存储空间不足（剩余 {free // (1024 * 1024)} MB），暂停称重以保护台账；请联系管理员清理",
                f"only {free // (1024 * 1024)} MB free: weighing paused to protect the ledger",
            )


def snapshot_data(snapshots: Sequence[SnapshotOutcome]) -> dict:
    """`data.snapshot`: the image's SHA-256, or why it is missing; nothing at a site with no camera."""
    if not snapshots:
        return {}
    data: dict = {"snapshot": snapshots[0].ledger_data()}
    if len(snapshots) > 1:
        data["snapshots"] = [s.ledger_data() for s in snapshots]
    return data
