"""The Feedback tab's chart of reasons, built as a plain Plotly figure dict from
`selectors.ReasonCounts` (a pure function: no database, no request)."""

from feedback.selectors import ReasonCounts

POSITIVE_COLOUR = "#16a34a"
NEGATIVE_COLOUR = "#dc2626"
# Pixels per bar, so that a long list stays readable instead of squeezed.
BAR_HEIGHT = 26


def reasons_figure(counts: ReasonCounts) -> dict:
    """Horizontal bars: how often each reason was picked, the negative ones and the positive
    ones as two traces, most picked at the top of each."""
    traces = []
    for name, colour, rows in (
        ("Negative", NEGATIVE_COLOUR, counts.negative),
        ("Positive", POSITIVE_COLOUR, counts.positive),
    ):
        if not rows:
            continue
        # Plotly draws the first category at the bottom: reverse for most picked on top.
        labels = [f"{reason} ({name.lower()})" for reason, _ in reversed(rows)]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": labels,
                "x": [count for _, count in reversed(rows)],
                "marker": {"color": colour},
                "hovertemplate": "%{x:,d} × %{y}<extra></extra>",
            }
        )
    bars = len(counts.positive) + len(counts.negative)
    peak = max((count for _, count in [*counts.positive, *counts.negative]), default=0)
    return {
        "data": traces,
        "layout": {
            "height": 70 + BAR_HEIGHT * bars,
            "margin": {"l": 8, "r": 16, "t": 8, "b": 32},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False,
            "barmode": "overlay",
            "font": {"family": "system-ui, sans-serif", "size": 12, "color": "#1f2937"},
            "xaxis": {
                "rangemode": "tozero",
                "gridcolor": "#e5e7eb",
                "tickformat": ",d",
                # Keep small counts on whole numbers.
                "dtick": None if peak > 5 else 1,
            },
            "yaxis": {
                "automargin": True,
                # Bottom to top: the positive reasons, then the negative ones above them.
                "categoryorder": "array",
                "categoryarray": [label for trace in reversed(traces) for label in trace["y"]],
            },
        },
    }
