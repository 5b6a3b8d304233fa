"""Plotly figures of the Analytics tab, built as plain figure dicts.

Pure functions of the selectors' dataclasses: no database, no request. They return the
figure JSON that Plotly.js draws; the tests load each one into `plotly.graph_objects.Figure`
to prove it is a valid figure. (Building through graph_objects at request time costs about
15 ms a figure in validation alone, more than the whole page's budget.)
"""

from collections import defaultdict
from datetime import date, timedelta

from insights.selectors import ConfigurationChange, DayFigures

USER_COLOUR = "#2563eb"
ASSISTANT_COLOUR = "#93c5fd"
CONVERSATION_COLOUR = "#7c3aed"
POSITIVE_COLOUR = "#16a34a"
CHANGE_COLOUR = "#d97706"
DAY_MS = 24 * 60 * 60 * 1000
# Up to this many days every day gets its own tick; beyond, Plotly spaces them.
DAILY_TICKS_UP_TO = 14
# The same margins on every chart, so the time axes of the stacked charts line up.
MARGIN = {"l": 56, "r": 56, "t": 28, "b": 40}


def _layout(days: list[DayFigures], changes: list[ConfigurationChange], *, y_title: str) -> dict:
    first, last = days[0].day, days[-1].day
    layout = {
        "height": 280,
        "margin": dict(MARGIN),
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "showlegend": False,
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2937"},
        "xaxis": {
            "type": "date",
            # Half a day of padding so the first and last bars are whole.
            "range": [_noon_before(first), _noon_after(last)],
            "showgrid": False,
            "tickformat": "%b %-d",
            "hoverformat": "%a %b %-d, %Y",
            # Without it a short range gets a tick every few hours, all labelled with the
            # same day.
            **({"dtick": DAY_MS} if len(days) <= DAILY_TICKS_UP_TO else {}),
        },
        "yaxis": {
            "title": {"text": y_title},
            "rangemode": "tozero",
            "gridcolor": "#e5e7eb",
            "tickformat": ",d",
            # Keep small counts on whole numbers.
            "dtick": None if _peak(days) > 5 else 1,
        },
        "shapes": [],
        "annotations": [],
    }
    for day, day_changes in _changes_by_day(changes).items():
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": day.isoformat(),
                "x1": day.isoformat(),
                "y0": 0,
                "y1": 1,
                "line": {"color": CHANGE_COLOUR, "width": 1.5, "dash": "dot"},
            }
        )
        layout["annotations"].append(
            {
                "xref": "x",
                "yref": "paper",
                "x": day.isoformat(),
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "text": ", ".join(_marker(change) for change in day_changes),
                "hovertext": "<br>".join(_describe(change) for change in day_changes),
                "font": {"color": CHANGE_COLOUR, "size": 11},
            }
        )
    return layout


def _peak(days: list[DayFigures]) -> int:
    return max((day.active_users + day.conversations + day.messages for day in days), default=0)


def _noon_before(day: date) -> str:
    return f"{(day - timedelta(days=1)).isoformat()} 12:00"


def _noon_after(day: date) -> str:
    return f"{day.isoformat()} 12:00"


def _changes_by_day(changes: list[ConfigurationChange]) -> dict[date, list[ConfigurationChange]]:
    grouped: dict[date, list[ConfigurationChange]] = defaultdict(list)
    for change in changes:
        grouped[change.day].append(change)
    return dict(grouped)


def _marker(change: ConfigurationChange) -> str:
    """The change's label on the time axis, a link to its impact page (same tab)."""
    if not change.impact_url:
        return f"v{change.number}"
    return f'<a href="{change.impact_url}" target="_top">v{change.number}</a>'


def _describe(change: ConfigurationChange) -> str:
    fields = ", ".join(change.changed_labels)
    # The reporting zone, named: the same moment reads differently on pages in other zones.
    when = change.changed_at.strftime("%b %-d, %H:%M %Z")
    return f"v{change.number}: {fields} changed by {change.changed_by} ({when})"


def _x(days: list[DayFigures]) -> list[str]:
    return [day.day.isoformat() for day in days]


