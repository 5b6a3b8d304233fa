"""The row of cards for the timeframe: each figure with its change against the previous
period of the same length. Sections of the tab (people, quality and cost) each add theirs.
Pure functions: no database."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Card:
    key: str  # stable id for tests and CSS (data-testid="card-<key>")
    label: str
    value: str  # formatted for people, "—" when there is nothing to show
    change: str | None = None  # "+12 % vs the previous 30 days"; None when not comparable
    # Whether the change is good news (green), bad (red) or neither (None, grey).
    good: bool | None = None
    note: str = ""  # a line under the value, such as "412 ratings"


def percent_of(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, or None when `whole` is 0 (nothing to divide)."""
    return 100 * part / whole if whole else None


def percent_change(
    current: float | Decimal | None, previous: float | Decimal | None
) -> float | None:
    """The relative change in percent, or None when there is no previous value to compare."""
    if current is None or previous is None or previous == 0:
        return None
    return round(100 * (float(current) - float(previous)) / float(previous), 1)


def change_text(delta: float | None, *, unit: str, period_days: int) -> str | None:
    """ "+12 % vs the previous 30 days" (unit "%") or "-3.1 points vs …" (unit "points")."""
    if delta is None:
        return None
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    magnitude = abs(delta)
    number = f"{magnitude:,.1f}".removesuffix(".0")
    period = "day" if period_days == 1 else f"{period_days:,} days"
    return f"{sign}{number} {unit} vs the previous {period}"


def is_good(delta: float | None, *, more_is_better: bool) -> bool | None:
    if delta is None or delta == 0:
        return None
    return (delta > 0) == more_is_better
