"""Whether a timeframe has any activity, and where the assistant's activity begins.

A timeframe without activity says so in words instead of drawing empty charts; one that
begins before the first activity draws its charts from that day (SPEC §4).
"""

from dataclasses import dataclass
from datetime import date

from assistants.models import Assistant, DailyUsage
from assistants.timeframe import DateRange
from insights.selectors import DayFigures


def first_activity_day(assistant: Assistant) -> date | None:
    """The first day with a message, in the reporting zone; None before any. One query,
    read from the daily rollup through its unique (assistant, day) index."""
    return (
        DailyUsage.objects.filter(assistant=assistant)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )


@dataclass(frozen=True)
class TimeframeActivity:
    """What the Analytics tab says about activity in its timeframe."""

    date_range: DateRange
    first_day: date | None  # the assistant's first day of activity, in any timeframe
    empty: bool  # no message and no rating on any day of the timeframe

    @property
    def never_active(self) -> bool:
        return self.first_day is None

    @property
    def starts_later(self) -> bool:
        """The timeframe begins before the first activity, which falls inside it."""
        return (
            self.first_day is not None
            and self.date_range.start < self.first_day <= self.date_range.end
        )

    @property
    def chart_start(self) -> date:
        return self.first_day if self.starts_later else self.date_range.start

    @property
    def first_activity_range(self) -> DateRange | None:
        """A timeframe of the same length that begins with the first activity."""
        if self.first_day is None:
            return None
        return DateRange(
            self.first_day, self.first_day + (self.date_range.end - self.date_range.start)
        )

    def chart_days(self, days: list[DayFigures]) -> list[DayFigures]:
        """The days the charts draw: from the first activity on when it falls inside."""
        return [day for day in days if day.day >= self.chart_start]


def timeframe_activity(
    *, date_range: DateRange, days: list[DayFigures], first_day: date | None
) -> TimeframeActivity:
    """No query: from `daily_figures`' days and `first_activity_day`."""
    empty = not any(day.messages or day.positive_feedback or day.negative_feedback for day in days)
    return TimeframeActivity(date_range=date_range, first_day=first_day, empty=empty)
