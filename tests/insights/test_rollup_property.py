"""For any stream of chat events, the rollups equal a naive recount from the raw events, and
`rebuild` writes exactly the rows the incremental path left."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Value
from django.db.models.functions import Concat
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants import rollups, services
from assistants.models import Conversation, DailyActiveUser, DailyUsage, UsageTotals
from tests.factories import AssistantFactory, UserFactory
from tests.insights.arrival import record_in_any_order
from tests.properties import ON_THE_DATABASE
from tests.recount import naive_usage

# Two weeks around the end of daylight saving time in Europe (Oct 25) and America (Nov 1).
START = datetime(2026, 10, 20, tzinfo=UTC)
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham"]
PEOPLE = 3
CONVERSATIONS = 5

message = st.tuples(
    st.integers(0, CONVERSATIONS - 1),
    st.sampled_from(["user", "assistant"]),
    st.integers(0, 14 * 24 * 60),  # minutes after START
)
stream = st.lists(message, min_size=0, max_size=40)


def _source(conversation: int) -> str:
    """Every third conversation comes through the events API."""
    return "api" if conversation % 3 == 2 else "app"


def naive_recount(events, tz):
    """The figures of SPEC §3 computed straight from the events, with no rollup: the daily
    ones per source, the all-time ones over both."""
    daily = {}
    for source in ("app", "api"):
        days, _ = naive_usage(
            (
                (conversation, conversation % PEOPLE, role, when)
                for conversation, role, when in events
                if _source(conversation) == source
            ),
            tz,
        )
        daily |= {(day, source): figures for day, figures in days.items()}
    _, totals = naive_usage(
        ((conversation, conversation % PEOPLE, role, when) for conversation, role, when in events),
        tz,
    )
    return daily, totals


def stored_figures(assistant):
    daily = {
        (row.day, row.source): (
            row.active_users,
            row.conversations,
            row.user_messages,
            row.assistant_messages,
        )
        for row in DailyUsage.objects.filter(assistant=assistant)
    }
    active = set(
        DailyActiveUser.objects.filter(assistant=assistant).values_list("day", "participant_id")
    )
    totals = UsageTotals.objects.filter(assistant=assistant).values_list(
        "users", "conversations", "messages"
    )[0]
    return daily, active, totals


@pytest.mark.django_db
@settings(ON_THE_DATABASE, max_examples=60)
@given(
    events=stream,
    zone=st.sampled_from(ZONES),
    batch_size=st.integers(1, 10),
    data=st.data(),
)
def test_rollups_equal_a_naive_recount_and_a_rebuild(events, zone, batch_size, data):
    assistant = AssistantFactory(time_zone=zone)
    people = [UserFactory() for _ in range(PEOPLE)]
    conversations = [
        services.start_conversation(assistant=assistant, user=people[index % PEOPLE])
        for index in range(CONVERSATIONS)
    ]
    Conversation.objects.filter(
        pk__in=[c.pk for i, c in enumerate(conversations) if _source(i) == "api"]
    ).update(external_id=Concat(Value("c"), "id"))
    timed = [(c, role, START + timedelta(minutes=minutes)) for c, role, minutes in events]
    # Events arrive in any order, in batches of any size.
    record_in_any_order(
        data, assistant=assistant, conversations=conversations, events=timed, batch_size=batch_size
    )

    expected_daily, expected_totals = naive_recount(timed, ZoneInfo(zone))
    daily, active, totals = stored_figures(assistant)
    assert daily == expected_daily
    assert totals == expected_totals

    rollups.rebuild([assistant.pk])
    assert stored_figures(assistant) == (daily, active, totals)
