"""The Analytics tab's Quality and cost section: failed replies, latency, tokens and cost,
per bucket of the timeframe, for the whole timeframe and its previous period, and per model.

Reads `DailyAnswerStats` only (see `assistants.answer_stats`), so its cost does not grow
with the number of answers. Days are calendar days in the assistant's reporting time zone;
percentiles merge the days' latency histograms (`Tally`, `LatencyHistogram`) and are within
4 % of the exact ones (nearest rank: the median of an even count is the lower of
the two middle latencies).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from assistants.answer_stats import LatencyHistogram, bucket_value
from assistants.lib.sql import bulk_cursor
from assistants.models import Assistant
from assistants.timeframe import DateRange
from insights.cards import Card, change_text, is_good, percent_change, percent_of
from insights.forms import Source


@dataclass(frozen=True)
class QualityFigures:
    """The answers of some days: a bucket of the timeframe, the timeframe or another period."""

    start: date
    end: date
    answers: int = 0
    failed_replies: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    unpriced_answers: int = 0
    latency_p50_ms: float | None = None  # None when no answer of these days has a latency
    latency_p95_ms: float | None = None

    @property
    def attempts(self) -> int:
        return self.answers + self.failed_replies

    @property
    def failure_rate(self) -> float | None:
        """Failed ÷ (answers + failed), in percent; None without an attempt."""
        return percent_of(self.failed_replies, self.attempts)

    @property
    def priced_answers(self) -> int:
        return self.answers - self.unpriced_answers

    @property
    def cost_per_answer(self) -> Decimal | None:
        """The cost of the answers that have one, per such answer."""
        return self.cost_usd / self.priced_answers if self.priced_answers else None


@dataclass(frozen=True)
class PriceUsed:
    effective_from: datetime
    input_usd_per_million: Decimal
    output_usd_per_million: Decimal


@dataclass(frozen=True)
class ModelFigures:
    model: str  # "" when the answers did not say
    figures: QualityFigures
    # The prices in force for this model during the timeframe, oldest first.
    prices: list[PriceUsed] = field(default_factory=list)
    # Current ratings of this model's answers of the timeframe (by the answer's day).
    positive: int = 0
    negative: int = 0

    @property
    def ratings(self) -> int:
        return self.positive + self.negative

    @property
    def satisfaction(self) -> float | None:
        """Positive ÷ rated, in percent; None without a rating."""
        return percent_of(self.positive, self.ratings)


@dataclass(frozen=True)
class Quality:
    buckets: list[QualityFigures]
    period: QualityFigures
    previous: QualityFigures
    models: list[ModelFigures]
    # Per configuration version, its answers of the timeframe (`insights.changes` adds up
    # the versions of one configuration) and their current ratings (positive, negative).
    by_version: dict[int, "Tally"] = field(default_factory=dict)
    version_ratings: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def has_activity(self) -> bool:
        return self.period.attempts > 0

    @property
    def unpriced_models(self) -> list[str]:
        """Models with answers of the timeframe that have no cost (no price, or no tokens)."""
        return [m.model for m in self.models if m.figures.unpriced_answers]


class Tally:
    """The figures of some days being added up: sums of `DailyAnswerStats` columns (answers,
    failed replies, input and output tokens, cost, unpriced answers) and the merged latency
    histogram of their rows. Pure Python, no query; `insights.impact` and `insights.changes`
    may add their days' rows with it too."""

    __slots__ = (
        "answers",
        "failed",
        "input_tokens",
        "output_tokens",
        "cost",
        "unpriced",
        "latency",
    )

    def __init__(self) -> None:
        self.answers = self.failed = self.input_tokens = self.output_tokens = self.unpriced = 0
        self.cost = Decimal(0)
        self.latency = LatencyHistogram()

    def add(self, answers, failed, input_tokens, output_tokens, cost, unpriced) -> None:
        """Add sums of those columns (an SQL sum is numeric, hence the conversions)."""
        self.answers += int(answers)
        self.failed += int(failed)
        self.input_tokens += int(input_tokens)
        self.output_tokens += int(output_tokens)
        self.cost += Decimal(cost)
        self.unpriced += int(unpriced)

    def merge(self, other: "Tally") -> None:
        self.add(
            other.answers,
            other.failed,
            other.input_tokens,
            other.output_tokens,
            other.cost,
            other.unpriced,
        )
        self.latency.merge(other.latency)

    def figures(self, start: date, end: date) -> QualityFigures:
        return QualityFigures(
            start=start,
            end=end,
            answers=self.answers,
            failed_replies=self.failed,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost,
            unpriced_answers=self.unpriced,
            latency_p50_ms=self.latency.percentile(0.5),
            latency_p95_ms=self.latency.percentile(0.95),
        )


