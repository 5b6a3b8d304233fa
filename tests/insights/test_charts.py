"""The figure builders are pure: checked here without a database, against Plotly itself."""

from datetime import UTC, date, datetime

import plotly.graph_objects as go

from insights import charts
from insights.selectors import ConfigurationChange, DayFigures

DAYS = [
    DayFigures(day=date(2026, 3, 1), active_users=3, conversations=2, user_messages=5),
    DayFigures(day=date(2026, 3, 2)),
    DayFigures(day=date(2026, 3, 3), active_users=1, assistant_messages=4),
]
CHANGE = ConfigurationChange(
    number=2,
    changed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    changed_fields=["instructions"],
    changed_by="casey",
)


def test_every_figure_is_valid_plotly():
    for build in (
        charts.daily_active_users_figure,
        charts.conversations_figure,
        charts.messages_figure,
    ):
        figure = build(DAYS, [CHANGE])
        go.Figure(figure)  # raises on any invalid property


def test_empty_days_are_drawn_as_zero():
    figure = charts.daily_active_users_figure(DAYS, [])
    assert figure["data"][0]["x"] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert figure["data"][0]["y"] == [3, 0, 1]


def test_messages_are_split_by_who_sent_them():
    user, assistant = charts.messages_figure(DAYS, [])["data"]
    assert user["y"] == [5, 0, 0]
    assert assistant["y"] == [0, 0, 4]


def test_configuration_changes_are_marked_on_their_day():
    layout = charts.conversations_figure(DAYS, [CHANGE])["layout"]
    assert layout["shapes"][0]["x0"] == "2026-03-02"
    assert layout["annotations"][0]["text"] == "v2"
    assert "instructions changed by casey" in layout["annotations"][0]["hovertext"]


def test_the_axis_shows_the_whole_range_even_when_quiet():
    layout = charts.conversations_figure(DAYS, [])["layout"]
    assert layout["xaxis"]["range"] == ["2026-02-28 12:00", "2026-03-03 12:00"]


def test_a_one_day_timeframe_draws_its_bar_with_one_tick():
    one_day = [DayFigures(day=date(2026, 3, 1), active_users=77, conversations=40)]
    for build in (
        charts.daily_active_users_figure,
        charts.conversations_figure,
        charts.messages_figure,
        charts.satisfaction_figure,
    ):
        figure = build(one_day, [])
        go.Figure(figure)
        # A lone bar is as wide as most of its day, not Plotly's one millisecond.
        assert all(
            trace["width"] == 0.8 * charts.DAY_MS
            for trace in figure["data"]
            if trace["type"] == "bar"
        )
        # One tick a day: the axis spans noon to noon, so the only tick is the day itself.
        assert figure["layout"]["xaxis"]["dtick"] == charts.DAY_MS
        assert figure["layout"]["xaxis"]["range"] == ["2026-02-28 12:00", "2026-03-01 12:00"]
    assert charts.daily_active_users_figure(one_day, [])["data"][0]["y"] == [77]


def test_a_long_timeframe_leaves_tick_spacing_and_bar_widths_to_plotly():
    month = [DayFigures(day=date(2026, 3, day)) for day in range(1, 32)]
    figure = charts.daily_active_users_figure(month, [])
    assert "dtick" not in figure["layout"]["xaxis"]
    assert "width" not in figure["data"][0]


def test_satisfaction_axes_read_in_percent_and_whole_ratings():
    days = [
        DayFigures(day=date(2026, 3, 1), positive_feedback=8, negative_feedback=2),
        DayFigures(day=date(2026, 3, 2)),
        DayFigures(day=date(2026, 3, 3), positive_feedback=31, negative_feedback=0),
    ]
    figure = charts.satisfaction_figure(days, [CHANGE])
    go.Figure(figure)
    layout = figure["layout"]
    assert layout["yaxis"]["ticktext"] == ["0%", "25%", "50%", "75%", "100%"]
    assert layout["yaxis2"]["tickvals"] == [0, 31]
    bars, line = figure["data"]
    assert line["y"] == [80.0, None, 100.0]
    assert line["hovertemplate"].startswith("%{y:.1~f}% positive")
    assert "ticksuffix" not in layout["yaxis"]


def test_every_chart_has_the_same_margins_so_the_time_axes_line_up():
    margins = {
        build.__name__: build(DAYS, [])["layout"]["margin"]
        for build in (
            charts.daily_active_users_figure,
            charts.conversations_figure,
            charts.messages_figure,
            charts.satisfaction_figure,
        )
    }
    assert len({tuple(sorted(margin.items())) for margin in margins.values()}) == 1


def test_change_markers_name_fields_as_people_read_them_and_the_zone():
    change = ConfigurationChange(
        number=3,
        changed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        changed_fields=["time_zone"],
        changed_by="casey",
    )
    layout = charts.conversations_figure(DAYS, [change])["layout"]
    assert layout["annotations"][0]["hovertext"] == (
        "v3: reporting time zone changed by casey (Mar 2, 09:30 UTC)"
    )
