"""Reads of the feedback app."""

from datetime import date

from feedback.models import DailyFeedback


def daily_feedback_counts(
    *, assistant_id: int, start: date, end: date
) -> dict[date, tuple[int, int]]:
    """{day: (positive, negative)} for the days in [start, end] that have ratings. One query."""
    rows = DailyFeedback.objects.filter(
        assistant_id=assistant_id, day__gte=start, day__lte=end
    ).values_list("day", "positive", "negative")
    return {day: (positive, negative) for day, positive, negative in rows}