# One statement for the whole section. The rollup rows of the timeframe and its previous
# period (an index range scan on the unique key, which leads with (assistant_id, day)), each
# in its group by `width_bucket` over the groups' first days (1: the previous period, 2…:
# the timeframe's buckets); then these kinds of rows:
# - 'group', 'model' and 'version': the figures of each group, and of each model and each
#   configuration version over the timeframe;
# - 'latency': each row's histogram, added up in Python (`LatencyHistogram`): a year is a
#   few hundred short arrays, which add up there faster than PostgreSQL unnests and
#   regroups them;
# - 'prices': per priced model, its prices that started before the timeframe ended;
# - 'ratings' and 'version ratings': per model and per version, the current ratings of its
#   answers of the timeframe (`feedback.VersionFeedback`, keyed by the rated answer's day,
#   version and model).
_ROWS = """
WITH stats AS (
    SELECT width_bucket(day, %(starts)s::date[]) AS grp, version, model, answers,
           failed_replies, input_tokens, output_tokens, cost_usd, unpriced_answers,
           latency_first_bucket, latency_counts
    FROM assistants_dailyanswerstats
    WHERE assistant_id = %(assistant)s AND day BETWEEN %(first)s AND %(last)s
      AND (%(source)s = 'all' OR source = %(source)s)
),
ratings AS (
    SELECT version, model, positive, negative
    FROM feedback_versionfeedback
    WHERE assistant_id = %(assistant)s AND day BETWEEN %(start)s AND %(last)s
      AND (%(source)s = 'all' OR source = %(source)s)
)
SELECT 'group' AS kind, grp, NULL::int AS version, NULL AS model, sum(answers),
       sum(failed_replies), sum(input_tokens), sum(output_tokens), sum(cost_usd),
       sum(unpriced_answers), NULL::smallint AS first_bucket, NULL::int[] AS counts,
       NULL::json AS prices
FROM stats GROUP BY grp
UNION ALL
SELECT 'model', NULL, NULL, model, sum(answers), sum(failed_replies), sum(input_tokens),
       sum(output_tokens), sum(cost_usd), sum(unpriced_answers), NULL, NULL, NULL
FROM stats WHERE grp > 1 GROUP BY model
UNION ALL
SELECT 'version', NULL, version, NULL, sum(answers), sum(failed_replies), sum(input_tokens),
       sum(output_tokens), sum(cost_usd), sum(unpriced_answers), NULL, NULL, NULL
FROM stats WHERE grp > 1 GROUP BY version
UNION ALL
SELECT 'latency', grp, version, model, 0, 0, 0, 0, 0, 0, latency_first_bucket, latency_counts,
       NULL
FROM stats WHERE latency_counts IS NOT NULL
UNION ALL
SELECT 'prices', NULL, NULL, model, 0, 0, 0, 0, 0, 0, NULL, NULL,
       json_agg(json_build_array(effective_from, input_usd_per_million::text,
                                 output_usd_per_million::text) ORDER BY effective_from)
FROM assistants_modelprice
WHERE effective_from < %(after)s
GROUP BY model
UNION ALL
-- Positive and negative ratings in the places of answers and failed replies.
SELECT 'ratings', NULL, NULL, model, sum(positive), sum(negative), 0, 0, 0, 0, NULL, NULL, NULL
FROM ratings GROUP BY model
UNION ALL
SELECT 'version ratings', NULL, version, NULL, sum(positive), sum(negative), 0, 0, 0, 0, NULL,
       NULL, NULL
FROM ratings GROUP BY version
"""


