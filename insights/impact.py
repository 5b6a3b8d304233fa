"""The impact of a configuration change (SPEC §4): the days just before it against the days
just after it, with a 95 % interval and a verdict for each figure.

One implementation for the impact page and the Analytics tab's before/after table:

- `sides` (pure) cuts the window around a change day, clipped by the neighbouring changes,
  the first activity and today (today is not over, so it is on neither side, like the
  change's own day, which runs partly on each version);
- `read_days` reads the counters of every day the sides need, for any number of changes, in
  three queries, and `insights.quality.latency_histograms` each side's latencies in one;
- `assess` (pure) turns the two sides into one `Assessment` per figure, with the statistics
  of `insights.stats` and the rules of SPEC §4.

A figure is a `DailyFigure` (a mean over days, compared with Welch's interval), a
`RateFigure` (a proportion over counts summed on each side, compared with Newcombe's) or a
`MedianFigure` (the median latency of each side's answers, see `_assess_median`); adding one
is a line in `FIGURES` and the counters it needs in `ImpactDay`.

Every figure honours the source (all, app or api): satisfaction and the answers' figures
from counters keyed by source; usage through `usage_rows`, the one read of `DailyUsage`.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet, Subquery, Sum

from assistants.models import Assistant, DailyAnswerStats, DailyUsage
from assistants.timeframe import DateRange, today_in
from feedback.models import VersionFeedback
from insights import stats
from insights.forms import Source, of_source
from insights.quality import Histogram, format_latency, latency_histograms, merge_histograms
from insights.selectors import (
    ConfigurationChange,
    answer_sums,
    configuration_history,
    usage_sums,
)

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
    answers: int = 0
    failed_replies: int = 0
    cost_usd: Decimal = Decimal(0)  # of the answers that have a cost
    unpriced_answers: int = 0  # answers without one (no price for their model)


@dataclass(frozen=True)
class Side:
    """The days on one side of a change; `range` is None when there is none. `limit` says
    what cut the side short of the window (None when it is whole), and `can_grow` whether
    waiting adds days to it."""

    range: DateRange | None
    days: list[ImpactDay] = field(default_factory=list)
    limit: str | None = None
    can_grow: bool = False
    latency: Histogram = field(default_factory=list)  # of the answers of its days

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


def usage_rows(assistant: Assistant, *, start: date, end: date, source: str) -> QuerySet:
    """(day, active users, conversations, user messages, assistant messages) of the busy
    days of `source` from `start` to `end` and, in the same query, of its first active day.

    The one read of the usage rollup for the impact of a change: `DailyUsage` has a row per
    day and source, added up by `usage_sums`."""
    rows = of_source(DailyUsage.objects.filter(assistant=assistant), source)
    first_day = rows.order_by("day").values("day")[:1]
    return usage_sums(rows.filter(Q(day__gte=start, day__lte=end) | Q(day=Subquery(first_day))))


def read_days(
    assistant: Assistant, ranges: Iterable[DateRange], *, source: str = Source.ALL
) -> tuple[dict[date, ImpactDay], date | None]:
    """({day: ImpactDay} for the busy days from the first range's start to the last range's
    end, first activity day or None), of `source` (all, app or api). Days are calendar days
    of the reporting zone; a day without counters is absent (it counts as 0). Three queries
    whatever the number of ranges; none without one."""
    ranges = list(ranges)
    if not ranges:
        return {}, None
    start = min(r.start for r in ranges)
    end = max(r.end for r in ranges)
    days: dict[date, ImpactDay] = {}
    first_activity = None
    for day, active, conversations, user_messages, assistant_messages in usage_rows(
        assistant, start=start, end=end, source=source
    ):
        first_activity = day if first_activity is None else min(first_activity, day)
        if start <= day <= end:
            days[day] = ImpactDay(day, active, conversations, user_messages + assistant_messages)
    in_range = {"assistant": assistant, "day__gte": start, "day__lte": end}
    feedback = (
        of_source(VersionFeedback.objects.filter(**in_range), source)
        .values("day")
        .annotate(positive=Sum("positive"), negative=Sum("negative"))
        .values_list("day", "positive", "negative")
    )
    for day, positive, negative in feedback:
        days[day] = replace(days.get(day, ImpactDay(day)), positive=positive, negative=negative)
    answers = answer_sums(of_source(DailyAnswerStats.objects.filter(**in_range), source), key="day")
    for day, answered, failed, cost, unpriced in answers:
        days[day] = replace(
            days.get(day, ImpactDay(day)),
            answers=answered,
            failed_replies=failed,
            cost_usd=cost,
            unpriced_answers=unpriced,
        )
    return days, first_activity


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
    unit: str = ""  # "$": shown as money
    # What of a day the figure cannot count (answers without a price), and what it is called:
    # with any on a side, the sides are not comparable.
    missing: Callable[[ImpactDay], int] | None = None
    missing_text: str = ""


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
    decimals: int = 0


@dataclass(frozen=True)
class MedianFigure:
    """The median latency of each side's answers, from its merged latency histogram."""

    key: str
    label: str
    more_is_better: bool
    trials_name: str
    better_text: str
    worse_text: str


