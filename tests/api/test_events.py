"""Storing events: messages and feedback as in the app's own chat, retries, partial batches,
time rules and out-of-order events."""

import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection

from assistants.models import Conversation, DailyUsage, Message, Participant, UsageTotals
from feedback.models import DailyFeedback, Rating
from tests.api.conftest import feedback, message

NOW = "2026-11-24T12:00:00Z"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _conversation_batch():
    return [
        message("m1", content="How do I reset my password?"),
        message("m2", role="assistant", timestamp="2026-11-20T10:00:05Z", content="Settings."),
        message("m3", timestamp="2026-11-20T10:02:00Z", content="Thanks"),
    ]


def test_messages_are_stored_and_counted(post, assistant):
    response = post(_conversation_batch())
    assert response.status_code == 200
    assert response.json() == {"accepted": 3, "duplicates": 0, "errors": []}
    conversation = Conversation.objects.get(assistant=assistant, external_id="c1")
    assert conversation.participant.external_id == "u1"
    assert list(conversation.messages.order_by("created_at").values_list("role", "content")) == [
        ("user", "How do I reset my password?"),
        ("assistant", "Settings."),
        ("user", "Thanks"),
    ]
    day = DailyUsage.objects.get(assistant=assistant)
    assert (day.day, day.active_users, day.conversations) == (date(2026, 11, 20), 1, 1)
    assert (day.user_messages, day.assistant_messages) == (2, 1)
    totals = UsageTotals.objects.get(assistant=assistant)
    assert (totals.users, totals.conversations, totals.messages) == (1, 1, 3)


def test_people_named_in_events_never_get_a_login(post, assistant):
    users_before = get_user_model().objects.count()
    post([message("m1", user="ada@example.com"), message("m2", user="bob", conversation="c2")])
    assert get_user_model().objects.count() == users_before
    people = Participant.objects.filter(assistant=assistant)
    assert sorted(people.values_list("external_id", flat=True)) == ["ada@example.com", "bob"]
    assert not people.filter(user__isnull=False).exists()
    assert UsageTotals.objects.get(assistant=assistant).users == 2


def test_a_retried_batch_changes_nothing_and_reports_duplicates(post, assistant):
    post(_conversation_batch() + [feedback("f1")])
    before = list(DailyUsage.objects.values()), list(DailyFeedback.objects.values())
    response = post(_conversation_batch() + [feedback("f1")])
    assert response.json() == {"accepted": 0, "duplicates": 4, "errors": []}
    assert (list(DailyUsage.objects.values()), list(DailyFeedback.objects.values())) == before
    assert Message.objects.count() == 3
    assert Rating.objects.count() == 1


def test_an_id_repeated_within_a_batch_is_a_duplicate(post):
    response = post([message("m1"), message("m1", content="again")])
    assert response.json() == {"accepted": 1, "duplicates": 1, "errors": []}
    assert Message.objects.get().content == "Hello"


def test_a_partial_batch_stores_the_good_events_and_lists_the_bad_ones(post):
    response = post(
        [
            message("m1"),
            message("m2", role="robot"),
            {"type": "message", "id": "m3"},
            "not an event",
            message("m4", timestamp="yesterday"),
            message("m5", conversation="c2"),
        ]
    )
    body = response.json()
    assert response.status_code == 200
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    assert [(error["index"], error["id"]) for error in body["errors"]] == [
        (1, "m2"),
        (2, "m3"),
        (3, None),
        (4, "m4"),
    ]
    reasons = [error["error"] for error in body["errors"]]
    assert "role" in reasons[0]
    assert "conversation: is required" in reasons[1]
    assert "JSON object" in reasons[2]
    assert "RFC 3339" in reasons[3]
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["m1", "m5"]


@pytest.mark.parametrize(
    "timestamp",
    ["2026-11-20T10:00:00", "2026-11-20 10:00:00Z", "1763632800", "2026-11-20", "20261120T100000Z"],
)
def test_a_timestamp_without_an_offset_or_not_rfc_3339_is_refused(post, timestamp):
    body = post([message("m1", timestamp=timestamp)]).json()
    assert body["accepted"] == 0
    assert body["errors"][0]["error"].startswith("timestamp:")


@pytest.mark.parametrize(
    ("timestamp", "day"),
    [
        ("2026-11-20T23:30:00Z", date(2026, 11, 21)),  # already the 21st in Paris
        ("2026-11-21T00:30:00+01:00", date(2026, 11, 21)),
        ("2026-11-20T18:30:00.123456789-05:00", date(2026, 11, 21)),
        ("2026-11-20t10:00:00z", date(2026, 11, 20)),
    ],
)
def test_an_offset_timestamp_lands_on_its_day_in_the_reporting_zone(
    post, assistant, timestamp, day
):
    assert post([message("m1", timestamp=timestamp)]).json()["accepted"] == 1
    assert DailyUsage.objects.get(assistant=assistant).day == day


def test_events_more_than_five_minutes_ahead_are_refused_per_event(post):
    response = post(
        [
            message("m1", timestamp="2026-11-24T12:04:59Z"),
            message("m2", timestamp="2026-11-24T12:05:01Z"),
            message("m3", timestamp="2026-11-24T13:04:00+01:00"),
        ]
    )
    body = response.json()
    assert body["accepted"] == 2
    assert [(error["index"], error["id"]) for error in body["errors"]] == [(1, "m2")]
    assert "future" in body["errors"][0]["error"]


def test_old_events_are_accepted_and_land_on_their_own_day(post, assistant):
    body = post([message("m1", timestamp="2019-03-01T08:00:00+01:00")]).json()
    assert body["accepted"] == 1
    assert DailyUsage.objects.get(assistant=assistant).day == date(2019, 3, 1)