def quality_figures(
    assistant: Assistant, date_range: DateRange, *, by: str, source: str = Source.ALL
) -> Quality:
    """Failed replies, latency p50/p95, tokens and cost per bucket of the range (`by`: day,
    week or month; empty buckets as zeros), for the whole range and its previous period, and
    per model for the range with the prices in force during it and the ratings of its
    answers; and per configuration version, its answers of the range and their ratings (for
    `insights.changes`). `source`: all, app or api. One query, whatever the range and the
    data."""
    buckets = date_range.buckets(by)
    previous_range = date_range.previous()
    first, after = date_range.bounds(assistant.tzinfo)
    with bulk_cursor() as cursor:
        cursor.execute(
            _ROWS,
            {
                "assistant": assistant.pk,
                "source": source,
                "starts": [previous_range.start, *(bucket.start for bucket in buckets)],
                "first": previous_range.start,
                "start": date_range.start,
                "last": date_range.end,
                "after": after,
            },
        )
        rows = cursor.fetchall()
    # Group 1 is the previous period, 2… the buckets.
    groups = [Tally() for _ in range(len(buckets) + 2)]
    by_model: dict[str, Tally] = {}
    by_version: dict[int, Tally] = {}
    prices: dict[str, list] = {}
    ratings: dict[str, tuple[int, int]] = {}
    version_ratings: dict[int, tuple[int, int]] = {}
    for kind, group, version, model, *figures, first_bucket, counts, model_prices in rows:
        if kind == "latency":
            groups[group].latency.add(first_bucket, counts)
            if group > 1:
                _tally_of(by_model, model).latency.add(first_bucket, counts)
                _tally_of(by_version, version).latency.add(first_bucket, counts)
        elif kind == "group":
            groups[group].add(*figures)
        elif kind == "model":
            _tally_of(by_model, model).add(*figures)
        elif kind == "version":
            _tally_of(by_version, version).add(*figures)
        elif kind == "prices":
            prices[model] = model_prices
        elif kind == "ratings":
            ratings[model] = (int(figures[0]), int(figures[1]))
        else:
            version_ratings[version] = (int(figures[0]), int(figures[1]))
    whole = Tally()
    for tally in groups[2:]:
        whole.merge(tally)
    models = [
        ModelFigures(
            model=model,
            figures=tally.figures(date_range.start, date_range.end),
            prices=_prices_in_force(prices.get(model) or [], first=first, tz=assistant.tzinfo),
            positive=ratings.get(model, (0, 0))[0],
            negative=ratings.get(model, (0, 0))[1],
        )
        for model, tally in by_model.items()
    ]
    models.sort(key=lambda m: (-m.figures.attempts, m.model))
    return Quality(
        buckets=[
            tally.figures(bucket.start, bucket.end)
            for tally, bucket in zip(groups[2:], buckets, strict=True)
        ],
        period=whole.figures(date_range.start, date_range.end),
        previous=groups[1].figures(previous_range.start, previous_range.end),
        models=models,
        by_version=by_version,
        version_ratings=version_ratings,
    )


def _tally_of(tallies: dict, key) -> Tally:
    """The tally of `key`, made at its first row (not at every row, as `setdefault` would)."""
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = Tally()
    return tally


def _prices_in_force(prices: list, *, first: datetime, tz) -> list[PriceUsed]:
    """Of a model's prices that started before the range ended (oldest first), the last one
    that started at or before its first instant, and those that started within it."""
    used: list[PriceUsed] = []
    for effective_from, input_price, output_price in prices:
        price = PriceUsed(
            effective_from=datetime.fromisoformat(effective_from).astimezone(tz),
            input_usd_per_million=Decimal(input_price),
            output_usd_per_million=Decimal(output_price),
        )
        if used and used[-1].effective_from <= first and price.effective_from <= first:
            used.pop()  # superseded before the range started
        used.append(price)
    return used


# --- What the page and the CSV show --------------------------------------------------------


def format_usd(value: Decimal | None) -> str:
    """$1,234.56, or four decimals under a dollar ($0.0123): answers cost fractions of cents."""
    if value is None:
        return "—"
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:,.4f}"


def format_price(usd_per_million: Decimal) -> str:
    """A price per million tokens as its table gives it, with at least two decimals: $2.50,
    $10.00, $0.075."""
    whole, _, decimals = f"{usd_per_million:,.6f}".rstrip("0").partition(".")
    return f"${whole}.{decimals.ljust(2, '0')}"


def format_latency(latency_ms: float | None) -> str:
    if latency_ms is None:
        return "—"
    return f"{latency_ms:,.0f} ms" if latency_ms < 1000 else f"{latency_ms / 1000:,.2f} s"


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f} %"


