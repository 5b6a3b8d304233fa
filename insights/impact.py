"""The impact of a configuration change (SPEC §4): the days just before it against the days
just after it, with a 95 % interval and a verdict for each figure.

One implementation for the impact page and the Analytics tab's before/after table:

- `sides` (pure) cuts the window around a change day, clipped by the neighbouring changes,
  the first activity and today (today is not over, so it is on neither side, like the
  change's own day, which runs partly on each version);
- `read_days` reads the counters of every day the sides need, for any number of changes, in
  two queries;
- `assess` (pure) turns the two sides into one `Assessment` per figure, with the statistics
  of `insights.stats` and the rules of SPEC §4.

A figure is a `DailyFigure` (a mean over days, compared with Welch's interval) or a
`RateFigure` (a proportion over counts summed on each side, compared with Newcombe's);
adding one is a line in `FIGURES` and the counters it needs in `ImpactDay`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Subquery, Sum

from assistants.models import Assistant, DailyUsage
from assistants.timeframe import DateRange
from feedback.models import VersionFeedback
from insights import stats
from insights.selectors import ConfigurationChange

WINDOWS = (7, 14, 28)
DEFAULT_WINDOW = 14
# SPEC §4: fewer than this on a side is not enough data.
MIN_DAYS = 7
MIN_COUNT = 30


@dataclass(frozen=True)
class ImpactDay:
    """The counters of one day that the compared figures are computed from."""

    day: date
    active_users: int = 0
    conversations: int = 0
    messages: int = 0
    positive: int = 0  # current ratings of the answers given that day
    negative: int = 0


@dataclass(frozen=True)
class Side:
    """The days on one side of a change; `range` is None when there is none. `limit` says
    what cut the side short of the window (None when it is whole), and `can_grow` whether
    waiting adds days to it."""

    range: DateRange | None
    days: list[ImpactDay] = field(default_factory=list)
    limit: str | None = None
    can_grow: bool = False

    @property
    def length(self) -> int:
        return self.range.length if self.range else 0


def sides(
    *,
    change_day: date,
    window: int,
    previous_change_day: date | None,
    next_change_day: date | None,
    first_activity: date | None,
    today: date,
) -> tuple[tuple[DateRange | None, str | None], tuple[DateRange | None, str | None, bool]]:
    """((before range, what clipped it), (after range, what clipped it, can it grow)).

    Before: the `window` days ending the day before the change, starting no earlier than
    the day after the previous change and the first activity. After: the `window` days
    starting the day after the change, ending no later than the day before the next change
    and yesterday (today is not over), and starting no earlier than the first activity.
    """
    start, limit = change_day - timedelta(days=window), None
    if previous_change_day is not None and previous_change_day >= start:
        start, limit = previous_change_day + timedelta(days=1), "the previous change"
    if first_activity is None or first_activity > start:
        start, limit = (first_activity or change_day), "the first activity"
    end = min(change_day - timedelta(days=1), today - timedelta(days=1))
    before = (DateRange(start, end), limit) if start <= end else (None, limit)

    end, limit, can_grow = change_day + timedelta(days=window), None, False
    if next_change_day is not None and next_change_day <= end:
        end, limit = next_change_day - timedelta(days=1), "the next change"
    yesterday = today - timedelta(days=1)
    if yesterday < end:
        end, limit, can_grow = yesterday, "today", True
    start = change_day + timedelta(days=1)
    if first_activity is not None and first_activity > start:
        start = first_activity
    if first_activity is None or start > end:
        return before, (None, limit, can_grow)
    return before, (DateRange(start, end), limit, can_grow)


def read_days(
    assistant: Assistant, ranges: Iterable[DateRange]
) -> tuple[dict[date, ImpactDay], date | None]:
    """({day: ImpactDay} for the busy days from the first range's start to the last range's
    end, first activity day or None). Days are calendar days of the reporting zone; a day
    without counters is absent (it counts as 0). Two queries whatever the number of ranges."""
    ranges = list(ranges)
    if not ranges:
        return {}, first_activity_of(assistant)
    start = min(r.start for r in ranges)
    end = max(r.end for r in ranges)
    first_day = DailyUsage.objects.filter(assistant=assistant).order_by("day").values("day")[:1]
    # The days of the ranges and, in the same query, the assistant's first active day.
    # Summed over the sources (the in-app chat's people and the events API's are not the
    # same participants).
    usage = (
        DailyUsage.objects.filter(
            Q(day__gte=start, day__lte=end) | Q(day=Subquery(first_day)), assistant=assistant
        )
        .values("day")
        .annotate(
            active=Sum("active_users"),
            started=Sum("conversations"),
            sent=Sum("user_messages"),
            answered=Sum("assistant_messages"),
        )
        .values_list("day", "active", "started", "sent", "answered")
    )
    days: dict[date, ImpactDay] = {}
    first_activity = None
    for day, active, conversations, user_messages, assistant_messages in usage:
        first_activity = day if first_activity is None else min(first_activity, day)
        days[day] = ImpactDay(day, active, conversations, user_messages + assistant_messages)
    feedback = (
        VersionFeedback.objects.filter(assistant=assistant, day__gte=start, day__lte=end)
        .values("day")
        .annotate(positive=Sum("positive"), negative=Sum("negative"))
        .values_list("day", "positive", "negative")
    )
    for day, positive, negative in feedback:
        base = days.get(day, ImpactDay(day))
        days[day] = ImpactDay(
            day, base.active_users, base.conversations, base.messages, positive, negative
        )
    return days, first_activity


def first_activity_of(assistant: Assistant) -> date | None:
    """The first day with a message, in the reporting zone. One query."""
    return (
        DailyUsage.objects.filter(assistant=assistant)
        .order_by("day")
        .values_list("day", flat=True)
        .first()
    )


def fill(range_: DateRange | None, days: dict[date, ImpactDay]) -> list[ImpactDay]:
    if range_ is None:
        return []
    return [days.get(day, ImpactDay(day)) for day in range_.days()]


# --- Figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyFigure:
    key: str
    label: str  # "active users a day"
    value: Callable[[ImpactDay], float]
    more_is_better: bool
    decimals: int = 1
    unit: str = ""


@dataclass(frozen=True)
class RateFigure:
    key: str
    label: str  # "positive ratings"
    counts: Callable[[ImpactDay], tuple[int, int]]  # (hits, trials) of one day
    more_is_better: bool
    trials_name: str  # "ratings"
    share_name: str  # "positive": what the share is of, after "58 % → 80 %"
    better_text: str  # "Answers were rated better"
    worse_text: str


FIGURES: list[DailyFigure | RateFigure] = [
    DailyFigure("active_users", "active users a day", lambda d: d.active_users, True),
    DailyFigure("conversations", "conversations a day", lambda d: d.conversations, True),
    DailyFigure("messages", "messages a day", lambda d: d.messages, True),
    RateFigure(
        "satisfaction",
        "positive ratings",
        lambda d: (d.positive, d.positive + d.negative),
        True,
        "ratings",
        "positive",
        "Answers were rated better",
        "Answers were rated worse",
    ),
]


class Verdict:
    BETTER = "better"
    WORSE = "worse"
    NO_CLEAR_CHANGE = "no clear change"
    NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True)
class Assessment:
    figure: DailyFigure | RateFigure
    before: str  # each side's value as shown ("12.3", "58 %"), "—" without data
    after: str
    before_n: int  # days (daily figures) or trials (rates) behind each side
    after_n: int
    difference: str | None  # "+2.8" or "+22 points"
    interval: str | None  # "+0.9 to +4.7"
    verdict: str
    sentence: str  # the whole finding, in words

    @property
    def label(self) -> str:
        return self.figure.label[0].upper() + self.figure.label[1:]


def _signed(value: float, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return f"±{text}"
    return f"+{text}" if value > 0 else f"−{text}"


def _plain(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace("-", "−")


def _shortfall(before: Side, after: Side, *, need: int, have: tuple[int, int], unit: str) -> str:
    """How much more data a verdict needs, side by side."""
    parts = []
    for name, side, count in (("before", before, have[0]), ("after", after, have[1])):
        if count >= need:
            continue
        missing = need - count
        if name == "after" and side.can_grow and unit == "days":
            plural = "s" if missing != 1 else ""
            parts.append(f"{missing} more day{plural} after it (check back then)")
        elif unit == "days":
            reason = f", cut short by {side.limit}" if side.limit else ""
            parts.append(f"only {count} day{'s' if count != 1 else ''} {name} it{reason}")
        else:
            parts.append(f"{missing} more {unit} {name} it")
    return f"needs at least {need} {unit} on each side: " + "; ".join(parts)


def verdict_of(difference: stats.Estimate | None, more_is_better: bool) -> str:
    """SPEC §4's verdict of a difference (after − before) with its interval; not enough data
    is decided before, from the sides' sizes."""
    if difference is None or difference.interval.contains_zero():
        return Verdict.NO_CLEAR_CHANGE
    up = difference.interval.low > 0
    return Verdict.BETTER if up == more_is_better else Verdict.WORSE


