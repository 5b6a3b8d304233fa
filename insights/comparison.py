"""Before and after each configuration change: the daily averages of the versions it
separates, computed from the days already on the page (no query)."""

from dataclasses import dataclass

from insights.selectors import ConfigurationChange, DayFigures


@dataclass(frozen=True)
class DailyAverages:
    days: int
    active_users: float
    conversations: float
    messages: float
    positive_share: float | None  # percent of ratings that were positive; None without ratings


# The figures compared, in the order of the table's columns.
COMPARED = ("active_users", "conversations", "messages", "positive_share")


@dataclass(frozen=True)
class FigureChange:
    before: float | None
    after: float | None
    delta_percent: float | None


@dataclass(frozen=True)
class Comparison:
    change: ConfigurationChange
    before: DailyAverages | None  # None when the range starts on the change's day
    after: DailyAverages | None  # None when the range ends on the change's day

    def figures(self) -> list[FigureChange]:
        """Each compared figure before and after, and how much it moved in percent."""
        changes = []
        for figure in COMPARED:
            old = getattr(self.before, figure) if self.before else None
            new = getattr(self.after, figure) if self.after else None
            delta = None if old in (None, 0) or new is None else round(100 * (new - old) / old, 1)
            changes.append(FigureChange(old, new, delta))
        return changes


def averages(days: list[DayFigures]) -> DailyAverages | None:
    if not days:
        return None
    count = len(days)
    positive = sum(day.positive_feedback for day in days)
    rated = positive + sum(day.negative_feedback for day in days)
    return DailyAverages(
        days=count,
        active_users=round(sum(day.active_users for day in days) / count, 1),
        conversations=round(sum(day.conversations for day in days) / count, 1),
        messages=round(sum(day.messages for day in days) / count, 1),
        positive_share=round(100 * positive / rated, 1) if rated else None,
    )


def compare_around_changes(
    days: list[DayFigures], changes: list[ConfigurationChange]
) -> list[Comparison]:
    """For each change day, the days since the previous change day against the days until the
    next one. A change day itself runs partly on each version, so it counts on neither side."""
    change_days = sorted({change.day for change in changes})
    comparisons = []
    for change in changes:
        index = change_days.index(change.day)
        previous = change_days[index - 1] if index > 0 else None
        following = change_days[index + 1] if index + 1 < len(change_days) else None
        before = [d for d in days if d.day < change.day and (previous is None or d.day > previous)]
        after = [d for d in days if d.day > change.day and (following is None or d.day < following)]
        comparisons.append(Comparison(change, averages(before), averages(after)))
    return comparisons
