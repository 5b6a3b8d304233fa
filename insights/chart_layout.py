"""The layout every time chart of the Analytics tab shares (`insights.charts`,
`insights.quality_charts`): its size, font and date axis, and the configuration changes
marked on that axis. A pure function, like the figures that use it."""

from dataclasses import dataclass
from datetime import date, timedelta

CHANGE_COLOUR = "#d97706"


@dataclass(frozen=True)
class ChangeMark:
    """A dotted line on the time axis at `day`, labelled `text`, with `hovertext` on hover."""

    day: date
    text: str
    hovertext: str


def time_layout(
    *,
    first: date,
    last: date,
    y_title: str,
    margin: dict,
    marks: list[ChangeMark],
    legend: dict | None = None,
) -> dict:
    """A Plotly layout whose date axis runs from `first` to `last` (whole days), with a
    legend when `legend` is given. The figures add their own axis details to it."""
    return {
        "height": 280,
        "margin": dict(margin),
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "showlegend": legend is not None,
        **({"legend": legend} if legend is not None else {}),
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2937"},
        "xaxis": {
            "type": "date",
            # Half a day of padding so the first and last bars are whole.
            "range": [
                f"{(first - timedelta(days=1)).isoformat()} 12:00",
                f"{last.isoformat()} 12:00",
            ],
            "showgrid": False,
            "tickformat": "%b %-d",
            "hoverformat": "%a %b %-d, %Y",
        },
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
        "shapes": [_line(mark) for mark in marks],
        "annotations": [_label(mark) for mark in marks],
    }


def _line(mark: ChangeMark) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": mark.day.isoformat(),
        "x1": mark.day.isoformat(),
        "y0": 0,
        "y1": 1,
        "line": {"color": CHANGE_COLOUR, "width": 1.5, "dash": "dot"},
    }


def _label(mark: ChangeMark) -> dict:
    return {
        "xref": "x",
        "yref": "paper",
        "x": mark.day.isoformat(),
        "y": 1,
        "yanchor": "bottom",
        "showarrow": False,
        "text": mark.text,
        "hovertext": mark.hovertext,
        "font": {"color": CHANGE_COLOUR, "size": 11},
    }


def bar_trace(*, name: str, x: list, y: list, colour: str, hover: str, **extra) -> dict:
    """A bar series; `hover` is the hover template of one bar, `extra` any further keys."""
    return {
        "type": "bar",
        "name": name,
        "x": x,
        "y": y,
        "marker": {"color": colour},
        "hovertemplate": hover,
        **extra,
    }


def line_trace(
    *, name: str, x: list, y: list, line: dict, marker: dict, hover: str, **extra
) -> dict:
    """A line with markers; a None in `y` is a gap, never joined over."""
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": name,
        "x": x,
        "y": y,
        "connectgaps": False,
        "line": line,
        "marker": marker,
        "hovertemplate": hover,
        **extra,
    }
