"""The timeframe of Usage Insights: inclusive calendar days in the assistant's reporting zone.

It lives here, beside the reporting time zone, because both tabs use it: the Analytics tab
(insights) and the Feedback tab (feedback), which may not import each other.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

DEFAULT_DAYS = 30
# About five years: bounds the work of one page or export.
MAX_DAYS = 1830
# The dates a timeframe may name. Far enough either way for any real activity, and far from
# the ends of `date` (years 1 and 9999), where a range's previous period, its bounds in UTC
# or a chart's padding would step outside what Python and PostgreSQL can represent.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)


class By:
    """How the days of a range are bucketed: calendar days, weeks starting on Monday, or
    calendar months, all in the reporting zone."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CHOICES = (DAY, WEEK, MONTH)


# The Analytics tab's bucket when none is asked for (SPEC §4); the CSV always defaults to days.
DAY_BUCKETS_UP_TO = 92
WEEK_BUCKETS_UP_TO = 731


def default_bucket(length: int) -> str:
    if length <= DAY_BUCKETS_UP_TO:
        return By.DAY
    return By.WEEK if length <= WEEK_BUCKETS_UP_TO else By.MONTH


@dataclass(frozen=True)
class Bucket:
    """Consecutive days of a range: one day, or the part of a week or month inside it (the
    first and last buckets are clipped to the range, so buckets add up to the range)."""

    start: date
    end: date

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @classmethod
    def last_days(cls, today: date, days: int) -> "DateRange":
        return cls(start=today - timedelta(days=days - 1), end=today)

    @classmethod
    def last_twelve_months(cls, today: date) -> "DateRange":
        try:
            year_ago = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            year_ago = today.replace(year=today.year - 1, day=28)
        return cls(start=year_ago + timedelta(days=1), end=today)

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> list[date]:
        """Every day of the range, oldest first (for drawing empty days as 0)."""
        return [self.start + timedelta(days=offset) for offset in range(self.length)]

    def previous(self) -> "DateRange":
        """The period of the same length that ends the day before this one starts."""
        return DateRange(
            start=self.start - timedelta(days=self.length), end=self.start - timedelta(days=1)
        )

    def buckets(self, by: str) -> list[Bucket]:
        """The range cut into days, weeks (Monday to Sunday) or calendar months, oldest first,
        the first and last clipped to the range."""
        if by == By.DAY:
            return [Bucket(day, day) for day in self.days()]
        buckets = []
        start = self.start
        while start <= self.end:
            if by == By.WEEK:
                end = start + timedelta(days=6 - start.weekday())
            elif by == By.MONTH:
                following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
                end = following - timedelta(days=1)
            else:
                raise ValueError(f"unknown bucket {by!r}")
            end = min(end, self.end)
            buckets.append(Bucket(start, end))
            start = end + timedelta(days=1)
        return buckets

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, instant after the last day) in `tz`; DST-correct, aware."""
        first = datetime.combine(self.start, time.min, tzinfo=tz)
        after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz)
        return first, after

    def as_query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"


def today_in(tz: ZoneInfo) -> date:
    return timezone.now().astimezone(tz).date()


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    range: DateRange


def presets(today: date) -> list[Preset]:
    return [
        Preset("7d", "Last 7 days", DateRange.last_days(today, 7)),
        Preset("30d", "Last 30 days", DateRange.last_days(today, 30)),
        Preset("90d", "Last 90 days", DateRange.last_days(today, 90)),
        Preset("12m", "Last 12 months", DateRange.last_twelve_months(today)),
    ]


class TimeframeForm(forms.Form):
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD`; both empty means the last 30 days."""

    start = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors:
            return cleaned
        if (start is None) != (end is None):
            raise forms.ValidationError("Choose both a start and an end date.")
        for name, day in (("start", start), ("end", end)):
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                self.add_error(
                    name,
                    f"Choose a date between {EARLIEST_DATE:%-d %B %Y} and {LATEST_DATE:%-d %B %Y}.",
                )
        if self.errors:
            return cleaned
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must be on or before the end date.")
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"Choose a timeframe of at most {MAX_DAYS} days.")
        return cleaned

    def date_range(self) -> DateRange:
        """The chosen range; the default one when the form is empty or invalid."""
        if self.is_valid() and self.cleaned_data.get("start"):
            return DateRange(self.cleaned_data["start"], self.cleaned_data["end"])
        return DateRange.last_days(self.today, DEFAULT_DAYS)

    def error_text(self) -> str:
        """All errors as one sentence for a 400 response of an export."""
        messages = []
        for field, errors in self.errors.items():
            prefix = "" if field == "__all__" else f"{field}: "
            messages.extend(prefix + str(error) for error in errors)
        return " ".join(messages)


def timeframe_context(access, form: TimeframeForm, *, tab: str, tab_url: str) -> dict:
    """What the assistant header, the tab bar and the timeframe control of both tabs need;
    `access` is the viewer's `AssistantAccess`."""
    return {
        "access": access,
        "assistant": access.assistant,
        "tab": tab,
        "tab_url": tab_url,
        "form": form,
        "date_range": form.date_range(),
        "presets": presets(form.today),
        "time_zone": access.assistant.time_zone,
    }
