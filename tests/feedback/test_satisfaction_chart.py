from datetime import UTC, date, datetime, timedelta

import plotly.graph_objects as go

from insights import charts
from insights.selectors import DayFigures
from tests.factories import chat_turn, rate


def test_satisfaction_is_the_share_of_positive_ratings_with_gaps_for_days_without():
    days = [
        DayFigures(day=date(2026, 11, 1), positive_feedback=3, negative_feedback=1),
        DayFigures(day=date(2026, 11, 2)),
        DayFigures(day=date(2026, 11, 3), positive_feedback=0, negative_feedback=2),
        DayFigures(day=date(2026, 11, 4), positive_feedback=1, negative_feedback=2),
    ]
    figure = charts.satisfaction_figure(days, [])
    go.Figure(figure)  # a valid Plotly figure
    bars, line = figure["data"]
    assert line["y"] == [75.0, None, 0.0, 33.3]
    assert bars["y"] == [4, 0, 2, 3]
    assert line["x"] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]


def test_the_analytics_tab_draws_the_satisfaction_chart(people, client_as):
    assistant = people["assistant"]
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for value in ("positive", "positive", "negative"):
        answer = chat_turn(assistant, people["user"], today - timedelta(days=1))
        rate(assistant, answer, value, today - timedelta(days=1, minutes=-5))
    response = client_as(people["creator"]).get(f"/assistants/{assistant.pk}/insights/")
    html = response.content.decode()
    assert 'id="chart-satisfaction"' in html
    assert "66.7" in html.split('id="chart-satisfaction-data"')[1].split("</script>")[0]