@pytest.mark.parametrize("timestamp", ["1969-12-31T23:59:59Z", "9999-12-31T23:59:59-23:59"])
def test_timestamps_out_of_range_are_refused(post, timestamp):
    body = post([message("m1", timestamp=timestamp)]).json()
    assert body["accepted"] == 0 and body["errors"][0]["error"].startswith("timestamp:")


def test_message_content_is_at_most_64_kib(post):
    fits = "é" * (32 * 1024)  # 64 KiB in UTF-8
    too_long = "é" * (32 * 1024) + "x"
    body = post([message("m1", content=fits), message("m2", content=too_long)]).json()
    assert body["accepted"] == 1
    assert [error["id"] for error in body["errors"]] == ["m2"]
    assert "64 KiB" in body["errors"][0]["error"]


def test_a_conversation_is_created_by_its_first_message_event_whichever_arrives_first(
    post, assistant
):
    # The answer arrives before the question.
    post([message("m2", role="assistant", timestamp="2026-11-20T10:00:05Z")])
    conversation = Conversation.objects.get(external_id="c1")
    post([message("m1", timestamp="2026-11-20T09:59:00Z")])
    assert Conversation.objects.get(external_id="c1").pk == conversation.pk
    conversation.refresh_from_db()
    assert conversation.first_message_at == datetime(2026, 11, 20, 9, 59, tzinfo=UTC)
    day = DailyUsage.objects.get(assistant=assistant)
    assert (day.conversations, day.active_users, day.user_messages) == (1, 1, 1)
    assert UsageTotals.objects.get(assistant=assistant).conversations == 1


def test_a_conversation_belongs_to_the_user_of_its_first_message(post):
    post([message("m1", user="ada")])
    body = post([message("m2", user="bob"), message("m3", user="ada")]).json()
    assert body["accepted"] == 1
    assert body["errors"][0]["id"] == "m2"
    assert "belongs to another user" in body["errors"][0]["error"]


def test_feedback_is_stored_like_a_rating_in_the_app(post, assistant):
    body = post(
        _conversation_batch()
        + [
            feedback(
                "f1",
                rating="negative",
                comment="Too short",
                contact={"name": "Ada", "email": "ada@example.com"},
                share_chat=True,
            )
        ]
    ).json()
    assert body == {"accepted": 4, "duplicates": 0, "errors": []}
    rating = Rating.objects.get(assistant=assistant)
    assert rating.message.external_id == "m2"
    assert rating.participant.external_id == "u1"
    assert (rating.value, rating.comment) == ("negative", "Too short")
    assert (rating.share_contact, rating.contact_name, rating.contact_email) == (
        True,
        "Ada",
        "ada@example.com",
    )
    assert rating.share_token is not None
    assert rating.chat_shared_at == datetime(2026, 11, 20, 10, 1, tzinfo=UTC)
    day = DailyFeedback.objects.get(assistant=assistant)
    assert (day.day, day.positive, day.negative) == (date(2026, 11, 20), 0, 1)


def test_feedback_without_contact_is_anonymous(post, assistant):
    post(_conversation_batch() + [feedback("f1")])
    rating = Rating.objects.get(assistant=assistant)
    assert (rating.share_contact, rating.contact_name, rating.contact_email) == (False, "", "")
    assert rating.share_token is None


def test_a_later_feedback_event_changes_the_rating_and_moves_it(post, assistant):
    post(_conversation_batch() + [feedback("f1")])
    post([feedback("f2", rating="negative", timestamp="2026-11-22T09:00:00Z")])
    rating = Rating.objects.get(assistant=assistant)
    assert rating.value == "negative"
    assert set(DailyFeedback.objects.values_list("day", "positive", "negative")) == {
        (date(2026, 11, 22), 0, 1)
    }


def test_feedback_for_a_message_not_stored_yet_asks_to_retry_later(post):
    body = post([feedback("f1", message="m2")]).json()
    assert body["accepted"] == 0
    error = body["errors"][0]
    assert (error["index"], error["id"]) == (0, "f1")
    assert "not stored yet" in error["error"] and "again" in error["error"]
    # Once the message has arrived, the same feedback event is accepted.
    post(_conversation_batch())
    assert post([feedback("f1", message="m2")]).json()["accepted"] == 1


def test_feedback_and_its_message_may_come_in_the_same_batch_in_any_order(post):
    body = post([feedback("f1")] + _conversation_batch()).json()
    assert body == {"accepted": 4, "duplicates": 0, "errors": []}


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (feedback("f1", message="m1"), "only answers are rated"),
        (feedback("f1", user="mallory"), "is not the person"),
        (feedback("f1", rating="meh"), "rating"),
        (feedback("f1", contact={"email": "not-an-address"}), "e-mail"),
        (feedback("f1", share_chat="yes"), "share_chat"),
        (feedback("f1", comment="x" * 2001), "comment"),
    ],
)
def test_bad_feedback_is_refused_with_a_reason(post, event, reason):
    body = post(_conversation_batch() + [event]).json()
    assert body["accepted"] == 3
    assert body["errors"][0]["index"] == 3
    assert reason in body["errors"][0]["error"]
    assert not Rating.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_answer_comes_after_the_events_are_committed(post, assistant):
    response = post(_conversation_batch())
    assert response.status_code == 200
    assert not connection.in_atomic_block
    # Another connection sees the events as soon as the answer is out.
    seen = []

    def count_from_another_connection():
        seen.append(Message.objects.filter(assistant_id=assistant.pk).count())
        connection.close()

    thread = threading.Thread(target=count_from_another_connection)
    thread.start()
    thread.join()
    assert seen == [3]