def _assess_daily(figure: DailyFigure, before: Side, after: Side) -> Assessment:
    old = [figure.value(day) for day in before.days]
    new = [figure.value(day) for day in after.days]
    d = figure.decimals
    shown_before = _plain(stats.mean(old), d) if old else "—"
    shown_after = _plain(stats.mean(new), d) if new else "—"
    sides_text = f"{len(old)} and {len(new)} days"
    if len(old) < MIN_DAYS or len(new) < MIN_DAYS:
        shortfall = _shortfall(before, after, need=MIN_DAYS, have=(len(old), len(new)), unit="days")
        return Assessment(
            figure, shown_before, shown_after, len(old), len(new), None, None,
            Verdict.NOT_ENOUGH_DATA,
            f"Not enough data to judge {figure.label} yet: {shortfall}.",
        )  # fmt: skip
    estimate = stats.welch(old, new)
    verdict = verdict_of(estimate, figure.more_is_better)
    difference = _signed(estimate.value, d)
    interval = f"{_signed(estimate.interval.low, d)} to {_signed(estimate.interval.high, d)}"
    numbers = (
        f"{shown_before} → {shown_after} ({difference}, 95 % interval {interval}), {sides_text}"
    )
    if verdict == Verdict.NO_CLEAR_CHANGE:
        sentence = f"No clear change in {figure.label}: {numbers}."
    else:
        more = estimate.value > 0
        word = "More" if more else "Fewer"
        quality = "better" if verdict == Verdict.BETTER else "worse"
        sentence = f"{word} {figure.label} after this change ({quality}): {numbers}."
    return Assessment(
        figure, shown_before, shown_after, len(old), len(new), difference, interval, verdict,
        sentence,
    )  # fmt: skip


