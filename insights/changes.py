"""The Analytics tab's Changes section: every version live in the timeframe and its record.

A time-zone-only save is kept in the history but is not a configuration change (SPEC §3), so
its answers count with the configuration it left unchanged: such a version is folded into
the row of the version before it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from assistants.models import Assistant
from assistants.timeframe import By, DateRange
from assistants.versions import is_configuration_change
from insights import stats
from insights.cards import percent_of
from insights.quality import (
    Quality,
    Tally,
    format_latency,
    format_rate,
    format_usd,
    quality_figures,
)
from insights.selectors import ConfigurationChange


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
    latency_p50_ms: float | None = None  # of its timed answers (within 4 %)

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
        return format_latency(self.latency_p50_ms)

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
    assistant: Assistant,
    *,
    versions: list[ConfigurationChange],
    date_range: DateRange,
    source: str,
    quality: Quality | None = None,
) -> list[VersionRecord]:
    """The configurations live at some time in the range, newest first, with the current
    ratings of the answers they gave on the range's days (of `source`: all, app or api) and
    satisfaction's 95 % Wilson interval, and the answers' count, failed replies, latencies
    and cost. `versions` is `selectors.version_history`; `quality`, the range's
    `quality_figures` of the same source when the caller has them (the Analytics tab reads
    them for its Quality and cost section). No query given them, one otherwise."""
    if quality is None:
        quality = quality_figures(assistant, date_range, by=By.MONTH, source=source)
    rows = _configurations(versions)
    first, after = date_range.bounds(assistant.tzinfo)
    live = []
    for index, (version, folded) in enumerate(rows):
        until = rows[index + 1][0].changed_at if index + 1 < len(rows) else None
        # Version 1 is in force for anything earlier than its creation too.
        starts_in_time = version.number == 1 or version.changed_at < after
        if starts_in_time and (until is None or until >= first):
            live.append((version, folded, until))
    records = []
    for version, folded, until in reversed(live):
        answers = Tally()
        positive = negative = 0
        for number in [version.number, *(f.number for f in folded)]:
            if number in quality.by_version:
                answers.merge(quality.by_version[number])
            version_positive, version_negative = quality.version_ratings.get(number, (0, 0))
            positive += version_positive
            negative += version_negative
        records.append(
            VersionRecord(
                version=version,
                folded=folded,
                live_until=until,
                positive=positive,
                negative=negative,
                satisfaction=stats.wilson(positive, positive + negative),
                answers=answers.answers,
                failed_replies=answers.failed,
                cost_usd=answers.cost,
                unpriced_answers=answers.unpriced,
                latency_p50_ms=answers.latency.percentile(0.5),
            )
        )
    return records
