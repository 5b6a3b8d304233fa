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
