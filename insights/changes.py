"""The Analytics tab's Changes section: every version live in the timeframe and its record.

A time-zone-only save is kept in the history but is not a configuration change (SPEC §3), so
its answers count with the configuration it left unchanged: such a version is folded into
the row of the version before it.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from assistants.models import Assistant, DailyAnswerStats
from assistants.timeframe import DateRange
from assistants.versions import is_configuration_change
from feedback.models import VersionFeedback
from insights import stats
from insights.cards import percent_of
from insights.forms import of_source
from insights.quality import (
    Histogram,
    format_latency,
    format_rate,
    format_usd,
    latency_histograms,
    merge_histograms,
)
from insights.selectors import ConfigurationChange, answer_sums


@dataclass(frozen=True)
class VersionRecord:
    """One configuration, from the version that made it until the next change."""

    version: ConfigurationChange
    folded: list[ConfigurationChange]  # time-zone-only versions that kept this configuration
    live_until: datetime | None  # the next change; None while it is the current one
    positive: int = 0
    negative: int = 0
    satisfaction: stats.Estimate | None = field(default=None)
    answers: int = 0
    failed_replies: int = 0
    cost_usd: Decimal = Decimal(0)  # of the answers that have a cost
    unpriced_answers: int = 0
    latency: Histogram = field(default_factory=list)  # of its timed answers

    @property
    def numbers(self) -> list[int]:
        return [self.version.number] + [v.number for v in self.folded]

    @property
    def ratings(self) -> int:
        return self.positive + self.negative

    @property
    def satisfaction_text(self) -> str:
        return f"{100 * self.satisfaction.value:.0f} %" if self.satisfaction else "—"

    @property
    def failure_rate_text(self) -> str:
        return format_rate(percent_of(self.failed_replies, self.answers + self.failed_replies))

    @property
    def median_latency_text(self) -> str:
        timed = sum(n for _, n in self.latency)
        if not timed:
            return "—"
        return format_latency(stats.order_statistic(self.latency, math.ceil(timed / 2)))

    @property
    def cost_per_answer_text(self) -> str:
        """Over the answers that have a cost; "—" when none has."""
        priced = self.answers - self.unpriced_answers
        return format_usd(self.cost_usd / priced) if priced else "—"

    @property
    def interval_text(self) -> str:
        if not self.satisfaction:
            return "—"
        low, high = self.satisfaction.interval.low, self.satisfaction.interval.high
        return f"{100 * low:.0f} – {100 * high:.0f} %"


def _configurations(versions: list[ConfigurationChange]) -> list[tuple[ConfigurationChange, list]]:
    rows: list[tuple[ConfigurationChange, list]] = []
    for version in versions:
        if rows and version.number > 1 and not is_configuration_change(version.changed_fields):
            rows[-1][1].append(version)
        else:
            rows.append((version, []))
    return rows


def version_records(
    assistant: Assistant, *, versions: list[ConfigurationChange], date_range: DateRange, source: str
) -> list[VersionRecord]:
    """The configurations live at some time in the range, newest first, with the current
    ratings of the answers they gave on the range's days (of `source`: all, app or api) and
    satisfaction's 95 % Wilson interval, and the answers' count, failed replies, latencies
    and cost. `versions` is `selectors.version_history`. Three queries."""
    rows = _configurations(versions)
    first, after = date_range.bounds(assistant.tzinfo)
    live = []
    for index, (version, folded) in enumerate(rows):
        until = rows[index + 1][0].changed_at if index + 1 < len(rows) else None
        # Version 1 is in force for anything earlier than its creation too.
        starts_in_time = version.number == 1 or version.changed_at < after
        if starts_in_time and (until is None or until >= first):
            live.append((version, folded, until))
    in_range = {"assistant": assistant, "day__gte": date_range.start, "day__lte": date_range.end}
    by_version = {
        number: (positive, negative)
        for number, positive, negative in of_source(
            VersionFeedback.objects.filter(**in_range), source
        )
        .values("version")
        .annotate(positive=Sum("positive"), negative=Sum("negative"))
        .values_list("version", "positive", "negative")
    }
    answers = {
        number: sums
        for number, *sums in answer_sums(
            of_source(DailyAnswerStats.objects.filter(**in_range), source), key="version"
        )
    }
    (latencies,) = latency_histograms(assistant, [date_range], source=source)
    records = []
    for version, folded, until in reversed(live):
        numbers = [version.number, *(f.number for f in folded)]
        positive = sum(by_version.get(n, (0, 0))[0] for n in numbers)
        negative = sum(by_version.get(n, (0, 0))[1] for n in numbers)
        answered, failed, cost, unpriced = (
            sum((answers.get(n, (0, 0, Decimal(0), 0))[i] for n in numbers), start=0)
            for i in range(4)
        )
        records.append(
            VersionRecord(
                version=version,
                folded=folded,
                live_until=until,
                positive=positive,
                negative=negative,
                satisfaction=stats.wilson(positive, positive + negative),
                answers=answered,
                failed_replies=failed,
                cost_usd=Decimal(cost),
                unpriced_answers=unpriced,
                latency=merge_histograms(latencies.get(n, []) for n in numbers),
            )
        )
    return records