def quality_cards(quality: Quality, *, period_days: int) -> list[Card]:
    """Failure rate (change in percentage points), median latency and cost (changes in
    percent), each against the previous period; less is better for all three."""
    now, before = quality.period, quality.previous
    rate_delta = (
        round(now.failure_rate - before.failure_rate, 1)
        if now.failure_rate is not None and before.failure_rate is not None
        else None
    )
    latency_delta = percent_change(now.latency_p50_ms, before.latency_p50_ms)
    priced = now.answers > now.unpriced_answers
    cost_delta = percent_change(now.cost_usd, before.cost_usd) if priced else None
    failed = now.failed_replies
    return [
        Card(
            key="failure-rate",
            label="Failure rate",
            value=format_rate(now.failure_rate),
            change=change_text(rate_delta, unit="points", period_days=period_days),
            good=is_good(rate_delta, more_is_better=False),
            note=f"{failed:,} failed repl{'y' if failed == 1 else 'ies'}",
        ),
        Card(
            key="median-latency",
            label="Median latency",
            value=format_latency(now.latency_p50_ms),
            change=change_text(latency_delta, unit="%", period_days=period_days),
            good=is_good(latency_delta, more_is_better=False),
            note=f"95th percentile {format_latency(now.latency_p95_ms)}"
            if now.latency_p95_ms is not None
            else "",
        ),
        Card(
            key="cost",
            label="Cost",
            value=format_usd(now.cost_usd) if priced or not now.answers else "—",
            change=change_text(cost_delta, unit="%", period_days=period_days),
            good=is_good(cost_delta, more_is_better=False),
            note=_unpriced_note(now.unpriced_answers),
        ),
    ]


def _unpriced_note(unpriced: int) -> str:
    if not unpriced:
        return ""
    return f"{unpriced:,} answer{'' if unpriced == 1 else 's'} without a price"


CSV_HEADER = (
    "failed_replies",
    "latency_p50_ms",
    "latency_p95_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
)


def csv_cells(bucket: QualityFigures | None) -> tuple:
    """The analytics CSV's quality columns (`CSV_HEADER`) of one bucket. An empty figure is
    an empty cell: latencies when no answer has one, cost when every answer lacks a price."""
    if bucket is None:
        return ("",) * len(CSV_HEADER)
    cost_known = not bucket.answers or bucket.priced_answers
    return (
        bucket.failed_replies,
        round(bucket.latency_p50_ms) if bucket.latency_p50_ms is not None else "",
        round(bucket.latency_p95_ms) if bucket.latency_p95_ms is not None else "",
        bucket.input_tokens,
        bucket.output_tokens,
        f"{bucket.cost_usd.quantize(Decimal('0.000001'))}" if cost_known else "",
    )


# --- Latency histograms of whole ranges, for the impact of a change and each version ---

# Each range's days are an index range scan of the rollup's unique key, which leads with
# (assistant_id, day); the ranges are few (two sides per change). Each row's histogram array
# is unnested into (bucket, answers) and added up per range and version.
_HISTOGRAMS = """
SELECT r.idx, s.version, s.latency_first_bucket + u.offset_ - 1, sum(u.answers)
FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS r(first, last, idx)
JOIN assistants_dailyanswerstats s
  ON s.assistant_id = %(assistant)s AND s.day BETWEEN r.first AND r.last
CROSS JOIN LATERAL unnest(s.latency_counts) WITH ORDINALITY AS u(answers, offset_)
WHERE (%(source)s = 'all' OR s.source = %(source)s) AND u.answers > 0
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
"""

Histogram = list[tuple[float, int]]  # (latency ms, answers), by increasing latency


def latency_histograms(
    assistant: Assistant, ranges: Sequence[DateRange], *, source: str = Source.ALL
) -> list[dict[int, Histogram]]:
    """For each range, {configuration version: the latency histogram of its answers on the
    range's days}, each bucket as the latency it reports (within 4 %, see
    `assistants.answer_stats`). Versions without a timed answer are absent. `source`: all,
    app or api. One query, however many ranges (even none: a page's count stays the same
    before its first answer)."""
    result: list[dict[int, Histogram]] = [{} for _ in ranges]
    with bulk_cursor() as cursor:
        cursor.execute(
            _HISTOGRAMS,
            {
                "assistant": assistant.pk,
                "source": source,
                "starts": [r.start for r in ranges],
                "ends": [r.end for r in ranges],
            },
        )
        for index, version, bucket, answers in cursor.fetchall():
            result[index - 1].setdefault(version, []).append((bucket_value(bucket), int(answers)))
    return result


def merge_histograms(histograms: Iterable[Histogram]) -> Histogram:
    """One histogram of the values of all of them."""
    counts: dict[float, int] = {}
    for histogram in histograms:
        for value, answers in histogram:
            counts[value] = counts.get(value, 0) + answers
    return sorted(counts.items())
