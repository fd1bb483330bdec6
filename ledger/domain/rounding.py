"""Billing increments: how given hours become billed hours, visibly.

Why a rule of its own: PSA tools are known to overbill silently through rounding nobody can see.
Here the rule is explicit (round UP to a whole number of increments, at least the minimum), it is
recorded on every work entry it touched, and it only uses increments that keep billed hours exact
to two decimals (multiples of 3 minutes: 0.05 h), so "hours × rate" on a statement adds up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledger.domain.grammar import whole_text
from ledger.errors import InvalidInputError

MINUTES_MAX = 480
"""Largest increment or minimum: one working day."""
MINUTES_STEP = 3
"""3 minutes = 0.05 h; any multiple of it is exact in hours with two decimals, 5 or 10 minutes is not."""
_HUNDREDTHS_PER_MINUTE_NUMERATOR, _HUNDREDTHS_PER_MINUTE_DENOMINATOR = 5, 3
"""1 minute = 100/60 = 5/3 hundredths of an hour."""
_CENT_HOURS = Decimal("0.01")


def parse_minutes(value: object, field: str) -> int:
    """Whole minutes from 0 to 480 in steps of 3 (3, 6, 15, 30, 60 ...); 0 means none."""
    if isinstance(value, bool | float):
        raise InvalidInputError(field, f"{type(value).__name__} {value!r} is not whole minutes")
    if isinstance(value, str):
        value = whole_text(value, field, "a whole number of minutes")
    if not isinstance(value, int):
        raise InvalidInputError(field, f"{type(value).__name__} is not a whole number of minutes")
    if not 0 <= value <= MINUTES_MAX:
        raise InvalidInputError(field, f"{value} is outside 0..{MINUTES_MAX} minutes")
    if value % MINUTES_STEP:
        msg = (
            f"{value} minutes is not a multiple of {MINUTES_STEP} minutes, so billed hours would "
            "not be exact to two decimals (use e.g. 6, 15, 30 or 60)"
        )
        raise InvalidInputError(field, msg)
    return value


@dataclass(frozen=True)
class RoundingRule:
    """Round billed hours up to ``increment_minutes`` (0: no increment), at least ``minimum_minutes``."""

    increment_minutes: int = 0
    minimum_minutes: int = 0

    def __post_init__(self) -> None:
        parse_minutes(self.increment_minutes, "increment_minutes")
        parse_minutes(self.minimum_minutes, "minimum_minutes")

    @property
    def is_none(self) -> bool:
        return self.increment_minutes == 0 and self.minimum_minutes == 0

    def apply(self, hours: Decimal) -> Decimal:
        """Billed hours for ``hours`` given (two decimals in, two decimals out, never less)."""
        if hours <= 0 or hours != hours.quantize(_CENT_HOURS):
            msg = f"{hours} is not a positive number of hours with at most two decimals"
            raise InvalidInputError("hours", msg)
        given = int(hours / _CENT_HOURS)
        billed = given
        increment = _hundredths(self.increment_minutes)
        if increment:
            billed = -(-given // increment) * increment
        billed = max(billed, _hundredths(self.minimum_minutes))
        return (Decimal(billed) * _CENT_HOURS).quantize(_CENT_HOURS)

    def describe(self) -> str:
        """E.g. "up in 15-minute increments, minimum 30 minutes"; "none" when it changes nothing."""
        if self.is_none:
            return "none"
        parts = []
        if self.increment_minutes:
            parts.append(f"up in {self.increment_minutes}-minute increments")
        if self.minimum_minutes:
            parts.append(f"minimum {self.minimum_minutes} minutes")
        return ", ".join(parts)


NO_ROUNDING = RoundingRule()


def _hundredths(minutes: int) -> int:
    """Minutes as hundredths of an hour; exact because minutes are multiples of 3."""
    return minutes * _HUNDREDTHS_PER_MINUTE_NUMERATOR // _HUNDREDTHS_PER_MINUTE_DENOMINATOR
