"""What the Analytics tab and its CSV show, read from the counters of both apps.

Every function reads rollups only, so its cost does not grow with the number of events.
Days are calendar days in the assistant's reporting time zone.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet, Sum
from django.urls import reverse

from assistants.models import (
    Assistant,
    ConfigurationVersion,
    DailyAnswerStats,
    DailyUsage,
    UsageTotals,
    configuration_field_label,
)
from assistants.timeframe import DateRange
from assistants.versions import is_configuration_change
from feedback.selectors import daily_feedback_counts
from insights.forms import Source, sources_of


@dataclass(frozen=True)
class Totals:
    users: int
    conversations: int
    messages: int


@dataclass(frozen=True)
class DayFigures:
    """The usage of a day, or of a bucket of days (`day` its first, `end` its last)."""

    day: date
    active_users: int = 0
    conversations: int = 0
    user_messages: int = 0
    assistant_messages: int = 0
    positive_feedback: int = 0
    negative_feedback: int = 0
    end: date | None = None  # the bucket's last day; None for a single day

    @property
    def messages(self) -> int:
        return self.user_messages + self.assistant_messages

    @property
    def last_day(self) -> date:
        return self.end or self.day


@dataclass(frozen=True)
class ConfigurationChange:
    number: int
    changed_at: datetime  # in the reporting zone
    changed_fields: list[str]
    changed_by: str
    impact_url: str = ""  # its impact page

    @property
    def day(self) -> date:
        return self.changed_at.date()

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as people read them ("reporting time zone")."""
        return [configuration_field_label(field) for field in self.changed_fields]


def all_time_totals(assistant: Assistant) -> Totals:
    """All-time users, conversations and messages. One query."""
    row = (
        UsageTotals.objects.filter(assistant=assistant)
        .values_list("users", "conversations", "messages")
        .first()
    )
    return Totals(*row) if row else Totals(0, 0, 0)


def daily_figures(
    assistant: Assistant,
    date_range: DateRange,
    *,
    source: str = Source.ALL,
    active_users: dict[date, int] | None = None,
) -> list[DayFigures]:
    """One entry per day of the range, oldest first, empty days as 0, for the conversations
    of the source. Active users are `active_users` ({day: distinct people}, from
    `insights.people`) when given, which "all sources" needs: a person who used both is one
    person, while the daily rollup counts them once per source. Two queries."""
    sources = sources_of(source)
    usage = {
        day: counts
        for day, *counts in usage_sums(
            DailyUsage.objects.filter(
                assistant=assistant,
                day__gte=date_range.start,
                day__lte=date_range.end,
                source__in=sources,
            )
        )
    }
    feedback = daily_feedback_counts(
        assistant_id=assistant.pk, start=date_range.start, end=date_range.end, sources=sources
    )
    figures = []
    for day in date_range.days():
        summed_active, conversations, user_messages, assistant_messages = usage.get(day, (0,) * 4)
        positive, negative = feedback.get(day, (0, 0))
        active = summed_active if active_users is None else active_users.get(day, 0)
        figures.append(
            DayFigures(
                day=day,
                active_users=active,
                conversations=conversations,
                user_messages=user_messages,
                assistant_messages=assistant_messages,
                positive_feedback=positive,
                negative_feedback=negative,
            )
        )
    return figures


def usage_sums(rows: QuerySet[DailyUsage]) -> QuerySet:
    """The `DailyUsage` rows added up per day over their sources, as (day, active users,
    conversations, user messages, assistant messages) tuples. The active users are the
    sources' sum: the distinct count as long as nobody uses both (the events API's people are
    its own participants, not accounts of the app)."""
    return (
        rows.values("day")
        .annotate(
            active=Sum("active_users"),
            started=Sum("conversations"),
            sent=Sum("user_messages"),
            answered=Sum("assistant_messages"),
        )
        .values_list("day", "active", "started", "sent", "answered")
    )


def answer_sums(rows: QuerySet[DailyAnswerStats], *, key: str) -> QuerySet:
    """The `DailyAnswerStats` rows added up per `key` ("day" or "version"), as (key, answers,
    failed replies, cost in USD, unpriced answers) tuples."""
    return (
        rows.values(key)
        .annotate(
            answers_=Sum("answers"),
            failed=Sum("failed_replies"),
            cost=Sum("cost_usd"),
            unpriced=Sum("unpriced_answers"),
        )
        .values_list(key, "answers_", "failed", "cost", "unpriced")
    )


