"""For any chat history, erasing any people and purging any range of text leaves every
counter row exactly as it was, and `rebuild` afterwards writes those same rows: erasure
keeps what the counts need (role, time, conversation, person) and drops only text."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistants import retention, rollups, services
from assistants.models import Assistant, Message, Participant
from assistants.services import NewMessage
from feedback.models import Rating
from feedback.services import NewRating, record_ratings
from tests.factories import AssistantFactory, UserFactory
from tests.privacy.helpers import counter_rows

# Two weeks around the end of daylight saving time in Europe (Oct 25) and America (Nov 1).
START = datetime(2026, 10, 20, tzinfo=UTC)
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Pacific/Chatham"]
PEOPLE = 3
CONVERSATIONS = 5
MINUTES = 14 * 24 * 60

message = st.tuples(
    st.integers(0, CONVERSATIONS - 1),
    st.sampled_from(["user", "assistant"]),
    st.integers(0, MINUTES),
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=st.lists(message, max_size=30),
    zone=st.sampled_from(ZONES),
    rated=st.lists(st.tuples(st.integers(0, 29), st.booleans(), st.booleans()), max_size=8),
    erased_people=st.sets(st.integers(0, PEOPLE - 1)),
    purge=st.none() | st.tuples(st.integers(1, 14), st.integers(0, MINUTES + 14 * 24 * 60)),
    data=st.data(),
)
def test_erasing_people_and_ranges_changes_no_counter(
    events, zone, rated, erased_people, purge, data
):
    assistant = AssistantFactory(time_zone=zone)
    people = [UserFactory() for _ in range(PEOPLE)]
    conversations = [
        services.start_conversation(assistant=assistant, user=people[index % PEOPLE])
        for index in range(CONVERSATIONS)
    ]
    # Messages arrive in any order.
    timed = data.draw(
        st.permutations([(c, role, START + timedelta(minutes=m)) for c, role, m in events])
    )
    services.record_messages(
        assistant=assistant,
        messages=[
            NewMessage(conversations[c].pk, role, f"secret {i}", when)
            for i, (c, role, when) in enumerate(timed)
        ],
    )
    answers = list(
        Message.objects.filter(assistant=assistant, role="assistant")
        .select_related("conversation")
        .order_by("pk")
    )
    if answers:
        record_ratings(
            assistant=assistant,
            ratings=[
                NewRating(
                    message_id=answers[index % len(answers)].pk,
                    participant_id=answers[index % len(answers)].conversation.participant_id,
                    value="positive" if up else "negative",
                    rated_at=answers[index % len(answers)].created_at + timedelta(minutes=1),
                    comment=f"secret comment {index}",
                    share_contact=True,
                    contact_name="Secret Name",
                    share_chat=share,
                )
                for index, up, share in rated
            ],
        )
    before = counter_rows(assistant)

    for index in erased_people:
        participant = Participant.objects.filter(assistant=assistant, user=people[index]).first()
        if participant is not None:
            services.erase_person_content(assistant=assistant, participant=participant)
    if purge is not None:
        days, minutes = purge
        Assistant.objects.filter(pk=assistant.pk).update(retention_days=days)
        assistant.refresh_from_db()
        now = START + timedelta(minutes=minutes)
        batch_size = data.draw(st.integers(1, 7))
        list(retention.purge_expired_text(assistant, now=now, batch_size=batch_size))
        limit = now - timedelta(days=days)
        assert not Message.objects.filter(assistant=assistant, created_at__lt=limit).exclude(
            content=""
        )
        assert not Rating.objects.filter(
            assistant=assistant, message__created_at__lt=limit
        ).exclude(answer="")

    for index in erased_people:
        erased = Message.objects.filter(conversation__participant__user=people[index])
        assert not erased.exclude(content="").exists()
        assert not Rating.objects.filter(participant__user=people[index]).exclude(
            comment="", contact_name="", answer="", share_token=None
        )

    assert counter_rows(assistant) == before
    rollups.rebuild([assistant.pk])
    assert counter_rows(assistant) == before
