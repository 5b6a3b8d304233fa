"""Plotly figures of the People section, built as plain figure dicts.

Pure functions of `insights.people`'s dataclasses (no database, no request), laid out like
the Quality and cost section's charts: one point per bucket (or day) at its first day, with
the configuration changes marked on the time axis.
"""

from assistants.timeframe import Bucket
from insights.chart_layout import bar_trace
from insights.people import BucketPeople, DayPeople
from insights.quality_charts import _layout
from insights.selectors import ConfigurationChange

NEW_COLOUR = "#2563eb"
RETURNING_COLOUR = "#93c5fd"
DAILY_COLOUR = "#2563eb"
WEEKLY_COLOUR = "#7c3aed"
MONTHLY_COLOUR = "#0d9488"

# The stacked bars of `new_and_returning_figure`, bottom first: (legend, field of
# `BucketPeople`, colour, word in the hover).
_NEW_AND_RETURNING = (
    ("New", "new_users", NEW_COLOUR, "new"),
    ("Returning", "returning_users", RETURNING_COLOUR, "returning"),
)


def new_and_returning_figure(
    buckets: list[BucketPeople], changes: list[ConfigurationChange]
) -> dict:
    """New and returning users of each bucket, stacked: together its active users."""
    layout = _layout(buckets, changes, y_title="Users")
    layout["barmode"] = "stack"
    x = [bucket.start.isoformat() for bucket in buckets]
    return {
        "data": [
            bar_trace(
                name=name,
                x=x,
                y=[getattr(bucket, attribute) for bucket in buckets],
                colour=colour,
                hover=f"%{{y:,d}} {word}<extra></extra>",
            )
            for name, attribute, colour, word in _NEW_AND_RETURNING
        ],
        "layout": layout,
    }


def active_users_figure(days: list[DayPeople], changes: list[ConfigurationChange]) -> dict:
    """Daily, weekly (7 days) and monthly (28 days) active users of every day, as lines."""
    layout = _layout([Bucket(day.day, day.day) for day in days], changes, y_title="Users")
    x = [day.day.isoformat() for day in days]

    def line(name: str, values: list[int], colour: str) -> dict:
        return {
            "type": "scatter",
            "mode": "lines" if len(days) > 1 else "markers",
            "name": name,
            "x": x,
            "y": values,
            "line": {"color": colour, "width": 2},
            "marker": {"color": colour},
            "hovertemplate": f"%{{y:,d}} {name.lower()}<extra></extra>",
        }

    return {
        "data": [
            line("Monthly active", [d.monthly_active_users for d in days], MONTHLY_COLOUR),
            line("Weekly active", [d.weekly_active_users for d in days], WEEKLY_COLOUR),
            line("Daily active", [d.active_users for d in days], DAILY_COLOUR),
        ],
        "layout": layout,
    }
