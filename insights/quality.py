"""The Analytics tab's Quality and cost section: failed replies, latency, tokens and cost,
per bucket of the timeframe, for the whole timeframe and its previous period, and per model.

Reads `DailyAnswerStats` and `DailyLatencyBucket` only (see `assistants.answer_stats`), so
its cost does not grow with the number of answers. Days are calendar days in the
assistant's reporting time zone; percentiles merge the days' latency histograms in SQL and
are within 4 % of the exact ones (nearest rank: the median of an even count is the lower of
the two middle latencies).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from assistants.answer_stats import bucket_value
from assistants.lib.sql import bulk_cursor
from assistants.models import Assistant
from assistants.timeframe import Bucket, DateRange
from insights.cards import Card, change_text, is_good, percent_change
from insights.forms import Source

QUANTILES = (0.5, 0.95)


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
        return 100 * self.failed_replies / self.attempts if self.attempts else None

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


@dataclass(frozen=True)
class Quality:
    buckets: list[QualityFigures]
    period: QualityFigures
    previous: QualityFigures
    models: list[ModelFigures]

    @property
    def has_activity(self) -> bool:
        return self.period.attempts > 0

    @property
    def unpriced_models(self) -> list[str]:
        """Models with answers of the timeframe that have no cost (no price, or no tokens)."""
        return [m.model for m in self.models if m.figures.unpriced_answers]


# One statement for the whole section. Each group (a bucket, the timeframe, the previous
# period) comes as its days, expanded in Python (generate_series' row estimates made the
# plan look costly enough to be compiled by JIT, 300 ms), and the rollups' rows of the whole
# span (an index range scan on their unique keys, which lead with (assistant_id, day)) are
# hash-joined to them by day. Each
# figure comes twice: per group (kind 'group', key its index) and per model over the
# timeframe (kind 'model').
_FIGURES = """
WITH groups AS (
    SELECT * FROM unnest(%(indexes)s::int[], %(days)s::date[]) AS g(idx, day)
),
stat_rows AS (
    SELECT g.idx, s.* FROM assistants_dailyanswerstats s
    JOIN groups g ON g.day = s.day
    WHERE s.assistant_id = %(assistant)s AND s.day BETWEEN %(first)s AND %(last)s
      AND (%(source)s = 'all' OR s.source = %(source)s)
),
stats AS (
    SELECT 'group' AS kind, idx::text AS key, sum(answers) AS answers,
           sum(failed_replies) AS failed, sum(input_tokens) AS input_tokens,
           sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost,
           sum(unpriced_answers) AS unpriced
    FROM stat_rows GROUP BY idx
    UNION ALL
    SELECT 'model', model, sum(answers), sum(failed_replies), sum(input_tokens),
           sum(output_tokens), sum(cost_usd), sum(unpriced_answers)
    FROM stat_rows WHERE idx = %(whole)s GROUP BY model
),
bucket_rows AS (
    SELECT g.idx, b.model, b.bucket, b.answers FROM assistants_dailylatencybucket b
    JOIN groups g ON g.day = b.day
    WHERE b.assistant_id = %(assistant)s AND b.day BETWEEN %(first)s AND %(last)s
      AND (%(source)s = 'all' OR b.source = %(source)s)
),
histogram AS (
    SELECT 'group' AS kind, idx::text AS key, bucket, sum(answers) AS answers
    FROM bucket_rows GROUP BY idx, bucket
    UNION ALL
    SELECT 'model', model, bucket, sum(answers)
    FROM bucket_rows WHERE idx = %(whole)s GROUP BY model, bucket
),
cumulative AS (
    SELECT kind, key, bucket,
           sum(answers) OVER (PARTITION BY kind, key ORDER BY bucket) AS below,
           sum(answers) OVER (PARTITION BY kind, key) AS total
    FROM histogram
),
-- Nearest rank: the first bucket whose running count reaches ceil(q × n).
percentiles AS (
    SELECT kind, key, min(bucket) FILTER (WHERE below >= ceil(total * 0.5)) AS p50,
           min(bucket) FILTER (WHERE below >= ceil(total * 0.95)) AS p95
    FROM cumulative GROUP BY kind, key
)
SELECT s.kind, s.key, s.answers, s.failed, s.input_tokens, s.output_tokens, s.cost,
       s.unpriced, p.p50, p.p95,
       -- A model's prices that started before the timeframe ended, oldest first.
       CASE WHEN s.kind = 'model' THEN (
           SELECT json_agg(json_build_array(mp.effective_from, mp.input_usd_per_million::text,
                                            mp.output_usd_per_million::text)
                           ORDER BY mp.effective_from)
           FROM assistants_modelprice mp
           WHERE mp.model = s.key AND mp.effective_from < %(after)s
       ) END AS prices
