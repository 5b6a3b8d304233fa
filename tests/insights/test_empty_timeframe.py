"""A timeframe without activity says so in words (SPEC §4), a timeframe that begins before
the first activity draws its charts from it, and an invalid range keeps the typed dates."""

import json
import re
from datetime import UTC, datetime

import time_machine

from assistants import services
from tests.factories import UserFactory, add_messages

PAGE = "/assistants/{}/insights/"


def _chat_on(assistant, *moments):
    person = UserFactory()
    for moment in moments:
        conversation = services.start_conversation(assistant=assistant, user=person)
        add_messages(assistant, conversation, ("user", moment), ("assistant", moment))


def _figure(html: str, chart_id: str) -> dict:
    match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_a_new_assistant_says_no_activity_instead_of_empty_charts(people, client_as):
    response = client_as(people["creator"]).get(PAGE.format(people["assistant"].pk))
    assert response.status_code == 200
    assert "No activity" in response.text
    assert "Nobody has used" in response.text
    assert 'data-figure="' not in response.text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_a_quiet_timeframe_names_the_first_activity_and_links_to_it(people, client_as):
    assistant = people["assistant"]
    _chat_on(
        assistant, datetime(2026, 10, 5, 12, tzinfo=UTC), datetime(2026, 11, 20, 9, tzinfo=UTC)
    )
    client = client_as(people["creator"])

    for start, end in (("2001-01-01", "2001-12-31"), ("2027-01-01", "2027-01-31")):
        response = client.get(PAGE.format(assistant.pk) + f"?start={start}&end={end}")
        assert "No activity" in response.text
        assert 'data-testid="first-activity">Oct 5, 2026<' in response.text
        assert 'data-figure="' not in response.text
    # Before the first activity: a link to as many days from it.
    response = client.get(PAGE.format(assistant.pk) + "?start=2001-01-01&end=2001-01-10")
    assert "?start=2026-10-05&amp;end=2026-10-14" in response.text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_a_timeframe_that_begins_before_the_first_activity_starts_at_it(people, client_as):
    assistant = people["assistant"]
    _chat_on(assistant, datetime(2026, 11, 20, 9, tzinfo=UTC))
    response = client_as(people["creator"]).get(
        PAGE.format(assistant.pk) + "?start=2026-11-01&end=2026-11-24"
    )
    assert "No activity" not in response.text
    assert "The first activity was on Nov 20, 2026: the charts start there." in response.text
    figure = _figure(response.text, "chart-active-users")
    assert figure["data"][0]["x"] == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
        "2026-11-24",
    ]
    assert figure["data"][0]["y"] == [1, 0, 0, 0, 0]


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_an_invalid_range_keeps_the_typed_dates(people, client_as):
    response = client_as(people["creator"]).get(
        PAGE.format(people["assistant"].pk) + "?start=2026-11-20&end=2026-11-02"
    )
    assert response.status_code == 200
    assert "The start date must be on or before the end date." in response.text
    assert 'name="start" value="2026-11-20"' in response.text
    assert 'name="end" value="2026-11-02"' in response.text
