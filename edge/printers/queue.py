"""The durable print queue's supervisor: labels that could not print come out when the printer is back.

The queue itself is the ledger's `print_jobs` table (committed with the bag, before any printing), so it
survives restarts and power cuts. This task only watches the printer: every few seconds while labels
wait (less often when none do, so the touchscreen still shows "缺纸" before the next weighing), it asks
the printer's status and, once it answers ready, prints the waiting labels oldest first through the
workflow, which marks a copy 补打 whenever an earlier one may have reached the paper.
"""

from __future__ import annotations

import asyncio
import logging

from edge.printers.errors import PrinterError
from edge.printers.report import PrinterReport
from edge.workflow import WeighingWorkflow

log = logging.getLogger(__name__)


class PrintQueue:
    def __init__(
        self, workflow: WeighingWorkflow, *, busy_poll_s: float = 2.0, idle_poll_s: float = 15.0
    ) -> None:
        self.workflow = workflow
        self.busy_poll_s = busy_poll_s
        self.idle_poll_s = idle_poll_s
        self._wake = asyncio.Event()
        workflow.on_print_failure = self.wake

    def wake(self) -> None:
        """Check the printer now (after paper was loaded, or a label failed)."""
        self._wake.set()

    async def run(self) -> None:
        """Forever: check, print what waits if the printer is ready, sleep. Cancel to stop."""
        while True:
            pending = 0
            try:
                pending = await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the supervised loop must outlive any one failure
                log.exception("print queue check failed; trying again")
                pending = 1
            self._wake.clear()
            try:
                async with asyncio.timeout(self.busy_poll_s if pending else self.idle_poll_s):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def check(self) -> int:
        """Ask the printer; print the waiting labels if it is ready. Return how many labels still wait."""
        workflow = self.workflow
        ledger = workflow.ledger
        pending = await asyncio.to_thread(ledger.pending_prints)
        try:
            status = await workflow.printer.status()
        except PrinterError as exc:
            workflow.printer_state.failed(exc, ledger.clock.now_ms())
            return len(pending)
        workflow.printer_state.saw(status, ledger.clock.now_ms())
        if pending and status.ready:
            log.info("printer ready: printing %d queued label(s)", len(pending))
            await workflow.retry_pending()
            pending = await asyncio.to_thread(ledger.pending_prints)
        return len(pending)

    def probe(self) -> PrinterReport:
        """The printer for the heartbeat: its last known state and the labels waiting for it."""
        return PrinterReport.of(self.workflow.printer_state, self.workflow.ledger.pending_prints())
