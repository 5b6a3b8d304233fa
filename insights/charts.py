"""Plotly figures of the Analytics tab, built as plain figure dicts.

Pure functions of the selectors' dataclasses: no database, no request. They return the
figure JSON that Plotly.js draws; the tests load each one into `plotly.graph_objects.Figure`
to prove it is a valid figure. (Building through graph_objects at request time costs about
15 ms a figure in validation alone, more than the whole page's budget.)
"""

from collections import defaultdict
from datetime import date

from insights.chart_layout import ChangeMark, bar_trace, line_trace, time_layout
from insights.selectors import ConfigurationChange, DayFigures

USER_COLOUR = "#2563eb"
ASSISTANT_COLOUR = "#93c5fd"
CONVERSATION_COLOUR = "#7c3aed"
POSITIVE_COLOUR = "#16a34a"
DAY_MS = 24 * 60 * 60 * 1000
# Up to this many days every day gets its own tick; beyond, Plotly spaces them.
DAILY_TICKS_UP_TO = 14
# The same margins on every chart, so the time axes of the stacked charts line up.
MARGIN = {"l": 56, "r": 56, "t": 28, "b": 40}


def _layout(days: list[DayFigures], changes: list[ConfigurationChange], *, y_title: str) -> dict:
    marks = [
        ChangeMark(
            day=day,
            text=", ".join(_marker(change) for change in day_changes),
            hovertext="<br>".join(_describe(change) for change in day_changes),
        )
        for day, day_changes in _changes_by_day(changes).items()
    ]
    layout = time_layout(
        first=days[0].day, last=days[-1].day, y_title=y_title, margin=MARGIN, marks=marks
    )
    if len(days) <= DAILY_TICKS_UP_TO:
        # Without it a short range gets a tick every few hours, all labelled with the same
        # day.
        layout["xaxis"]["dtick"] = DAY_MS
    layout["yaxis"]["tickformat"] = ",d"
    # Keep small counts on whole numbers.
    layout["yaxis"]["dtick"] = None if _peak(days) > 5 else 1
    return layout


def _peak(days: list[DayFigures]) -> int:
    return max((day.active_users + day.conversations + day.messages for day in days), default=0)


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


def _bars(
    days: list[DayFigures], name: str, values: list[int], colour: str, counted: str = "", **extra
) -> dict:
    """One bar a day; `values` are the days' counts in the order of `days`, `counted` what
    the hover says they count (the name, by default)."""
    return bar_trace(
        name=name,
        x=_x(days),
        y=values,
        colour=colour,
        hover=f"%{{y:,d}} {counted or name.lower()}<extra></extra>",
        **extra,
        **_bar_width(days),
    )


def daily_active_users_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    return {
        "data": [_bars(days, "Active users", [day.active_users for day in days], USER_COLOUR)],
        "layout": _layout(days, changes, y_title="Users"),
    }


def conversations_figure(days: list[DayFigures], changes: list[ConfigurationChange]) -> dict:
    conversations = [day.conversations for day in days]
    return {
        "data": [
            _bars(days, "Conversations", conversations, CONVERSATION_COLOUR, "new conversations")
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
            _bars(days, "From users", [day.user_messages for day in days], USER_COLOUR),
            _bars(
                days,
                "From the assistant",
                [day.assistant_messages for day in days],
                ASSISTANT_COLOUR,
            ),
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
    ratings = [day.positive_feedback + day.negative_feedback for day in days]
    most_ratings = max(ratings, default=0)
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
            _bars(days, "Ratings", ratings, "#e5e7eb", yaxis="y2"),
            line_trace(
                name="Satisfaction (positive share)",
                x=_x(days),
                y=shares,
                line={"color": POSITIVE_COLOUR, "width": 2},
                marker={"color": POSITIVE_COLOUR, "size": 6},
                # An explicit format: a bare %{y} would take the axis' tick suffix too ("80%%").
                hover="%{y:.1~f}% positive<extra></extra>",
            ),
        ],
        "layout": layout,
    }
