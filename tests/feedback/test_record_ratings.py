from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

from assistants import services
from feedback.models import DailyFeedback, Rating
from feedback.services import NewRating, rate_answer, record_ratings
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate
from tests.properties import (
    ON_THE_DATABASE,
    assert_ratings_recounted,
    rating_operations,
)

NOON = datetime(2026, 11, 20, 12, tzinfo=UTC)


def counters(assistant) -> dict[date, tuple[int, int]]:
    return {
        row.day: (row.positive, row.negative)
        for row in DailyFeedback.objects.filter(assistant=assistant)
    }


def naive_recount(assistant) -> dict[date, tuple[int, int]]:
    tz = ZoneInfo(assistant.time_zone)
    tally: Counter = Counter()
    for rating in Rating.objects.filter(assistant=assistant):
        tally[(rating.rated_at.astimezone(tz).date(), rating.value)] += 1
    days = {day for day, _ in tally}
    return {day: (tally[(day, "positive")], tally[(day, "negative")]) for day in days}


def test_a_rating_counts_on_its_day_in_the_reporting_zone(db):
    assistant = AssistantFactory(time_zone="Europe/Paris")
    answer = chat_turn(assistant, assistant.creator, NOON)
    # 23:30 UTC is already the next day in Paris.
    rate(assistant, answer, "negative", datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    assert counters(assistant) == {date(2026, 11, 21): (0, 1)}


def test_a_reason_given_twice_is_stored_once(db):
    """Counted once: the tab's counts under a reason count ratings, not picks."""
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    reasons = ("Inaccurate", "Too long", "Inaccurate")
    rate(assistant, answer, "negative", NOON + timedelta(minutes=1), reasons=reasons)
    assert Rating.objects.get(message=answer).reasons == ["Inaccurate", "Too long"]


def test_re_rating_moves_the_feedback_to_the_day_and_value_of_the_change(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    other = chat_turn(assistant, assistant.creator, NOON)
    rate(assistant, answer, "positive", NOON)
    rate(assistant, other, "positive", NOON)
    assert counters(assistant) == {date(2026, 11, 20): (2, 0)}

    rate(assistant, answer, "negative", NOON + timedelta(days=2))
    assert counters(assistant) == {date(2026, 11, 20): (1, 0), date(2026, 11, 22): (0, 1)}

    rate(assistant, other, "negative", NOON + timedelta(days=2, hours=1))
    # The first day lost its last rating: no row is left behind, as after a rebuild.
    assert counters(assistant) == {date(2026, 11, 22): (0, 2)}
    assert Rating.objects.filter(assistant=assistant).count() == 2


def test_a_retried_event_is_skipped(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    first = rate(assistant, answer, "positive", NOON, external_id="fb-1")
    assert first is not None
    assert (
        rate(assistant, answer, "negative", NOON + timedelta(hours=1), external_id="fb-1") is None
    )
    assert Rating.objects.get().value == "positive"
    assert counters(assistant) == {date(2026, 11, 20): (1, 0)}


def test_an_older_event_does_not_replace_the_current_rating(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    rate(assistant, answer, "negative", NOON + timedelta(days=1), external_id="late")
    assert rate(assistant, answer, "positive", NOON, external_id="early") is None
    assert Rating.objects.get().value == "negative"
    assert counters(assistant) == {date(2026, 11, 21): (0, 1)}


def test_only_an_answer_in_the_raters_own_conversation_can_be_rated(db):
    assistant = AssistantFactory()
    someone = UserFactory()
    services.set_member_role(assistant=assistant, user=someone, role="user")
    answer = chat_turn(assistant, assistant.creator, NOON)
    other_participant = services.participant_for(assistant=assistant, user=someone)
    question = answer.conversation.messages.get(role="user")
    elsewhere = chat_turn(AssistantFactory(), someone, NOON)

    written = record_ratings(
        assistant=assistant,
        ratings=[
            NewRating(answer.pk, other_participant.pk, "positive", NOON),
            NewRating(question.pk, answer.conversation.participant_id, "positive", NOON),
            NewRating(elsewhere.pk, elsewhere.conversation.participant_id, "positive", NOON),
        ],
    )
    assert written == []
    assert not Rating.objects.exists()
    assert counters(assistant) == {}


def test_a_malformed_rating_writes_nothing(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    participant = answer.conversation.participant_id
    for bad in [
        NewRating(answer.pk, participant, "meh", NOON),
        NewRating(answer.pk, participant, "positive", NOON.replace(tzinfo=None)),
        NewRating(answer.pk, participant, "positive", NOON, comment="x" * 2001),
        NewRating(answer.pk, participant, "positive", NOON, share_contact=True, contact_email="no"),
    ]:
        with pytest.raises(ValueError):
            record_ratings(assistant=assistant, ratings=[bad])
    assert not Rating.objects.exists()


def test_contact_details_are_kept_only_when_shared(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    rate(assistant, answer, "positive", NOON, contact_name="Ada", contact_email="ada@example.com")
    rating = Rating.objects.get()
    assert (rating.contact_name, rating.contact_email) == ("", "")

    rate(
        assistant,
        answer,
        "positive",
        NOON + timedelta(minutes=1),
        share_contact=True,
        contact_name="Ada",
        contact_email="ada@example.com",
    )
    rating.refresh_from_db()
    assert (rating.contact_name, rating.contact_email) == ("Ada", "ada@example.com")


def test_a_shared_chat_is_the_conversation_at_the_rating_time_and_keeps_its_link(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    rate(assistant, answer, "positive", NOON, share_chat=True)
    rating = Rating.objects.get()
    assert rating.chat_shared_at == NOON
    token = rating.share_token

    rate(assistant, answer, "negative", NOON + timedelta(hours=1), share_chat=True)
    rating.refresh_from_db()
    assert (rating.share_token, rating.chat_shared_at) == (token, NOON + timedelta(hours=1))

    rate(assistant, answer, "negative", NOON + timedelta(hours=2))
    rating.refresh_from_db()
    assert rating.share_token is None and rating.chat_shared_at is None


def test_the_chats_thumbs_change_the_value_and_keep_the_details(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    participant = answer.conversation.participant_id
    rate(assistant, answer, "positive", NOON, comment="Helpful", share_chat=True)

    assert not rate_answer(
        assistant=assistant,
        message_id=answer.pk,
        participant_id=participant,
        value="positive",
        at=NOON + timedelta(days=1),
    )
    assert counters(assistant) == {date(2026, 11, 20): (1, 0)}

    assert rate_answer(
        assistant=assistant,
        message_id=answer.pk,
        participant_id=participant,
        value="negative",
        at=NOON + timedelta(days=1),
    )
    rating = Rating.objects.get()
    assert (rating.value, rating.comment, rating.chat_shared) == ("negative", "Helpful", True)
    assert counters(assistant) == {date(2026, 11, 21): (0, 1)}


def test_a_batch_costs_the_same_queries_as_one_rating(db, django_assert_num_queries):
    assistant = AssistantFactory()
    answers = [chat_turn(assistant, assistant.creator, NOON) for _ in range(30)]
    participant = answers[0].conversation.participant_id

    def batch(items, value, at):
        return [
            NewRating(a.pk, participant, value, at, external_id=f"{value}{a.pk}") for a in items
        ]

    one, many = batch(answers[:1], "positive", NOON), batch(answers, "positive", NOON)
    moved = batch(answers, "negative", NOON + timedelta(days=1))
    # Lock, replaced values, upsert, version counters, facet rows, plus the savepoint pair of
    # the nested transaction in a test.
    with django_assert_num_queries(7):
        record_ratings(assistant=assistant, ratings=one)
    with django_assert_num_queries(7):
        assert len(record_ratings(assistant=assistant, ratings=many)) == 29
    # Moving every rating off a day also removes the emptied day: one more query.
    with django_assert_num_queries(8):
        record_ratings(assistant=assistant, ratings=moved)
    assert counters(assistant) == {date(2026, 11, 21): (0, 30)}


def test_a_batch_keeps_the_last_rating_of_an_answer_and_the_first_of_an_id(db):
    assistant = AssistantFactory()
    answer = chat_turn(assistant, assistant.creator, NOON)
    other = chat_turn(assistant, assistant.creator, NOON)
    participant = answer.conversation.participant_id
    written = record_ratings(
        assistant=assistant,
        ratings=[
            NewRating(answer.pk, participant, "positive", NOON, external_id="a"),
            NewRating(
                answer.pk, participant, "negative", NOON + timedelta(hours=1), external_id="b"
            ),
            NewRating(other.pk, participant, "positive", NOON, external_id="b"),
        ],
    )
    assert [external_id for _, external_id in written] == ["b"]
    assert Rating.objects.get().value == "negative"
    assert counters(assistant) == {date(2026, 11, 20): (0, 1)}


def test_a_new_reporting_time_zone_moves_feedback_to_its_days(db):
    assistant = AssistantFactory(time_zone="UTC")
    answer = chat_turn(assistant, assistant.creator, NOON)
    rate(assistant, answer, "positive", datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    services.update_configuration(
        assistant=assistant, changed_by=assistant.creator, time_zone="Asia/Tokyo"
    )
    assert counters(assistant) == {date(2026, 11, 21): (1, 0)}


# Times around the end of summer time in New York (2026-11-01 06:00 UTC), so that day edges
# and the DST change both fall inside the generated sequences.
START = datetime(2026, 10, 31, 0, tzinfo=UTC)
operations = rating_operations(answers=4, minutes=4 * 24 * 60, max_size=25)


@pytest.fixture
def rated_world(db):
    assistant = AssistantFactory(time_zone="America/New_York")
    people = [UserFactory(), UserFactory()]
    for person in people:
        services.set_member_role(assistant=assistant, user=person, role="user")
    answers = [chat_turn(assistant, person, START) for person in people for _ in range(2)]
    return assistant, answers


@settings(ON_THE_DATABASE, max_examples=60)
@given(ops=operations)
def test_daily_feedback_equals_a_naive_recount_and_a_rebuild(rated_world, ops):
    assistant, answers = rated_world
    assert_ratings_recounted(
        assistant, answers, ops, start=START, stored=counters, recount=naive_recount
    )
