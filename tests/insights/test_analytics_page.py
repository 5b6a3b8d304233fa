from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from assistants import services
from tests.factories import UserFactory, add_messages

PAGE = "/assistants/{}/insights/"


def _fill(assistant, *, people: int, days: int):
    """`people` users each chat on each of `days` days before Nov 24, 2026."""
    for person in [UserFactory() for _ in range(people)]:
        for day in range(days):
            conversation = services.start_conversation(assistant=assistant, user=person)
            moment = datetime(2026, 11, 23, 12, tzinfo=UTC) - timedelta(days=day)
            add_messages(assistant, conversation, ("user", moment), ("assistant", moment))


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_full_page_and_htmx_partial(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    full = client.get(PAGE.format(assistant.pk))
    assert full.status_code == 200
    assert "<html" in full.text
    assert 'id="insights-body"' in full.text
    assert "Last 30 days" in full.text

    partial = client.get(
        PAGE.format(assistant.pk) + "?start=2026-11-18&end=2026-11-24",
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="insights-body"' in partial.text
    assert "Nov 18, 2026 – Nov 24, 2026" in partial.text
    assert partial["Vary"] and "HX-Request" in partial["Vary"]


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_history_restore_gets_the_full_page(people, client_as):
    assistant = people["assistant"]
    response = client_as(people["editor"]).get(
        PAGE.format(assistant.pk),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_page_shows_cards_charts_and_the_shown_range(people, client_as):
    assistant = people["assistant"]
    _fill(assistant, people=2, days=3)
    response = client_as(people["creator"]).get(
        PAGE.format(assistant.pk) + "?start=2026-11-01&end=2026-11-24"
    )
    text = response.text
    assert 'data-testid="total-users">2<' in text
    assert 'data-testid="total-conversations">6<' in text
    assert 'data-testid="total-messages">12<' in text
    for chart in ("chart-active-users", "chart-conversations", "chart-messages"):
        assert f'id="{chart}-data"' in text
    assert "24 days" in text
    assert (
        f'href="/assistants/{assistant.pk}/insights/analytics.csv?start=2026-11-01&amp;end=2026-11-24'
        '&amp;by=day&amp;source=all"' in text
    )


@time_machine.travel("2026-11-24 12:00Z", tick=False)
@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("start=2026-11-20&end=2026-11-01", "The start date must be on or before the end date."),
        ("start=2026-11-20", "Choose both a start and an end date."),
        ("start=yesterday&end=2026-11-01", "Enter a valid date."),
        ("start=2000-01-01&end=2026-11-01", "Choose a timeframe of at most 1830 days."),
    ],
)
def test_a_bad_timeframe_explains_itself_and_shows_the_default(people, client_as, query, error):
    response = client_as(people["creator"]).get(PAGE.format(people["assistant"].pk) + "?" + query)
    assert response.status_code == 200
    assert error in response.text
    assert "Showing the last 30 days instead." in response.text
    assert "Oct 26, 2026 – Nov 24, 2026" in response.text


def test_query_count_does_not_grow_with_the_data(people, client_as, django_assert_num_queries):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    url = PAGE.format(assistant.pk) + "?start=2025-11-25&end=2026-11-24"
    # Session, user, assistant with role, totals, daily usage, daily feedback, versions,
    # the first day of activity, quality and cost (one, `insights.quality.quality_figures`,
    # which the Changes section reads too), and the People figures: the people counters of
    # the days (with the adoption funnel's), and one read of the person-day rows.
    with django_assert_num_queries(11):
        client.get(url)
    _fill(assistant, people=5, days=30)
    with time_machine.travel("2026-11-10 09:00Z", tick=False):
        services.update_configuration(
            assistant=assistant, changed_by=people["creator"], description="More data"
        )
    # A change in the timeframe adds its before/after: the days around it (with the first
    # active day), their version feedback and answer stats, and the sides' latency
    # histograms, four queries for any number of changes; the most active people listed
    # (five active people) come with the person-day rows' read.
    with django_assert_num_queries(15):
        response = client.get(url)
    assert 'data-testid="total-messages">300<' in response.text
    assert 'data-testid="people-top"' in response.text
