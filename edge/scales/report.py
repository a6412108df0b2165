"""A scale's entry in the heartbeat, built here and only here."""

from __future__ import annotations

from dataclasses import dataclass

from edge.clock import Clock
from edge.device_report import DeviceReport, Probe
from edge.scales.reader import ScaleReader, monotonic_ms
from edge.scales.service import ScaleSet
from edge.scales.state import ScaleState, ScaleStatus


@dataclass(frozen=True, slots=True)
class ScaleReport(DeviceReport):
    @classmethod
    def of(cls, state: ScaleState, wall_now_ms: int, mono_now_ms: int) -> ScaleReport:
        """The reader's times are monotonic; the last reading is turned into wall time for the hub."""
        last_ok = None
        if state.last_reading_ms is not None:
            last_ok = wall_now_ms - (mono_now_ms - state.last_reading_ms)
        return cls(
            status=state.status,
            ok=state.status == ScaleStatus.CONNECTED,
            last_ok_ms=last_ok,
            detail=state.message_zh,
        )


def scale_probe(reader: ScaleReader, clock: Clock) -> Probe:
    return lambda: ScaleReport.of(reader.state(), clock.now_ms(), monotonic_ms())


def scale_probes(scales: ScaleSet, clock: Clock) -> dict[str, Probe]:
    """One probe per scale: the default scale is "scale", the others "scale:NAME"."""
    probes = {"scale": scale_probe(scales.get(), clock)}
    for name in scales.names[1:]:
        probes[f"scale:{name}"] = scale_probe(scales.get(name), clock)
    return probes
