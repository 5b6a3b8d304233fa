"""The Analytics tab's before/after table follows the impact page's rules and links to it."""

from datetime import UTC, datetime, timedelta

import time_machine

from assistants import services
from tests.factories import UserFactory, add_messages

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _chat_daily(assistant, person, first: datetime, days: int, per_day: int = 1):
    for offset in range(days):
        moment = first + timedelta(days=offset)
        for _ in range(per_day):
            conversation = services.start_conversation(assistant=assistant, user=person)
            add_messages(assistant, conversation, ("user", moment), ("assistant", moment))


@time_machine.travel(NOW, tick=False)
def test_months_before_the_first_activity_are_not_zero_days(people, client_as):
    """The issue's example: over the last 12 months, a change 7 days after the first activity
    compared 7.0 → 50.9 users a day because the empty months counted as days."""
    assistant, creator = people["assistant"], people["creator"]
    persons = [UserFactory() for _ in range(3)]
    start = datetime(2026, 10, 20, 12, tzinfo=UTC)
    for person in persons:
        _chat_daily(assistant, person, start, days=8)  # Oct 20-27
    with time_machine.travel(datetime(2026, 10, 28, 9, tzinfo=UTC), tick=False):
        version = services.update_configuration(
            assistant=assistant, changed_by=creator, instructions="Be brief."
        )
    for person in persons:
        _chat_daily(assistant, person, start + timedelta(days=9), days=14)  # Oct 29 - Nov 11
    # A time-zone-only save: kept, but neither compared nor a neighbour that clips.
    services.update_configuration(assistant=assistant, changed_by=creator, time_zone="UTC")

    text = (
        client_as(creator)
        .get(f"/assistants/{assistant.pk}/insights/?start=2025-11-25&end=2026-11-24")
        .text
    )
    assert f'href="/assistants/{assistant.pk}/insights/changes/{version.number}/"' in text
    # 8 days before (from the first activity), 14 after; 3 users a day on each side.
    assert "<td>8 / 14</td>" in text
    assert "3.0 → <strong>3.0</strong>" in text
    assert "no clear change" in text
    assert "changes/4/" not in text


@time_machine.travel(NOW, tick=False)
def test_the_changes_section_lists_every_version_with_its_satisfaction(people, client_as):
    assistant, creator = people["assistant"], people["creator"]
    services.update_configuration(assistant=assistant, changed_by=creator, model="gpt-small")
    services.update_configuration(assistant=assistant, changed_by=creator, time_zone="Asia/Tokyo")
    text = client_as(creator).get(f"/assistants/{assistant.pk}/insights/").text
    assert 'id="changes-title"' in text
    assert f'<a href="/assistants/{assistant.pk}/insights/changes/2/">Version 2</a>' in text
    assert "v3: time zone only" in text
    assert "changes/3/" not in text
    assert text.count("no ratings") == 2  # v2 (with v3) and v1
