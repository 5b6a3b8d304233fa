"""The People section of the Analytics tab: its charts, message bands, adoption funnel and
the most active people, from `insights.people`'s figures (SPEC §4, §9)."""

from django.urls import reverse
from django.utils.http import urlencode

from assistants.models import Assistant
from assistants.timeframe import DateRange
from insights import people_charts
from insights.people import (
    FEWEST_PEOPLE_LISTED,
    MESSAGE_BANDS,
    People,
)
from insights.selectors import ConfigurationChange


def _chart(chart_id: str, title: str, figure: dict) -> dict:
    return {"id": chart_id, "data_id": f"{chart_id}-data", "title": title, "figure": figure}


def people_section(
    assistant: Assistant,
    people: People,
    date_range: DateRange,
    *,
    source: str,
    changes: list[ConfigurationChange],
    chart_start,
) -> dict:
    """What `insights/_people.html` shows (the most active people when at least
    `FEWEST_PEOPLE_LISTED` people were active). No query."""
    active = people.period.active_users
    listed = active >= FEWEST_PEOPLE_LISTED
    buckets = [b for b in people.buckets if b.end >= chart_start]
    days = [d for d in people.days if d.day >= chart_start]
    bands = [
        {"label": label, "people": count, "share": round(100 * count / active, 1) if active else 0}
        for (label, _, _), count in zip(MESSAGE_BANDS, people.period.bands, strict=True)
    ]
    return {
        "figures": people,
        "bands": bands,
        "adoption": [
            {"label": label, "people": count, "share": share}
            for label, count, share in people.adoption.steps()
        ],
        "top": people.top if listed else None,
        "fewest_listed": FEWEST_PEOPLE_LISTED,
        "csv_url": reverse("insights:people_csv", args=[assistant.pk])
        + "?"
        + urlencode({"start": date_range.start, "end": date_range.end, "source": source}),
        "charts": [
            _chart(
                "chart-new-returning",
                "New and returning users",
                people_charts.new_and_returning_figure(buckets, changes),
            ),
            _chart(
                "chart-dau-wau-mau",
                "Daily, weekly and monthly active users",
                people_charts.active_users_figure(days, changes),
            ),
        ]
        if buckets and days
        else [],
    }
