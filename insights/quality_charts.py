"""Plotly figures of the Quality and cost section, built as plain figure dicts.

Pure functions of `insights.quality`'s dataclasses (no database, no request), like
`insights.charts`: one point per bucket of the timeframe, at the bucket's first day, with
the configuration changes marked on the time axis.
"""

from insights.chart_layout import ChangeMark, bar_trace, line_trace, time_layout
from insights.quality import QualityFigures
from insights.selectors import ConfigurationChange

FAILED_COLOUR = "#dc2626"
MEDIAN_COLOUR = "#2563eb"
P95_COLOUR = "#93c5fd"
INPUT_COLOUR = "#0d9488"
OUTPUT_COLOUR = "#99f6e4"
COST_COLOUR = "#7c3aed"


def _x(buckets: list[QualityFigures]) -> list[str]:
    return [bucket.start.isoformat() for bucket in buckets]


def _layout(
    buckets: list[QualityFigures], changes: list[ConfigurationChange], *, y_title: str
) -> dict:
    marks = [
        ChangeMark(
            day=change.day,
            text=f"v{change.number}",
            hovertext=f"v{change.number}: "
            + ", ".join(f.replace("_", " ") for f in change.changed_fields),
        )
        for change in changes
    ]
    return time_layout(
        first=buckets[0].start,
        last=buckets[-1].end,
        y_title=y_title,
        margin={"l": 56, "r": 16, "t": 28, "b": 40},
        marks=marks,
        legend={"orientation": "h", "x": 0, "y": -0.18},
    )


def _bars(buckets: list[QualityFigures], name: str, values: list, colour: str, hover: str) -> dict:
    return bar_trace(name=name, x=_x(buckets), y=values, colour=colour, hover=hover)


def _line(
    buckets: list[QualityFigures], name: str, values: list, line: dict, hover: str, **extra
) -> dict:
    """A line of `values` per bucket, `line` its colour (and dash); a None is a gap."""
    return line_trace(
        name=name,
        x=_x(buckets),
        y=values,
        line={"width": 2, **line},
        marker={"size": 5},
        hover=hover,
        **extra,
    )


def _right_axis(title: str, **ticks) -> dict:
    """A second y axis on the right, for a rate or ratio drawn over the bars."""
    return {
        "overlaying": "y",
        "side": "right",
        "rangemode": "tozero",
        "showgrid": False,
        **ticks,
        "title": {"text": title},
    }


def failed_replies_figure(
    buckets: list[QualityFigures], changes: list[ConfigurationChange]
) -> dict:
    """Failed replies per bucket (bars) and the failure rate (line, right axis); a bucket
    without any attempt has no rate, a gap rather than 0 %."""
    layout = _layout(buckets, changes, y_title="Failed replies")
    layout["yaxis"]["tickformat"] = ",d"
    if max((b.failed_replies for b in buckets), default=0) <= 5:
        layout["yaxis"]["dtick"] = 1
    layout["yaxis2"] = _right_axis("Failure rate", ticksuffix="%", tickformat=".1f")
    layout["margin"]["r"] = 56
    rates = [round(b.failure_rate, 2) if b.failure_rate is not None else None for b in buckets]
    return {
        "data": [
            _bars(
                buckets,
                "Failed replies",
                [b.failed_replies for b in buckets],
                FAILED_COLOUR,
                "%{y:,d} failed replies<extra></extra>",
            ),
            _line(
                buckets,
                "Failure rate",
                rates,
                {"color": "#991b1b"},
                "%{y:.2f}% of attempts failed<extra></extra>",
                yaxis="y2",
            ),
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
            _line(
                buckets,
                "Median",
                [_seconds(b.latency_p50_ms) for b in buckets],
                {"color": MEDIAN_COLOUR},
                "median %{y:.2f} s<extra></extra>",
            ),
            _line(
                buckets,
                "95th percentile",
                [_seconds(b.latency_p95_ms) for b in buckets],
                {"color": P95_COLOUR, "dash": "dash"},
                "95th percentile %{y:.2f} s<extra></extra>",
            ),
        ],
        "layout": layout,
    }


def tokens_figure(buckets: list[QualityFigures], changes: list[ConfigurationChange]) -> dict:
    layout = _layout(buckets, changes, y_title="Tokens")
    layout["barmode"] = "stack"
    layout["legend"]["traceorder"] = "normal"
    layout["yaxis"]["tickformat"] = "~s"
    inputs = [b.input_tokens for b in buckets]
    outputs = [b.output_tokens for b in buckets]
    return {
        "data": [
            _bars(buckets, "Input", inputs, INPUT_COLOUR, "%{y:,d} input tokens<extra></extra>"),
            _bars(
                buckets, "Output", outputs, OUTPUT_COLOUR, "%{y:,d} output tokens<extra></extra>"
            ),
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
        _bars(
            buckets,
            "Cost",
            [round(float(b.cost_usd), 6) for b in buckets],
            COST_COLOUR,
            "$%{y:,.4f}<extra></extra>",
        )
    ]
    if conversations is not None:
        layout["yaxis2"] = _right_axis("Per conversation", tickprefix="$", tickformat=".4f")
        layout["margin"]["r"] = 64
        data.append(
            _line(
                buckets,
                "Cost per conversation",
                [
                    round(float(b.cost_usd) / count, 6) if count else None
                    for b, count in zip(buckets, conversations, strict=True)
                ],
                {"color": "#4c1d95"},
                "$%{y:,.4f} per conversation<extra></extra>",
                yaxis="y2",
            )
        )
    return {"data": data, "layout": layout}