def bucket_figures(days: list[DayFigures], buckets: list) -> list[DayFigures]:
    """The days summed into buckets (`insights.people.BucketPeople`, whose distinct active
    users replace the sum of the days'), oldest first. No query."""
    by_day = {day.day: day for day in days}
    figures = []
    for bucket in buckets:
        inside = [by_day[d] for d in DateRange(bucket.start, bucket.end).days() if d in by_day]
        figures.append(
            DayFigures(
                day=bucket.start,
                end=bucket.end,
                active_users=bucket.active_users,
                conversations=sum(d.conversations for d in inside),
                user_messages=sum(d.user_messages for d in inside),
                assistant_messages=sum(d.assistant_messages for d in inside),
                positive_feedback=sum(d.positive_feedback for d in inside),
                negative_feedback=sum(d.negative_feedback for d in inside),
            )
        )
    return figures


@dataclass(frozen=True)
class RangeTotals:
    """Sums over the days of a range, and its busiest day."""

    conversations: int
    messages: int
    peak_day: date | None  # the day with the most active users; None when nobody was active
    peak_active_users: int


def range_totals(days: list[DayFigures]) -> RangeTotals:
    """Conversations and messages of the range, and its busiest day (no query: from the days
    `daily_figures` returned)."""
    peak = max(days, key=lambda day: day.active_users, default=None)
    busy = peak is not None and peak.active_users > 0
    return RangeTotals(
        conversations=sum(day.conversations for day in days),
        messages=sum(day.messages for day in days),
        peak_day=peak.day if busy else None,
        peak_active_users=peak.active_users if busy else 0,
    )


def configuration_changes(assistant: Assistant, date_range: DateRange) -> list[ConfigurationChange]:
    """Configuration changes made within the range (not the creation, nor a version that
    only changed the reporting time zone), oldest first. One query."""
    tz = assistant.tzinfo
    first, after = date_range.bounds(tz)
    versions = (
        ConfigurationVersion.objects.filter(
            assistant=assistant, number__gt=1, changed_at__gte=first, changed_at__lt=after
        )
        .select_related("changed_by")
        .order_by("changed_at")
    )
    return [
        _change(assistant, version, tz)
        for version in versions
        if is_configuration_change(version.changed_fields)
    ]


def version_history(assistant: Assistant) -> list[ConfigurationChange]:
    """Every version of the assistant, the creation (version 1) and time-zone-only saves
    included, oldest first, times in the reporting zone. One query; the versions' texts are
    not read."""
    tz = assistant.tzinfo
    versions = (
        ConfigurationVersion.objects.filter(assistant=assistant)
        .only("number", "changed_at", "changed_fields", "changed_by__username")
        .select_related("changed_by")
        .order_by("number")
    )
    return [_change(assistant, version, tz) for version in versions]


def real_changes(versions: list[ConfigurationChange]) -> list[ConfigurationChange]:
    """The configuration changes among versions: not the creation, nor a version that only
    changed the reporting time zone. No query."""
    return [v for v in versions if v.number > 1 and is_configuration_change(v.changed_fields)]


def configuration_history(assistant: Assistant) -> list[ConfigurationChange]:
    """Every configuration change of the assistant (`real_changes`), oldest first. One query."""
    return real_changes(version_history(assistant))


def changes_in(
    changes: list[ConfigurationChange], date_range: DateRange
) -> list[ConfigurationChange]:
    """The changes made on the days of the range. No query."""
    return [c for c in changes if date_range.start <= c.day <= date_range.end]


def _change(assistant: Assistant, version: ConfigurationVersion, tz) -> ConfigurationChange:
    return ConfigurationChange(
        number=version.number,
        changed_at=version.changed_at.astimezone(tz),
        changed_fields=list(version.changed_fields),
        changed_by=version.changed_by.get_username() if version.changed_by else "someone",
        impact_url=_impact_url(assistant, version.number),
    )


def _impact_url(assistant: Assistant, number: int) -> str:
    return reverse("insights:change_impact", args=[assistant.pk, number])
