"""When is a weight a weight: our own verdict on top of the indicator's motion flag.

Indicators flag ST early (some after two equal conversions) and some protocols carry no flag at all, so
a weight is taken only when the last readings agree for long enough. Time is passed in (integer ms).
"""

from __future__ import annotations

from collections import deque

from protocols.scale.events import Reading, ScaleEvent

# A run never needs more readings than arrive in `min_span_ms`; the cap only guards a runaway feed rate.
_MAX_RUN = 4096


class StabilityJudge:
    """Stable once the readings of the last `min_span_ms` (at least `window` of them) lie within
    `tolerance_g` of each other, are of the same kind and, with `use_indicator_flag`, all carry the
    indicator's stable flag.

    Anything that is not an in-range reading (garbage, a reply without weight such as "in motion",
    overload, underload, hold) starts over, and so does a gap longer than `max_gap_ms` between readings or
    time running backwards.
    """

    def __init__(
        self,
        window: int = 5,
        tolerance_g: int = 10,
        min_span_ms: int = 500,
        use_indicator_flag: bool = True,
        *,
        max_gap_ms: int = 2000,
    ) -> None:
        for name, value, low in (
            ("window", window, 1),
            ("tolerance_g", tolerance_g, 0),
            ("min_span_ms", min_span_ms, 0),
            ("max_gap_ms", max_gap_ms, 1),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
        self.window = window
        self.tolerance_g = tolerance_g
        self.min_span_ms = min_span_ms
        self.use_indicator_flag = use_indicator_flag
        self.max_gap_ms = max_gap_ms
        self._run: deque[tuple[int, Reading]] = deque()

    def fresh(self) -> StabilityJudge:
        """An empty judge with the same settings."""
        return StabilityJudge(
            self.window,
            self.tolerance_g,
            self.min_span_ms,
            self.use_indicator_flag,
            max_gap_ms=self.max_gap_ms,
        )

    def reset(self) -> None:
        self._run.clear()

    def feed(self, event: ScaleEvent, now_ms: int) -> None:
        if not isinstance(event, Reading) or event.status != "ok" or event.grams is None:
            self.reset()
            return
        if self.use_indicator_flag and not event.stable:
            self.reset()
            return
        if self._run:
            last_ms, last = self._run[-1]
            if now_ms < last_ms or now_ms - last_ms > self.max_gap_ms or event.kind != last.kind:
                self.reset()
        self._run.append((now_ms, event))
        while _spread(self._run) > self.tolerance_g:
            self._run.popleft()
        while len(self._run) > self.window and now_ms - self._run[1][0] >= self.min_span_ms:
            self._run.popleft()
        while len(self._run) > _MAX_RUN:
            self._run.popleft()

    @property
    def stable_grams(self) -> int | None:
        """The latest reading's grams when stable, else None."""
        if len(self._run) < self.window:
            return None
        if self._run[-1][0] - self._run[0][0] < self.min_span_ms:
            return None
        return self._run[-1][1].grams


def _spread(run: deque[tuple[int, Reading]]) -> int:
    grams = [r.grams for _, r in run if r.grams is not None]
    return max(grams) - min(grams)