Figure = DailyFigure | RateFigure | MedianFigure

FIGURES: list[Figure] = [
    DailyFigure("active_users", "active users a day", lambda d: d.active_users, True),
    DailyFigure("conversations", "conversations a day", lambda d: d.conversations, True),
    DailyFigure("messages", "messages a day", lambda d: d.messages, True),
    RateFigure(
        "failure_rate",
        "failure rate",
        lambda d: (d.failed_replies, d.answers + d.failed_replies),
        False,
        "replies",
        "failed",
        "Fewer replies failed",
        "More replies failed",
        decimals=1,
    ),
    MedianFigure(
        "latency",
        "median latency",
        False,
        "timed answers",
        "Answers came faster",
        "Answers came slower",
    ),
    DailyFigure(
        "cost",
        "cost a day",
        lambda d: float(d.cost_usd),
        False,
        unit="$",
        missing=lambda d: d.unpriced_answers,
        missing_text="answers without a price",
    ),
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
    figure: Figure
    before: str  # each side's value as shown ("12.3", "58 %"), "—" without data
    after: str
    before_n: int  # days (daily figures), trials (rates) or timed answers behind each side
    after_n: int
    difference: str | None  # "+2.8", "+22 points", "−120 ms"
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


def _interval(low: str, high: str) -> str:
    """An interval from its signed ends; an end of zero has no sign ("−0.2 to 0"), unlike a
    difference of zero ("±0", no change either way)."""
    return f"{low.removeprefix('±')} to {high.removeprefix('±')}"


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


def _number(figure: DailyFigure, value: float, decimals: int, *, signed: bool = False) -> str:
    text = _signed(value, decimals) if signed else _plain(value, decimals)
    if figure.unit != "$":
        return text
    return f"{text[0]}${text[1:]}" if text[0] in "+−±" else f"${text}"


def _not_enough(figure: Figure, before: str, after: str, n: tuple[int, int], why: str):
    return Assessment(
        figure, before, after, *n, None, None, Verdict.NOT_ENOUGH_DATA,
        f"Not enough data to judge {figure.label} yet{why}.",
    )  # fmt: skip


def _assess_daily(figure: DailyFigure, before: Side, after: Side) -> Assessment:
    old = [figure.value(day) for day in before.days]
    new = [figure.value(day) for day in after.days]
    d = figure.decimals
    if figure.unit == "$":
        # Answers cost fractions of a cent: four decimals under a dollar a day.
        d = 2 if max(map(abs, old + new), default=0) >= 1 else 4
    shown_before = _number(figure, stats.mean(old), d) if old else "—"
    shown_after = _number(figure, stats.mean(new), d) if new else "—"
    sides_text = f"{len(old)} and {len(new)} days"
    if len(old) < MIN_DAYS or len(new) < MIN_DAYS:
        shortfall = _shortfall(before, after, need=MIN_DAYS, have=(len(old), len(new)), unit="days")
        return _not_enough(
            figure, shown_before, shown_after, (len(old), len(new)), f": {shortfall}"
        )
    if figure.missing is not None:
        missing = [sum(map(figure.missing, side.days)) for side in (before, after)]
        if any(missing):
            return _not_enough(
                figure, shown_before, shown_after, (len(old), len(new)),
                f": {missing[0]:,} and {missing[1]:,} {figure.missing_text} before and after "
                "it, whose models need a price (Django admin, then rebuild_insights)",
            )  # fmt: skip
    estimate = stats.welch(old, new)
    verdict = verdict_of(estimate, figure.more_is_better)
    difference = _number(figure, estimate.value, d, signed=True)
    interval = _interval(
        _number(figure, estimate.interval.low, d, signed=True),
        _number(figure, estimate.interval.high, d, signed=True),
    )
    numbers = (
        f"{shown_before} → {shown_after} ({difference}, 95 % interval {interval}), {sides_text}"
    )
    if verdict == Verdict.NO_CLEAR_CHANGE:
        sentence = f"No clear change in {figure.label}: {numbers}."
    else:
        more = estimate.value > 0
        if figure.unit == "$":
            word = "Higher" if more else "Lower"
        else:
            word = "More" if more else "Fewer"
        quality = "better" if verdict == Verdict.BETTER else "worse"
        sentence = f"{word} {figure.label} after this change ({quality}): {numbers}."
    return Assessment(
        figure, shown_before, shown_after, len(old), len(new), difference, interval, verdict,
        sentence,
    )  # fmt: skip


def _too_little(
    figure: Figure, before: Side, after: Side, shown: tuple[str, str], counts: tuple[int, int]
) -> Assessment | None:
    """Not enough data for a rate or a median: fewer than 7 days or 30 counted on a side."""
    if before.length < MIN_DAYS or after.length < MIN_DAYS:
        shortfall = _shortfall(
            before, after, need=MIN_DAYS, have=(before.length, after.length), unit="days"
        )
        return _not_enough(figure, *shown, counts, f": {shortfall}")
    if counts[0] < MIN_COUNT or counts[1] < MIN_COUNT:
        shortfall = _shortfall(before, after, need=MIN_COUNT, have=counts, unit=figure.trials_name)
        n = f"{counts[0]:,} and {counts[1]:,} {figure.trials_name}"
        return _not_enough(figure, *shown, counts, f" ({n}): {shortfall}")
    return None


def _sentence(figure: RateFigure | MedianFigure, verdict: str, numbers: str) -> str:
    if verdict == Verdict.BETTER:
        return f"{figure.better_text} after this change: {numbers}."
    if verdict == Verdict.WORSE:
        return f"{figure.worse_text} after this change: {numbers}."
    return f"No clear change in {figure.label}: {numbers}."


def _assess_rate(figure: RateFigure, before: Side, after: Side) -> Assessment:
    hits_before = sum(figure.counts(day)[0] for day in before.days)
    trials_before = sum(figure.counts(day)[1] for day in before.days)
    hits_after = sum(figure.counts(day)[0] for day in after.days)
    trials_after = sum(figure.counts(day)[1] for day in after.days)
    d = figure.decimals
    shown_before = f"{100 * hits_before / trials_before:.{d}f} %" if trials_before else "—"
    shown_after = f"{100 * hits_after / trials_after:.{d}f} %" if trials_after else "—"
    counts = (trials_before, trials_after)
    too_little = _too_little(figure, before, after, (shown_before, shown_after), counts)
    if too_little:
        return too_little
    estimate = stats.newcombe(hits_before, trials_before, hits_after, trials_after)
    verdict = verdict_of(estimate, figure.more_is_better)
    difference = f"{_signed(100 * estimate.value, d)} points"
    interval = _interval(
        _signed(100 * estimate.interval.low, d), _signed(100 * estimate.interval.high, d)
    )
    numbers = (
        f"{shown_before} → {shown_after} {figure.share_name} "
        f"({difference}, 95 % interval {interval}), "
        f"{trials_before:,} and {trials_after:,} {figure.trials_name}"
    )
    return Assessment(
        figure, shown_before, shown_after, trials_before, trials_after, difference, interval,
        verdict, _sentence(figure, verdict, numbers),
    )  # fmt: skip


def _signed_latency(value_ms: float, *, seconds: bool) -> str:
    return f"{_signed(value_ms / 1000, 2)} s" if seconds else f"{_signed(value_ms, 0)} ms"


def _assess_median(figure: MedianFigure, before: Side, after: Side) -> Assessment:
    """Each side's median latency, and the difference with the interval recovered (MOVER)
    from each median's distribution-free interval (`stats.median`). The histogram's buckets
    put every value within 4 % of the true one, so are the medians and the interval's ends;
    answers are counted as independent, as the rates count replies and ratings."""
    counts = tuple(sum(n for _, n in side.latency) for side in (before, after))
    shown_before, shown_after = (
        format_latency(stats.order_statistic(side.latency, math.ceil(n / 2))) if n else "—"
        for side, n in ((before, counts[0]), (after, counts[1]))
    )
    too_little = _too_little(figure, before, after, (shown_before, shown_after), counts)
    if too_little:
        return too_little
    estimate = stats.mover(stats.median(after.latency), stats.median(before.latency))
    verdict = verdict_of(estimate, figure.more_is_better)
    seconds = max(abs(estimate.interval.low), abs(estimate.interval.high)) >= 1000
    difference = _signed_latency(estimate.value, seconds=seconds)
    interval = _interval(
        _signed_latency(estimate.interval.low, seconds=seconds),
        _signed_latency(estimate.interval.high, seconds=seconds),
    )
    numbers = (
        f"{shown_before} → {shown_after} ({difference}, 95 % interval {interval}), "
        f"{counts[0]:,} and {counts[1]:,} {figure.trials_name}"
    )
    return Assessment(
        figure, shown_before, shown_after, *counts, difference, interval, verdict,
        _sentence(figure, verdict, numbers),
    )  # fmt: skip


_ASSESSORS = {DailyFigure: _assess_daily, RateFigure: _assess_rate, MedianFigure: _assess_median}


@dataclass(frozen=True)
class Impact:
    change: ConfigurationChange
    window: int
    before: Side
    after: Side
    assessments: list[Assessment]


@dataclass(frozen=True, kw_only=True)
class Surroundings:
    """What may cut a change's sides short of the window (see `sides`): the days of the
    neighbouring changes, the first activity and today."""

    first_activity: date | None
    today: date
    previous_change_day: date | None = None
    next_change_day: date | None = None


def cut_sides(
    change: ConfigurationChange,
    *,
    window: int,
    days: dict[date, ImpactDay],
    around: Surroundings,
) -> tuple[Side, Side]:
    """The two sides of one change, with their days from `read_days` (no query)."""
    (before_range, before_limit), (after_range, after_limit, can_grow) = sides(
        change_day=change.day,
        window=window,
        previous_change_day=around.previous_change_day,
        next_change_day=around.next_change_day,
        first_activity=around.first_activity,
        today=around.today,
    )
    before = Side(before_range, fill(before_range, days), before_limit, False)
    after = Side(after_range, fill(after_range, days), after_limit, can_grow)
    return before, after


def assess_sides(change: ConfigurationChange, window: int, before: Side, after: Side) -> Impact:
    """Every figure of `FIGURES` over the two sides (no query)."""
    assessments = [_ASSESSORS[type(figure)](figure, before, after) for figure in FIGURES]
    return Impact(change, window, before, after, assessments)


def assess(
    change: ConfigurationChange,
    *,
    window: int,
    days: dict[date, ImpactDay],
    around: Surroundings,
    latencies: dict[DateRange, Histogram] | None = None,
) -> Impact:
    """The impact of one change from the days `read_days` returned and the sides' latency
    histograms, by range (no query)."""
    before, after = cut_sides(change, window=window, days=days, around=around)
    latencies = latencies or {}
    before = replace(before, latency=latencies.get(before.range, []))
    after = replace(after, latency=latencies.get(after.range, []))
    return assess_sides(change, window, before, after)


def window_ranges(change_day: date, window: int) -> DateRange:
    """Every day either side of a change could take, before clipping."""
    return DateRange(change_day - timedelta(days=window), change_day + timedelta(days=window))


def _neighbours(
    change: ConfigurationChange, history: list[ConfigurationChange]
) -> tuple[date | None, date | None]:
    """The days of the changes before and after this one that clip its sides."""
    change_days = sorted({c.day for c in history})
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
    return previous_day, next_day


def impacts(
    assistant: Assistant,
    *,
    changes: list[ConfigurationChange],
    history: list[ConfigurationChange],
    window: int,
    today: date,
    source: str = Source.ALL,
) -> list[Impact]:
    """The impact of each of `changes`, clipped by its neighbours in `history` (every
    configuration change of the assistant, oldest first), over `source` (all, app or api).
    Four queries, however many changes: the days (`read_days`) and the sides' latencies."""
    days, first_activity = read_days(
        assistant, [window_ranges(change.day, window) for change in changes], source=source
    )
    cut = []
    for change in changes:
        previous_day, next_day = _neighbours(change, history)
        around = Surroundings(
            first_activity=first_activity,
            today=today,
            previous_change_day=previous_day,
            next_change_day=next_day,
        )
        cut.append(cut_sides(change, window=window, days=days, around=around))
    ranges = [side.range for pair in cut for side in pair if side.range]
    histograms = latency_histograms(assistant, ranges, source=source)
    latencies = {
        r: merge_histograms(by_version.values())
        for r, by_version in zip(ranges, histograms, strict=True)
    }
    return [
        assess_sides(
            change,
            window,
            replace(before, latency=latencies.get(before.range, [])),
            replace(after, latency=latencies.get(after.range, [])),
        )
        for change, (before, after) in zip(changes, cut, strict=True)
    ]


def impact_of(
    assistant: Assistant, number: int, *, window: int, source: str = Source.ALL
) -> Impact | None:
    """The impact of the change that made version `number`, as of today in the assistant's
    reporting time zone, clipped by its neighbouring changes; None when that version changed
    nothing Usage Insights compares. Five queries: the history, then `impacts`."""
    history = configuration_history(assistant)
    change = next((c for c in history if c.number == number), None)
    if change is None:
        return None
    (impact,) = impacts(
        assistant,
        changes=[change],
        history=history,
        window=window,
        today=today_in(assistant.tzinfo),
        source=source,
    )
    return impact
