"""Display units to integer grams and back, exactly (Decimal, never float)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Final

# Exact gram factors; the pound is defined as exactly 0.45359237 kg.
GRAMS_PER_UNIT: Final = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "t": Decimal(1_000_000),
    "lb": Decimal("453.59237"),
}

# Values are at most a dozen characters and factors exact, so 40 digits never round before the final step.
_DECIMAL = Context(prec=40, rounding=ROUND_HALF_EVEN)


class UnitError(ValueError):
    """A unit or a number of decimals no indicator we read can show."""


def to_grams(amount: Decimal, unit: str) -> int:
    """Exact conversion to integer grams, rounded half-to-even only where the unit demands it."""
    grams = _DECIMAL.multiply(amount, GRAMS_PER_UNIT[unit])
    return int(grams.quantize(Decimal(1), context=_DECIMAL))


def scaled_to_grams(digits: int, decimals: int, unit: str) -> int:
    """A display's digits with an implied decimal point (`002000`, 2 decimals → 20.00) in grams."""
    return to_grams(Decimal(digits).scaleb(-decimals), unit)


def text_to_grams(text: bytes, unit: str) -> int:
    """An ASCII number the grammar has already checked (`-0012.34`) in grams."""
    try:
        return to_grams(Decimal(text.decode("ascii")), unit)
    except (InvalidOperation, UnicodeDecodeError) as exc:  # the caller's grammar should have refused it
        raise UnitError(f"not a number: {text!r}") from exc


def shown_amount(grams: int, unit: str, decimals: int) -> Decimal:
    """What a display set to `unit` with `decimals` places shows for `grams`, rounded half-to-even."""
    check_display(unit, decimals)
    if not isinstance(grams, int) or isinstance(grams, bool):
        raise UnitError(f"grams must be an integer, got {grams!r}")
    return _DECIMAL.divide(Decimal(grams), GRAMS_PER_UNIT[unit]).quantize(
        Decimal(1).scaleb(-decimals), context=_DECIMAL
    )


def check_display(unit: str, decimals: int) -> None:
    if unit not in GRAMS_PER_UNIT:
        raise UnitError(f"unit must be one of {sorted(GRAMS_PER_UNIT)}, got {unit!r}")
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 5:
        raise UnitError(f"decimals must be an integer from 0 to 5, got {decimals!r}")


def fixed_width(amount: Decimal, decimals: int, width: int, *, sign: bool = False) -> bytes:
    """`amount` zero-padded to `width` characters with its point (`0012.34`); `sign` puts + or - in front
    (inside the width). Raises UnitError when it does not fit, as the indicator would show an error."""
    if sign:
        body = f"{abs(amount):0{width - 1}.{decimals}f}"
        text = ("-" if amount < 0 else "+") + body
    else:
        text = f"{amount:0{width}.{decimals}f}"
    if len(text) != width:
        raise UnitError(f"{amount} does not fit a {width}-character weight field")
    return text.encode("ascii")
