"""Plotly figures of the Quality and cost section, built as plain figure dicts.

Pure functions of `insights.quality`'s dataclasses (no database, no request), like
`insights.charts`: one point per bucket of the timeframe, at the bucket's first day, with
the configuration changes marked on the time axis.
"""

from datetime import timedelta

from insights.quality import QualityFigures
from insights.selectors import ConfigurationChange

FAILED_COLOUR = "#dc2626"
MEDIAN_COLOUR = "#2563eb"
P95_COLOUR = "#93c5fd"
INPUT_COLOUR = "#0d9488"
OUTPUT_COLOUR = "#99f6e4"
COST_COLOUR = "#7c3aed"
CHANGE_COLOUR = "#d97706"


def _x(buckets: list[QualityFigures]) -> list[str]:
    return [bucket.start.isoformat() for bucket in buckets]


def _layout(
    buckets: list[QualityFigures], changes: list[ConfigurationChange], *, y_title: str
) -> dict:
    first, last = buckets[0], buckets[-1]
    layout = {
        "height": 280,
        "margin": {"l": 56, "r": 16, "t": 28, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "x unified",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": -0.18},
        "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2937"},
        "xaxis": {
            "type": "date",
            # Half a bucket's first day of padding so the first and last bars are whole.
            "range": [
                f"{(first.start - timedelta(days=1)).isoformat()} 12:00",
                f"{last.start.isoformat()} 12:00"
                if last.start == last.end
                else f"{last.end.isoformat()} 12:00",
            ],
            "showgrid": False,
            "tickformat": "%b %-d",
            "hoverformat": "%a %b %-d, %Y",
        },
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
        "shapes": [],
        "annotations": [],
    }
    for change in changes:
        day = change.day.isoformat()
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 1,
                "line": {"color": CHANGE_COLOUR, "width": 1.5, "dash": "dot"},
            }
        )
        layout["annotations"].append(
            {
                "xref": "x",
                "yref": "paper",
                "x": day,
                "y": 1,
                "yanchor": "bottom",
                "showarrow": False,
                "text": f"v{change.number}",
                "hovertext": f"v{change.number}: "
                + ", ".join(f.replace("_", " ") for f in change.changed_fields),
                "font": {"color": CHANGE_COLOUR, "size": 11},
            }
        )
    return layout


def failed_replies_figure(
    buckets: list[QualityFigures], changes: list[ConfigurationChange]
) -> dict:
    """Failed replies per bucket (bars) and the failure rate (line, right axis); a bucket
    without any attempt has no rate, a gap rather than 0 %."""
    layout = _layout(buckets, changes, y_title="Failed replies")
    layout["yaxis"]["tickformat"] = ",d"
    if max((b.failed_replies for b in buckets), default=0) <= 5:
        layout["yaxis"]["dtick"] = 1
    layout["yaxis2"] = {
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
        "showgrid": False,
        "ticksuffix": "%",
        "tickformat": ".1f",
        "title": {"text": "Failure rate"},
    }
    layout["margin"]["r"] = 56
    rates = [round(b.failure_rate, 2) if b.failure_rate is not None else None for b in buckets]
    return {
        "data": [
            {
                "type": "bar",
                "name": "Failed replies",
                "x": _x(buckets),
                "y": [b.failed_replies for b in buckets],
                "marker": {"color": FAILED_COLOUR},
                "hovertemplate": "%{y:,d} failed replies<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Failure rate",
                "x": _x(buckets),
                "y": rates,
                "yaxis": "y2",
                "connectgaps": False,
                "line": {"color": "#991b1b", "width": 2},
                "marker": {"size": 5},
                "hovertemplate": "%{y:.2f}% of attempts failed<extra></extra>",
            },
        ],
        "layout": layout,
    }


def _seconds(latency_ms: float | None) -> float | None:
    return round(latency_ms / 1000, 3) if latency_ms is not None else None


def latency_figure(buckets: list[QualityFigures], changes: list[ConfigurationChange]) -> dict:
    """Median and 95th percentile latency per bucket, in seconds; a bucket without a timed
    answer is a gap."""
    layout = _layout(buckets, changes, y_title="Seconds")
    layout["yaxis"]["ticksuffix"] = " s"
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Median",
                "x": _x(buckets),
                "y": [_seconds(b.latency_p50_ms) for b in buckets],
                "connectgaps": False,
                "line": {"color": MEDIAN_COLOUR, "width": 2},
                "marker": {"size": 5},
                "hovertemplate": "median %{y:.2f} s<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "95th percentile",
                "x": _x(buckets),
                "y": [_seconds(b.latency_p95_ms) for b in buckets],
                "connectgaps": False,
                "line": {"color": P95_COLOUR, "width": 2, "dash": "dash"},
                "marker": {"size": 5},
                "hovertemplate": "95th percentile %{y:.2f} s<extra></extra>",
            },
        ],
        "layout": layout,
    }


def tokens_figure(buckets: list[QualityFigures], changes: list[ConfigurationChange]) -> dict:
    layout = _layout(buckets, changes, y_title="Tokens")
    layout["barmode"] = "stack"
    layout["legend"]["traceorder"] = "normal"
    layout["yaxis"]["tickformat"] = "~s"
    return {
        "data": [
            {
                "type": "bar",
                "name": "Input",
                "x": _x(buckets),
                "y": [b.input_tokens for b in buckets],
                "marker": {"color": INPUT_COLOUR},
                "hovertemplate": "%{y:,d} input tokens<extra></extra>",
            },
            {
                "type": "bar",
                "name": "Output",
                "x": _x(buckets),
                "y": [b.output_tokens for b in buckets],
                "marker": {"color": OUTPUT_COLOUR},
                "hovertemplate": "%{y:,d} output tokens<extra></extra>",
            },
        ],
        "layout": layout,
    }


def cost_figure(
    buckets: list[QualityFigures],
    changes: list[ConfigurationChange],
    conversations: list[int] | None,
) -> dict:
    """Cost per bucket (bars, USD) and, when `conversations` (per bucket) is given, cost per
    conversation (line, right axis). Cost is a Decimal; the figure gets floats rounded to
    the displayed precision only."""
    layout = _layout(buckets, changes, y_title="USD")
    layout["yaxis"]["tickprefix"] = "$"
    data = [
        {
            "type": "bar",
            "name": "Cost",
            "x": _x(buckets),
            "y": [round(float(b.cost_usd), 6) for b in buckets],
            "marker": {"color": COST_COLOUR},
            "hovertemplate": "$%{y:,.4f}<extra></extra>",
        }
    ]
    if conversations is not None:
        layout["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickprefix": "$",
            "tickformat": ".4f",
            "title": {"text": "Per conversation"},
        }
        layout["margin"]["r"] = 64
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Cost per conversation",
                "x": _x(buckets),
                "y": [
                    round(float(b.cost_usd) / count, 6) if count else None
                    for b, count in zip(buckets, conversations, strict=True)
                ],
                "yaxis": "y2",
                "connectgaps": False,
                "line": {"color": "#4c1d95", "width": 2},
                "marker": {"size": 5},
                "hovertemplate": "$%{y:,.4f} per conversation<extra></extra>",
            }
        )
    return {"data": data, "layout": layout}
