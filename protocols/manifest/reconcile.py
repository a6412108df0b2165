"""Shipped weight against received weight, per bag and per manifest, in integer grams.

A bag's difference counts as a discrepancy when it is larger than the tolerance: `tolerance_permille` of
the shipped weight, but never less than `floor_grams` (two certified scales weighing the same bag differ a
little; a few grams are not a warning). No Chinese rule publishes a percentage (traceability-systems.md §c),
so both numbers are parameters with modest defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TOLERANCE_PERMILLE = 10  # 1 %
DEFAULT_FLOOR_GRAMS = 100


@dataclass(frozen=True, slots=True)
class Receipt:
    grams: int | None  # the receiver's re-weighing (复磅); None if it recorded no weight
    accepted: bool


@dataclass(frozen=True, slots=True)
class BagBalance:
    code: str
    shipped_grams: int
    received_grams: int | None
    accepted: bool | None  # None: not received yet
    difference_grams: int | None  # received - shipped
    discrepancy: bool


@dataclass(frozen=True, slots=True)
class Balance:
    bags: tuple[BagBalance, ...]
    shipped_grams: int
    received_grams: int  # of every bag re-weighed, accepted or not
    accepted_grams: int
    accepted: int
    rejected: int
    missing: tuple[str, ...]  # shipped, no receipt yet
    discrepancies: tuple[str, ...]

    @property
    def difference_grams(self) -> int:
        return self.received_grams - sum(b.shipped_grams for b in self.bags if b.received_grams is not None)


def tolerance_grams(shipped: int, permille: int, floor: int) -> int:
    return max(floor, shipped * permille // 1000)


def reconcile(
    shipped: Mapping[str, int],
    received: Mapping[str, Receipt],
    *,
    tolerance_permille: int = DEFAULT_TOLERANCE_PERMILLE,
    floor_grams: int = DEFAULT_FLOOR_GRAMS,
) -> Balance:
    """Compare per bag. Receipts for codes not in `shipped` are the caller's to refuse, and are ignored."""
    bags = []
    for code, grams in shipped.items():
        receipt = received.get(code)
        if receipt is None:
            bags.append(BagBalance(code, grams, None, None, None, False))
            continue
        diff = None if receipt.grams is None else receipt.grams - grams
        off = diff is not None and abs(diff) > tolerance_grams(grams, tolerance_permille, floor_grams)
        bags.append(BagBalance(code, grams, receipt.grams, receipt.accepted, diff, off))
    got = [b for b in bags if b.accepted is not None]
    return Balance(
        bags=tuple(bags),
        shipped_grams=sum(shipped.values()),
        received_grams=sum(b.received_grams or 0 for b in got),
        accepted_grams=sum(b.received_grams or 0 for b in got if b.accepted),
        accepted=sum(1 for b in got if b.accepted),
        rejected=sum(1 for b in got if not b.accepted),
        missing=tuple(b.code for b in bags if b.accepted is None),
        discrepancies=tuple(b.code for b in bags if b.discrepancy),
    )
