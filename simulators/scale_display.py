"""What a simulated indicator shows: the load settling after a change, and the faults of the load itself
(noise, drift, motion) as opposed to faults of the line (garbage, torn frames, silence)."""

from __future__ import annotations

import random
from typing import Final

LOAD_FAULTS: Final = ("noise", "drift", "motion")

# Drift: one division every this many ms, slow enough that the indicator's motion detector lets it pass.
DRIFT_MS_PER_DIVISION: Final = 200
# Motion: someone leaning on the platform, a triangle wave of this many divisions and period.
MOTION_DIVISIONS: Final = 20
MOTION_PERIOD_MS: Final = 800


def round_to_division(grams: int, division_g: int) -> int:
    """Round half-to-even to a whole number of divisions, as the display shows it."""
    quotient, rest = divmod(grams, division_g)
    if 2 * rest > division_g or (2 * rest == division_g and quotient % 2):
        quotient += 1
    return quotient * division_g


def division_for(unit: str, decimals: int) -> int:
    """The smallest step the display can show, in whole grams; refuse settings finer than a gram."""
    exponent = {"g": 0, "kg": 3, "t": 6}.get(unit)
    if exponent is None:
        raise ValueError(f"the simulator shows g, kg or t, not {unit!r}")
    if not 0 <= decimals <= exponent:
        raise ValueError(f"{unit} with {decimals} decimals is not a whole number of grams per division")
    return 10 ** (exponent - decimals)


class IndicatorDisplay:
    """What the indicator shows: after a load change the number swings towards the new load with a
    division of jitter, then settles exactly on it (rounded to the division)."""

    def __init__(self, *, division_g: int, settle_ms: int, rng: random.Random, grams: int = 0) -> None:
        self.division_g = division_g
        self.settle_ms = settle_ms
        self._rng = rng
        self.target_grams = grams
        self._from = round_to_division(grams, division_g)
        self._since_ms: int | None = None

    def set_target(self, grams: int, at_ms: int) -> None:
        self._from = self.show(at_ms)[0]
        self.target_grams = grams
        self._since_ms = at_ms

    def show(self, at_ms: int) -> tuple[int, bool]:
        """(grams shown, settled) at `at_ms`."""
        target = round_to_division(self.target_grams, self.division_g)
        if self._since_ms is None or at_ms - self._since_ms >= self.settle_ms:
            return target, True
        s, e = self.settle_ms, max(0, at_ms - self._since_ms)
        eased = self._from + (target - self._from) * (s * s - (s - e) ** 2) // (s * s)
        jitter = self._rng.choice((-1, 0, 1)) * self.division_g
        return round_to_division(eased, self.division_g) + jitter, False


class LoadFaults:
    """Noise, drift and motion laid over the display, with the indicator's own motion flag.

    noise: a division of jitter on a steady load; the indicator flags motion whenever the number
    changed since its last frame. drift: the number creeps one division every `DRIFT_MS_PER_DIVISION`,
    which the indicator's motion detector lets pass (flagged stable). motion: a swing of
    `MOTION_DIVISIONS` divisions, flagged as motion.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._last: int | None = None

    def apply(
        self, fault: str, grams: int, settled: bool, division_g: int, since_ms: int, at_ms: int
    ) -> tuple[int, bool]:
        elapsed = max(0, at_ms - since_ms)
        if fault == "noise":
            grams += self._rng.choice((-1, 0, 1)) * division_g
            stable = settled and grams == self._last
        elif fault == "drift":
            grams += division_g * (elapsed // DRIFT_MS_PER_DIVISION)
            stable = settled
        elif fault == "motion":
            phase = elapsed % MOTION_PERIOD_MS
            half = MOTION_PERIOD_MS // 2
            wave = phase if phase < half else MOTION_PERIOD_MS - phase
            grams += division_g * (wave * 2 * MOTION_DIVISIONS // MOTION_PERIOD_MS - MOTION_DIVISIONS // 2)
            stable = False
        else:
            stable = settled
        self._last = grams
        return grams, stable
