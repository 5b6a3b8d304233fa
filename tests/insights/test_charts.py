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