def _bar_width(days: list[DayFigures]) -> dict:
    """Plotly sizes a bar from the gap to its neighbour; a lone bar has none and is drawn
    a millisecond wide, invisible. So a one-day chart says its bar's width."""
    return {"width": 0.8 * DAY_MS} if len(days) == 1 else {}


def daily_active_users_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "name": "Active users",
                "x": _x(days),
                "y": [day.active_users for day in days],
                "marker": {"color": USER_COLOUR},
                "hovertemplate": "%{y:,d} active users<extra></extra>",
                **_bar_width(days),
            }
        ],
        "layout": _layout(days, changes, y_title="Users"),
    }


def conversations_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    return {
        "data": [
            {
                "type": "bar",
                "name": "Conversations",
                "x": _x(days),
                "y": [day.conversations for day in days],
                "marker": {"color": CONVERSATION_COLOUR},
                "hovertemplate": "%{y:,d} new conversations<extra></extra>",
                **_bar_width(days),
            }
        ],
        "layout": _layout(days, changes, y_title="Conversations"),
    }


def messages_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    layout = _layout(days, changes, y_title="Messages")
    layout["barmode"] = "stack"
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": -0.18, "traceorder": "normal"}
    return {
        "data": [
            {
                "type": "bar",
                "name": "From users",
                "x": _x(days),
                "y": [day.user_messages for day in days],
                "marker": {"color": USER_COLOUR},
                "hovertemplate": "%{y:,d} from users<extra></extra>",
                **_bar_width(days),
            },
            {
                "type": "bar",
                "name": "From the assistant",
                "x": _x(days),
                "y": [day.assistant_messages for day in days],
                "marker": {"color": ASSISTANT_COLOUR},
                "hovertemplate": "%{y:,d} from the assistant<extra></extra>",
                **_bar_width(days),
            },
        ],
        "layout": layout,
    }


def satisfaction_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    """Share of positive ratings per day. A day without ratings has no share, so it is a gap
    in the line rather than a 0 %; the bars below show how many ratings each share is of."""
    shares = [
        round(100 * day.positive_feedback / (day.positive_feedback + day.negative_feedback), 1)
        if day.positive_feedback + day.negative_feedback
        else None
        for day in days
    ]
    layout = _layout(days, changes, y_title="Positive share")
    percents = [0, 25, 50, 75, 100]
    layout["yaxis"] = {
        "title": {"text": "Positive share"},
        # A little above 100 % so a marker at 100 % is not cut in half.
        "range": [0, 105],
        "gridcolor": "#e5e7eb",
        "tickmode": "array",
        "tickvals": percents,
        "ticktext": [f"{percent}%" for percent in percents],
    }
    most_ratings = max((d.positive_feedback + d.negative_feedback for d in days), default=0)
    layout["yaxis2"] = {
        "overlaying": "y",
        "side": "right",
        "showgrid": False,
        "title": {"text": "Ratings"},
        # The bars stay in the lower third, under the line; ticks only at 0 and the busiest
        # day, so they are whole numbers and do not fight the percent grid.
        "range": [0, 3 * most_ratings or 1],
        "tickmode": "array",
        "tickvals": [0, most_ratings] if most_ratings else [0],
        "tickformat": ",d",
    }
    layout["showlegend"] = True
    layout["legend"] = {"orientation": "h", "x": 0, "y": -0.18}
    return {
        "data": [
            {
                "type": "bar",
                "name": "Ratings",
                "x": _x(days),
                "y": [day.positive_feedback + day.negative_feedback for day in days],
                "yaxis": "y2",
                "marker": {"color": "#e5e7eb"},
                "hovertemplate": "%{y:,d} ratings<extra></extra>",
                **_bar_width(days),
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Satisfaction (positive share)",
                "x": _x(days),
                "y": shares,
                "connectgaps": False,
                "line": {"color": POSITIVE_COLOUR, "width": 2},
                "marker": {"color": POSITIVE_COLOUR, "size": 6},
                # An explicit format: a bare %{y} would take the axis' tick suffix too ("80%%").
                "hovertemplate": "%{y:.1~f}% positive<extra></extra>",
            },
        ],
        "layout": layout,
    }
