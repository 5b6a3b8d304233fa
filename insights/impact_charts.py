"""The impact page's chart: the days before a change overlaid on the days after it, by day
offset, one figure at a time (a menu switches it). A pure function, like `insights.charts`."""

from insights.cards import percent_of
from insights.impact import Impact, ImpactDay

BEFORE_COLOUR = "#9ca3af"
AFTER_COLOUR = "#2563eb"


def _rounded_percent(part: int, whole: int) -> float | None:
    percent = percent_of(part, whole)
    return None if percent is None else round(percent, 1)


# (button label, y-axis title, value of a day; None is a gap)
_SERIES = [
    ("Active users", "Active users", lambda d: d.active_users),
    ("Conversations", "Conversations", lambda d: d.conversations),
    ("Messages", "Messages", lambda d: d.messages),
    (
        "Satisfaction",
        "Positive ratings (%)",
        lambda d: _rounded_percent(d.positive, d.positive + d.negative),
    ),
    (
        "Failure rate",
        "Failed replies (%)",
        lambda d: _rounded_percent(d.failed_replies, d.answers + d.failed_replies),
    ),
    ("Cost", "Cost (USD)", lambda d: float(round(d.cost_usd, 4))),
]


def _trace(name: str, days: list[ImpactDay], value, colour: str, visible: bool) -> dict:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": list(range(1, len(days) + 1)),
        "y": [value(day) for day in days],
        "customdata": [day.day.strftime("%a %b %-d") for day in days],
        "hovertemplate": f"{name}, %{{customdata}}: %{{y}}<extra></extra>",
        "line": {"color": colour, "width": 2},
        "marker": {"color": colour, "size": 6},
        "connectgaps": False,
        "visible": visible,
    }


def overlay_figure(impact: Impact) -> dict:
    """Before (grey) and after (blue) on one axis of day offsets: day 1 is each side's first
    day. Two traces a figure, two visible at a time. Median latency is a figure of each
    side's answers as a whole, so it has no day-by-day line here."""
    data, buttons = [], []
    for index, (label, title, value) in enumerate(_SERIES):
        data.append(_trace("Before", impact.before.days, value, BEFORE_COLOUR, index == 0))
        data.append(_trace("After", impact.after.days, value, AFTER_COLOUR, index == 0))
        visible = [i // 2 == index for i in range(2 * len(_SERIES))]
        buttons.append(
            {
                "label": label,
                "method": "update",
                "args": [{"visible": visible}, {"yaxis.title.text": title}],
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 340,
            "margin": {"l": 48, "r": 16, "t": 56, "b": 96},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "hovermode": "x unified",
            "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2937"},
            "showlegend": True,
            # Below the axis title, clear of the figure menu above the plot.
            "legend": {"orientation": "h", "x": 0, "y": -0.32, "yanchor": "top"},
            "xaxis": {
                "title": {"text": "Day on its side of the change"},
                "dtick": 1 if impact.window <= 14 else 7,
                "range": [0.5, impact.window + 0.5],
                "showgrid": False,
            },
            "yaxis": {
                "title": {"text": _SERIES[0][1]},
                "rangemode": "tozero",
                "gridcolor": "#e5e7eb",
            },
            "updatemenus": [
                {
                    # A drop-down, so that it fits a phone's width.
                    "type": "dropdown",
                    "direction": "down",
                    "x": 0,
                    "xanchor": "left",
                    "y": 1.02,
                    "yanchor": "bottom",
                    "showactive": True,
                    "buttons": buttons,
                }
            ],
        },
    }
