"""The Analytics tab's Changes section: every version live in the timeframe and its record.

A time-zone-only save is kept in the history but is not a configuration change (SPEC §3), so
its answers count with the configuration it left unchanged: such a version is folded into
the row of the version before it.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Sum

from assistants.models import Assistant
from assistants.timeframe import DateRange
from assistants.versions import is_configuration_change
from feedback.models import VersionFeedback
from insights import stats
from insights.forms import Source
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
    satisfaction's 95 % Wilson interval. `versions` is `selectors.version_history`. One
    query."""
    rows = _configurations(versions)
    first, after = date_range.bounds(assistant.tzinfo)
    live = []
    for index, (version, folded) in enumerate(rows):
        until = rows[index + 1][0].changed_at if index + 1 < len(rows) else None
        # Version 1 is in force for anything earlier than its creation too.
        starts_in_time = version.number == 1 or version.changed_at < after
        if starts_in_time and (until is None or until >= first):
            live.append((version, folded, until))
    counts = VersionFeedback.objects.filter(
        assistant=assistant, day__gte=date_range.start, day__lte=date_range.end
    )
    if source != Source.ALL:
        counts = counts.filter(source=source)
    by_version = {
        number: (positive, negative)
        for number, positive, negative in counts.values("version")
        .annotate(positive=Sum("positive"), negative=Sum("negative"))
        .values_list("version", "positive", "negative")
    }
    records = []
    for version, folded, until in reversed(live):
        numbers = [version.number, *(f.number for f in folded)]
        positive = sum(by_version.get(n, (0, 0))[0] for n in numbers)
        negative = sum(by_version.get(n, (0, 0))[1] for n in numbers)
        records.append(
            VersionRecord(
                version=version,
                folded=folded,
                live_until=until,
                positive=positive,
                negative=negative,
                satisfaction=stats.wilson(positive, positive + negative),
            )
        )
    return records
