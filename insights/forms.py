"""The Analytics tab's query string: the timeframe, how it is bucketed and which source."""

from django import forms
from django.db.models import QuerySet
from django.utils.http import urlencode

from assistants.timeframe import By, TimeframeForm, default_bucket


class Source:
    """Where a conversation came from: the in-app chat, or the events API (a conversation
    with the sender's own `external_id`)."""

    ALL = "all"
    APP = "app"
    API = "api"
    CHOICES = (ALL, APP, API)
    LABELS = {ALL: "All sources", APP: "In-app chat", API: "Events API"}


def sources_of(source: str) -> list[str]:
    """The per-source rows a choice of the tab reads."""
    return [Source.APP, Source.API] if source == Source.ALL else [source]


def of_source(queryset: QuerySet, source: str) -> QuerySet:
    """The rows of one source (`Source.APP`, `Source.API`), or all of them."""
    return queryset if source == Source.ALL else queryset.filter(source=source)


class AnalyticsForm(TimeframeForm):
    """`?start=&end=[&by=day|week|month][&source=all|app|api]`. `by` defaults to the tab's
    choice for the range's length (`csv=True`: always days); `source` to all."""

    by = forms.ChoiceField(required=False, choices=[(b, b) for b in By.CHOICES])
    source = forms.ChoiceField(required=False, choices=[(s, s) for s in Source.CHOICES])

    def __init__(self, data, *, today, csv: bool = False):
        super().__init__(data, today=today)
        self.csv = csv

    def chosen_bucket(self) -> str:
        """The chosen bucket, or the default for the chosen range (days for a CSV)."""
        chosen = self.cleaned_data.get("by") if self.is_valid() else None
        if chosen:
            return chosen
        return By.DAY if self.csv else default_bucket(self.date_range().length)

    def chosen_source(self) -> str:
        chosen = self.cleaned_data.get("source") if self.is_valid() else None
        return chosen or Source.ALL


def bucket_and_source_choices(tab_url: str, date_range, *, by: str, source: str) -> dict:
    """The tab's links to the other buckets and sources, each keeping the timeframe and the
    other choice: {"by": [(label, url, chosen)], "source": [...]}."""

    def url(**chosen) -> str:
        query = {"start": date_range.start, "end": date_range.end, "by": by, "source": source}
        return f"{tab_url}?{urlencode(query | chosen)}"

    return {
        "by": [(b.capitalize(), url(by=b), b == by) for b in By.CHOICES],
        "source": [(Source.LABELS[s], url(source=s), s == source) for s in Source.CHOICES],
    }