def _assess_rate(figure: RateFigure, before: Side, after: Side) -> Assessment:
    hits_before = sum(figure.counts(day)[0] for day in before.days)
    trials_before = sum(figure.counts(day)[1] for day in before.days)
    hits_after = sum(figure.counts(day)[0] for day in after.days)
    trials_after = sum(figure.counts(day)[1] for day in after.days)
    shown_before = f"{100 * hits_before / trials_before:.0f} %" if trials_before else "—"
    shown_after = f"{100 * hits_after / trials_after:.0f} %" if trials_after else "—"
    n = f"{trials_before:,} and {trials_after:,} {figure.trials_name}"
    if before.length < MIN_DAYS or after.length < MIN_DAYS:
        shortfall = _shortfall(
            before, after, need=MIN_DAYS, have=(before.length, after.length), unit="days"
        )
        return Assessment(
            figure, shown_before, shown_after, trials_before, trials_after, None, None,
            Verdict.NOT_ENOUGH_DATA, f"Not enough data to judge {figure.label} yet: {shortfall}.",
        )  # fmt: skip
    if trials_before < MIN_COUNT or trials_after < MIN_COUNT:
        shortfall = _shortfall(
            before, after, need=MIN_COUNT, have=(trials_before, trials_after),
            unit=figure.trials_name,
        )  # fmt: skip
        return Assessment(
            figure, shown_before, shown_after, trials_before, trials_after, None, None,
            Verdict.NOT_ENOUGH_DATA,
            f"Not enough data to judge {figure.label} yet ({n}): {shortfall}.",
        )  # fmt: skip
    estimate = stats.newcombe(hits_before, trials_before, hits_after, trials_after)
    verdict = verdict_of(estimate, figure.more_is_better)
    difference = f"{_signed(100 * estimate.value, 0)} points"
    interval = (
        f"{_signed(100 * estimate.interval.low, 0)} to {_signed(100 * estimate.interval.high, 0)}"
    )
    numbers = (
        f"{shown_before} → {shown_after} {figure.share_name} "
        f"({difference}, 95 % interval {interval}), {n}"
    )
    if verdict == Verdict.BETTER:
        sentence = f"{figure.better_text} after this change: {numbers}."
    elif verdict == Verdict.WORSE:
        sentence = f"{figure.worse_text} after this change: {numbers}."
    else:
        sentence = f"No clear change in {figure.label}: {numbers}."
    return Assessment(
        figure, shown_before, shown_after, trials_before, trials_after, difference, interval,
        verdict, sentence,
    )  # fmt: skip