FROM stats s LEFT JOIN percentiles p ON p.kind = s.kind AND p.key = s.key
"""


def _figures(group: Bucket, row: tuple | None) -> QualityFigures:
    if row is None:
        return QualityFigures(start=group.start, end=group.end)
    answers, failed, input_tokens, output_tokens, cost, unpriced, p50, p95 = row
    return QualityFigures(
        start=group.start,
        end=group.end,
        answers=int(answers),
        failed_replies=int(failed),
        input_tokens=int(input_tokens),
        output_tokens=int(output_tokens),
        cost_usd=Decimal(cost),
        unpriced_answers=int(unpriced),
        latency_p50_ms=bucket_value(p50) if p50 is not None else None,
        latency_p95_ms=bucket_value(p95) if p95 is not None else None,
    )


def quality_figures(
    assistant: Assistant, date_range: DateRange, *, by: str, source: str = Source.ALL
) -> Quality:
    """Failed replies, latency p50/p95, tokens and cost per bucket of the range (`by`: day,
    week or month; empty buckets as zeros), for the whole range and its previous period, and
    per model for the range with the prices in force during it. `source`: all, app or api.
    One query, whatever the range and the data."""
    buckets = date_range.buckets(by)
    whole = Bucket(date_range.start, date_range.end)
    previous_range = date_range.previous()
    groups = [*buckets, whole, Bucket(previous_range.start, previous_range.end)]
    first, after = date_range.bounds(assistant.tzinfo)
    with bulk_cursor() as cursor:
        cursor.execute(
            _FIGURES,
            {
                "assistant": assistant.pk,
                "source": source,
                "indexes": [i for i, group in enumerate(groups) for _ in range(group.length)],
                "days": [
                    group.start + timedelta(days=offset)
                    for group in groups
                    for offset in range(group.length)
                ],
                "whole": len(buckets),
                "after": after,
                "first": min(group.start for group in groups),
                "last": max(group.end for group in groups),
            },
        )
        rows = cursor.fetchall()
    by_group = {int(row[1]): row[2:10] for row in rows if row[0] == "group"}
    figures = [_figures(group, by_group.get(index)) for index, group in enumerate(groups)]
    models = [
        ModelFigures(
            model=row[1],
            figures=_figures(whole, row[2:10]),
            prices=_prices_in_force(row[10] or [], first=first, tz=assistant.tzinfo),
        )
        for row in rows
        if row[0] == "model"
    ]
    models.sort(key=lambda m: (-m.figures.attempts, m.model))
    return Quality(
        buckets=figures[: len(buckets)],
        period=figures[len(buckets)],
        previous=figures[len(buckets) + 1],
        models=models,
    )


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
# (assistant_id, day); the ranges are few (two sides per change).
_HISTOGRAMS = """
SELECT r.idx, b.version, b.bucket, sum(b.answers)
FROM unnest(%(starts)s::date[], %(ends)s::date[]) WITH ORDINALITY AS r(first, last, idx)
JOIN assistants_dailylatencybucket b
  ON b.assistant_id = %(assistant)s AND b.day BETWEEN r.first AND r.last
WHERE %(source)s = 'all' OR b.source = %(source)s
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
