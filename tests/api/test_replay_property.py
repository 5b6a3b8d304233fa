"""Property: however a history of events is cut into batches, replayed and shuffled, the
counters equal a naive recount of the acknowledged events, and every acknowledged message id
is stored exactly once."""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants import services
from assistants.models import Message
from insights.bench.recount import counters, recounted
from tests.api.conftest import EVENTS_URL
from tests.factories import AssistantFactory
from tests.properties import ON_THE_DATABASE
from tests.recount import naive_usage

ZONE = "Europe/Paris"
# Two weeks around the end of daylight saving time in Paris (Oct 25).
START = datetime(2026, 10, 18, tzinfo=UTC)
CONVERSATIONS = 6
PEOPLE = 4


def _moment(event) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def _stamp(minutes: int) -> str:
    # Senders use various offsets; all must land on the same instant.
    offset = [timedelta(0), timedelta(hours=2), timedelta(hours=-5, minutes=-30)][minutes % 3]
    return (START + timedelta(minutes=minutes)).astimezone(timezone(offset)).isoformat()


@st.composite
def histories(draw):
    """Message events, then feedback on some of the assistant's answers."""
    count = draw(st.integers(1, 40))
    messages = []
    for number in range(count):
        conversation = draw(st.integers(0, CONVERSATIONS - 1))
        messages.append(
            {
                "type": "message",
                "id": f"m{number}",
                "conversation": f"c{conversation}",
                "user": f"u{conversation % PEOPLE}",
                "role": draw(st.sampled_from(["user", "assistant"])),
                "timestamp": _stamp(draw(st.integers(0, 14 * 24 * 60))),
                "content": "…",
            }
        )
    answers = [event for event in messages if event["role"] == "assistant"]
    ratings = []
    if answers:
        minutes = draw(
            st.lists(st.integers(0, 14 * 24 * 60), unique=True, max_size=12)
        )  # distinct times: the latest rating of an answer is unambiguous
        for number, minute in enumerate(minutes):
            answer = draw(st.sampled_from(answers))
            ratings.append(
                {
                    "type": "feedback",
                    "id": f"f{number}",
                    "message": answer["id"],
                    "user": answer["user"],
                    "rating": draw(st.sampled_from(["positive", "negative"])),
                    "timestamp": _stamp(minute),
                }
            )
    return messages + ratings


@st.composite
def deliveries(draw):
    """The history cut into batches, some sent twice, all in a shuffled order."""
    events = draw(histories())
    shuffled = draw(st.permutations(events))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(shuffled) - 1)), max_size=6)))
    batches = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    batches = [batch for batch in batches if batch]
    replays = draw(st.lists(st.sampled_from(batches), max_size=3))
    order = draw(st.permutations(batches + replays))
    return events, order


def naive_recount(messages, ratings, tz):
    usage, users_conversations_messages = naive_usage(
        (
            (event["conversation"], event["user"], event["role"], _moment(event))
            for event in messages
        ),
        tz,
    )
    # Every event comes through the events API: its counters are the "api" source's.
    daily = sorted((day, "api", *figures) for day, figures in usage.items())
    totals = [users_conversations_messages]
    current = {}
    for event in ratings:
        key = (event["message"], event["user"])
        moment = _moment(event)
        if key not in current or moment > current[key][0]:
            current[key] = (moment, event["rating"])
    per_day = defaultdict(lambda: [0, 0])
    for moment, value in current.values():
        per_day[moment.astimezone(tz).date()][value == "negative"] += 1
    feedback = sorted(
        (day, "api", positive, negative) for day, (positive, negative) in per_day.items()
    )
    return daily, totals, feedback


@pytest.mark.django_db
@settings(ON_THE_DATABASE, max_examples=40)
@given(delivery=deliveries())
def test_replayed_and_shuffled_batches_leave_exact_counters(client, delivery):
    events, batches = delivery
    assistant = AssistantFactory(time_zone=ZONE)
    _, key = services.create_api_key(
        assistant=assistant, name="Replay", created_by=None, requests_per_minute=10_000
    )

    def send(batch):
        response = client.post(
            EVENTS_URL,
            json.dumps({"events": batch}),
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 200
        return response.json()

    acknowledged = {}
    with time_machine.travel("2026-11-24T12:00:00Z", tick=False):
        pending = []
        for batch in batches:
            result = send(batch)
            refused = {error["index"] for error in result["errors"]}
            for index, event in enumerate(batch):
                if index in refused:
                    pending.append(event)
                else:
                    acknowledged[event["id"]] = event
            assert result["accepted"] + result["duplicates"] == len(batch) - len(refused)
        if pending:
            # Feedback sent before its message: sent again, as the sender is told to.
            assert send(pending)["errors"] == []
            acknowledged.update((event["id"], event) for event in pending)

    assert set(acknowledged) == {event["id"] for event in events}
    messages = [event for event in acknowledged.values() if event["type"] == "message"]
    ratings = [event for event in acknowledged.values() if event["type"] == "feedback"]
    stored = list(Message.objects.filter(assistant=assistant).values_list("external_id", flat=True))
    assert sorted(stored) == sorted(event["id"] for event in messages)

    daily, totals, feedback = naive_recount(messages, ratings, ZoneInfo(ZONE))
    figures = counters(assistant.pk)
    assert figures["daily"] == daily
    assert figures["totals"] == totals
    assert figures["feedback"] == feedback
    assert figures == recounted(assistant.pk)