@dataclass(frozen=True)
class Impact:
    change: ConfigurationChange
    window: int
    before: Side
    after: Side
    assessments: list[Assessment]


def assess(
    change: ConfigurationChange,
    *,
    window: int,
    previous_change_day: date | None,
    next_change_day: date | None,
    days: dict[date, ImpactDay],
    first_activity: date | None,
    today: date,
) -> Impact:
    """The impact of one change from the days `read_days` returned (no query)."""
    (before_range, before_limit), (after_range, after_limit, can_grow) = sides(
        change_day=change.day,
        window=window,
        previous_change_day=previous_change_day,
        next_change_day=next_change_day,
        first_activity=first_activity,
        today=today,
    )
    before = Side(before_range, fill(before_range, days), before_limit, False)
    after = Side(after_range, fill(after_range, days), after_limit, can_grow)
    assessments = [
        _assess_daily(figure, before, after)
        if isinstance(figure, DailyFigure)
        else _assess_rate(figure, before, after)
        for figure in FIGURES
    ]
    return Impact(change, window, before, after, assessments)


def window_ranges(change_day: date, window: int) -> DateRange:
    """Every day either side of a change could take, before clipping."""
    return DateRange(change_day - timedelta(days=window), change_day + timedelta(days=window))


def impacts(
    assistant: Assistant,
    *,
    changes: list[ConfigurationChange],
    history: list[ConfigurationChange],
    window: int,
    today: date,
) -> list[Impact]:
    """The impact of each of `changes`, clipped by its neighbours in `history` (every
    configuration change of the assistant, oldest first). Two queries, however many changes."""
    change_days = sorted({change.day for change in history})
    days, first_activity = read_days(
        assistant, [window_ranges(change.day, window) for change in changes]
    )
    results = []
    for change in changes:
        earlier = [day for day in change_days if day < change.day]
        later = [day for day in change_days if day > change.day]
        same_day = [c for c in history if c.day == change.day and c.number != change.number]
        previous_day = earlier[-1] if earlier else None
        next_day = later[0] if later else None
        # Another change the same day leaves this one no day of its own on that side.
        if any(c.number < change.number for c in same_day):
            previous_day = change.day
        if any(c.number > change.number for c in same_day):
            next_day = change.day
        results.append(
            assess(
                change,
                window=window,
                previous_change_day=previous_day,
                next_change_day=next_day,
                days=days,
                first_activity=first_activity,
                today=today,
            )
        )
    return results
