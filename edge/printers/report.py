"""The printer's entry in the heartbeat, built here and only here: its last known state and the labels
waiting for it in the print queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.device_report import DeviceReport
from edge.ledger import PrintJob
from edge.printers.status import PrinterCondition, PrinterState

LABELS_WAITING = "labels-waiting"
"""The heartbeat status of a ready printer with labels still queued for it."""


@dataclass(frozen=True, slots=True)
class PrinterReport(DeviceReport):
    pending_labels: int = 0

    @classmethod
    def of(cls, state: PrinterState, pending: Sequence[PrintJob]) -> PrinterReport:
        status: str = state.reason if state.ready is not None else PrinterCondition.UNKNOWN
        detail = state.message_zh
        if pending:
            detail = f"{len(pending)} 张标签待打印；{pending[0].message_zh or detail}"
            if state.ready:
                status = LABELS_WAITING
        return cls(
            status=status,
            ok=bool(state.ready) and not pending,
            last_ok_ms=state.last_ok_ms,
            detail=detail[:200],
            pending_labels=len(pending),
        )
