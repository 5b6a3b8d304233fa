"""Satisfaction by version and by model: a rating counts for the version and model of the
answer it rates, on the answer's day and under its conversation's source, whatever order
ratings arrive in."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given, settings

from assistants import services
from assistants.models import ConfigurationVersion, Message
from assistants.versions import version_at
from feedback.models import Rating, VersionFeedback
from tests.factories import AssistantFactory, UserFactory, add_messages, chat_turn, rate
from tests.properties import (
    ON_THE_DATABASE,
    assert_ratings_recounted,
    rating_operations,
)

# Answers over four days around the end of summer time in New York (2026-11-01 06:00 UTC)
# and just after Paris's (2026-10-25), with two changes in between.
START = datetime(2026, 10, 31, 0, tzinfo=UTC)
CHANGES = [START + timedelta(hours=30), START + timedelta(hours=55, minutes=30)]
ANSWER_HOURS = [1, 4.5, 23.9, 29.99, 30.01, 31, 47, 55.4, 56, 71, 80, 95]


# The events API's answers of the world name a model (or none), in turn.
MODELS = ["fast-model", "slow-model", None]


def stored(assistant) -> dict[tuple[date, str, int, str], tuple[int, int]]:
    return {
        (row.day, row.source, row.version, row.model): (row.positive, row.negative)
        for row in VersionFeedback.objects.filter(assistant=assistant)
    }


def naive_recount(assistant) -> dict[tuple[date, str, int, str], tuple[int, int]]:
    """From the raw ratings: each current rating under its answer's day, source, version and
    model."""
    versions = list(
        ConfigurationVersion.objects.filter(assistant=assistant).values_list("number", "changed_at")
    )
    tally: Counter = Counter()
    for rating in Rating.objects.filter(assistant=assistant):
        answer = Message.objects.select_related("conversation").get(pk=rating.message_id)
        source = "api" if answer.conversation.external_id else "app"
        key = (
            answer.created_at.astimezone(assistant.tzinfo).date(),
            source,
            version_at(versions, answer.created_at),
            answer.model or "",
        )
        tally[key, rating.value] += 1
    keys = {key for key, _ in tally}
    return {key: (tally[key, "positive"], tally[key, "negative"]) for key in keys}


@pytest.fixture(params=["America/New_York", "Europe/Paris"])
def world(db, request):
    with time_machine.travel(START - timedelta(days=1), tick=False):
        assistant = AssistantFactory(time_zone=request.param)
    for number, at in enumerate(CHANGES, start=2):
        with time_machine.travel(at, tick=False):
            services.update_configuration(
                assistant=assistant, changed_by=assistant.creator, instructions=f"Take {number}"
            )
    person = UserFactory()
    services.set_member_role(assistant=assistant, user=person, role="user")
    answers = []
    for index, hours in enumerate(ANSWER_HOURS):
        at = START + timedelta(hours=hours)
        if index % 3 == 2:
            # A conversation of the events API (it has an external id): source "api".
            participant = services.ensure_participants(assistant=assistant, external_ids=["ext"])
            (conversation_id, _), *_ = services.ensure_conversations(
                assistant=assistant,
                conversations=[services.NewConversation(f"c{index}", participant["ext"], at)],
            ).values()
            conversation = assistant.conversations.get(pk=conversation_id)
            add_messages(assistant, conversation, ("user", at))
            model = MODELS[index // 3 % len(MODELS)]
            services.record_messages(
                assistant=assistant,
                messages=[
                    services.NewMessage(conversation_id, "assistant", "An answer", at, model=model)
                ],
            )
            answers.append(conversation.messages.get(role="assistant"))
        else:
            answers.append(chat_turn(assistant, person, at))
    return assistant, answers


operations = rating_operations(answers=len(ANSWER_HOURS), minutes=6 * 24 * 60, max_size=30)


@settings(ON_THE_DATABASE, max_examples=50)
@given(ops=operations)
def test_version_feedback_equals_a_naive_recount_and_a_rebuild(world, ops):
    assistant, answers = world
    assert_ratings_recounted(
        assistant, answers, ops, start=START, stored=stored, recount=naive_recount
    )


def test_a_rating_counts_for_the_answers_version_and_day_not_its_own(world):
    assistant, answers = world
    # Rated two days after it was given, under v3: it still counts for v1 on its own day.
    rate(assistant, answers[1], "positive", START + timedelta(days=3))
    answer_day = answers[1].created_at.astimezone(assistant.tzinfo).date()
    assert stored(assistant) == {(answer_day, "app", 1, ""): (1, 0)}
    # A re-rating moves the count between values, never between rows.
    rate(assistant, answers[1], "negative", START + timedelta(days=4))
    assert stored(assistant) == {(answer_day, "app", 1, ""): (0, 1)}


def test_answers_either_side_of_a_change_count_for_their_own_version(world):
    assistant, answers = world
    before, after = answers[3], answers[4]  # a minute before and after v2
    api = answers[2]
    for answer in (before, after, api):
        rate(assistant, answer, "positive", START + timedelta(days=5))
    versions = {key[2] for key in stored(assistant)}
    assert versions == {1, 2}
    assert stored(assistant) == naive_recount(assistant)
    assert {key[1] for key in stored(assistant)} == {"app", "api"}


def test_a_change_saved_before_a_later_answer_takes_that_answer(db):
    """The events API accepts timestamps a few minutes ahead: an answer rated before the
    change that precedes it is moved to the new version when the change is saved."""
    assistant = AssistantFactory()
    now = timezone.now()
    answer = chat_turn(assistant, assistant.creator, now + timedelta(minutes=3))
    rate(assistant, answer, "positive", now + timedelta(minutes=4))
    assert {key[2] for key in stored(assistant)} == {1}
    services.update_configuration(
        assistant=assistant, changed_by=assistant.creator, instructions="Sooner"
    )
    assert {key[2] for key in stored(assistant)} == {2}
    assert stored(assistant) == naive_recount(assistant)


def test_ratings_count_for_the_rated_answers_model(world):
    """Hand-counted: the events API's answers 2, 5 and 8 name fast-model, slow-model and no
    model; two ratings of fast-model (one changed to negative), one of slow-model, one of the
    answer without a model."""
    assistant, answers = world
    rate(assistant, answers[2], "positive", START + timedelta(days=4))
    rate(assistant, answers[2], "negative", START + timedelta(days=4, hours=1))
    rate(assistant, answers[5], "positive", START + timedelta(days=4))
    rate(assistant, answers[8], "positive", START + timedelta(days=4))
    by_model: Counter = Counter()
    for (_, _, _, model), (positive, negative) in stored(assistant).items():
        by_model[model, "positive"] += positive
        by_model[model, "negative"] += negative
    assert +by_model == {
        ("fast-model", "negative"): 1,
        ("slow-model", "positive"): 1,
        ("", "positive"): 1,
    }
    assert stored(assistant) == naive_recount(assistant)
