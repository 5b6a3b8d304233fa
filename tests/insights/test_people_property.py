"""For any stream of chat events of both sources, arriving in any order, the people counters
(`DailyPeople`, every day and scope) and the People figures equal a naive recount from the
raw events, for every source and bucket; and `rebuild` leaves the person-day rows, the
people counters and the pseudonyms as the write path left them."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants import rollups, services
from assistants.models import Conversation, DailyActiveUser, DailyPeople, Participant
from assistants.services import NewMessage
from assistants.timeframe import By, DateRange
from insights import people
from insights.forms import Source
from tests.factories import AssistantFactory, UserFactory
from tests.insights.arrival import record_in_any_order
from tests.properties import ON_THE_DATABASE
from tests.recount import counter_columns, naive_people, naive_person_days

# Five weeks around the end of daylight saving time in Europe (Oct 25) and America (Nov 1).
START = datetime(2026, 10, 5, tzinfo=UTC)
SPAN_DAYS = 35
ZONES = ["Europe/Paris", "America/New_York", "Pacific/Chatham"]
PEOPLE = 3
# Conversation i belongs to person i % PEOPLE; odd ones come through the events API, so a
# person may use both sources.
CONVERSATIONS = 6

message = st.tuples(
    st.integers(0, CONVERSATIONS - 1),
    st.sampled_from(["user", "user", "assistant"]),
    st.integers(0, SPAN_DAYS * 24 * 60),  # minutes after START
)


def _source(conversation: int) -> str:
    return Source.API if conversation % 2 else Source.APP


def _bands(messages: dict) -> tuple[int, ...]:
    return tuple(
        sum(1 for n in messages.values() if n >= low and (high is None or n <= high))
        for _, low, high in people.MESSAGE_BANDS
    )


def _stored(assistant):
    rows = set(
        DailyActiveUser.objects.filter(assistant=assistant).values_list(
            "day", "participant_id", "source", "user_messages"
        )
    )
    numbers = dict(Participant.objects.filter(assistant=assistant).values_list("pk", "number"))
    return rows, numbers, _counters(assistant)


def _counters(assistant):
    return set(
        DailyPeople.objects.filter(assistant=assistant).values_list(*counter_columns(DailyPeople))
    )


def _active_within(ordered: dict, day: date, length: int) -> int:
    """The people active in the `length` days ending on `day`."""
    low = day - timedelta(days=length - 1)
    return sum(1 for days in ordered.values() if any(low <= d <= day for d in days))


def _naive_counters(sourced, tz) -> set:
    """`DailyPeople`'s rows straight from the events, in its column order: every day with a
    monthly active user, per scope."""
    rows = set()
    for scope in Source.CHOICES:
        person_days = naive_person_days(sourced, tz, people.sources_of(scope))
        ordered = {p: sorted(days) for p, days in person_days.items() if days}
        every_day = {d for days in ordered.values() for d in days}
        if not every_day:
            continue
        day, last = min(every_day), max(every_day) + timedelta(days=27)
        while day <= last:
            figures = (
                _active_within(ordered, day, 1),
                sum(1 for days in ordered.values() if days[0] == day),
                sum(1 for days in ordered.values() if len(days) > 1 and days[1] == day),
                _active_within(ordered, day, 7),
                _active_within(ordered, day, 28),
            )
            if figures[-1]:
                rows.add((scope, day, *figures))
            day += timedelta(days=1)
    return rows


@pytest.mark.django_db
@settings(ON_THE_DATABASE, max_examples=40)
@given(
    events=st.lists(message, max_size=40),
    zone=st.sampled_from(ZONES),
    batch_size=st.integers(1, 8),
    first_day=st.integers(0, SPAN_DAYS - 1),
    length=st.integers(1, 30),
    by=st.sampled_from(By.CHOICES),
    source=st.sampled_from(Source.CHOICES),
    data=st.data(),
)
def test_people_figures_equal_a_naive_recount(
    events, zone, batch_size, first_day, length, by, source, data
):
    assistant = AssistantFactory(time_zone=zone)
    users = [UserFactory() for _ in range(PEOPLE)]
    participants = [services.participant_for(assistant=assistant, user=u) for u in users]
    conversations = [
        Conversation.objects.create(
            assistant=assistant,
            participant=participants[index % PEOPLE],
            external_id=f"c{index}" if _source(index) == Source.API else None,
        )
        for index in range(CONVERSATIONS)
    ]
    timed = [(c, role, START + timedelta(minutes=minutes)) for c, role, minutes in events]
    # Events arrive in any order, in batches of any size.
    record_in_any_order(
        data, assistant=assistant, conversations=conversations, events=timed, batch_size=batch_size
    )

    tz = ZoneInfo(zone)
    sourced = [(c, participants[c % PEOPLE].pk, _source(c), role, when) for c, role, when in timed]
    start = START.astimezone(tz).date() + timedelta(days=first_day)
    date_range = DateRange(start, start + timedelta(days=length - 1))
    # The counters themselves, every day and scope, and what the page reads of them.
    assert _counters(assistant) == _naive_counters(sourced, tz)
    naive = naive_people(sourced, tz, people.sources_of(source), date_range.days())
    active_between, first = naive["active_between"], naive["first"]

    days = people.daily_people(assistant, date_range, source=source)
    assert [
        (d.day, d.active_users, d.weekly_active_users, d.monthly_active_users) for d in days
    ] == naive["daily"]

    buckets, period = people.bucket_people(assistant, date_range, source=source, by=by)
    for bucket in buckets:
        assert bucket.active_users == len(active_between(bucket.start, bucket.end))
        assert bucket.new_users == sum(1 for d in first.values() if bucket.start <= d <= bucket.end)
        assert bucket.monthly_active_users == len(
            active_between(bucket.end - timedelta(days=27), bucket.end)
        )
    assert period.active_users == len(active_between(date_range.start, date_range.end))
    assert period.new_users == sum(1 for d in first.values() if start <= d <= date_range.end)
    assert period.user_messages == sum(naive["messages"].values())
    assert period.bands == _bands(naive["messages"])

    funnel = people.adoption(assistant, date_range, source=source)
    until_end = {
        p: {d for d in active if d <= date_range.end} for p, active in naive["person_days"].items()
    }
    assert funnel.tried == sum(1 for active in until_end.values() if active)
    assert funnel.returned == sum(1 for active in until_end.values() if len(active) >= 2)
    assert funnel.regular == sum(
        1
        for active in until_end.values()
        if len({(date_range.end - d).days // 7 for d in active if (date_range.end - d).days < 28})
        >= 3
    )

    # Pseudonyms: 1..n for the people who wrote, none for the others.
    rows, numbers, _ = _stored(assistant)
    wrote = {p for _, p, _, role, _ in sourced if role == "user"}
    assert sorted(n for n in numbers.values() if n) == list(range(1, len(wrote) + 1))
    assert {p for p, n in numbers.items() if n} == wrote

    stored = _stored(assistant)
    rollups.rebuild([assistant.pk])
    assert _stored(assistant) == stored


@pytest.mark.django_db
def test_an_earlier_first_message_moves_a_person_to_the_day_they_became_new():
    assistant = AssistantFactory(time_zone="Europe/Paris")
    conversation = services.start_conversation(assistant=assistant, user=UserFactory())
    late = datetime(2026, 3, 10, 12, tzinfo=UTC)
    services.record_messages(
        assistant=assistant, messages=[NewMessage(conversation.pk, "user", "hi", late)]
    )
    week = DateRange(date(2026, 3, 2), date(2026, 3, 15))
    buckets, _ = people.bucket_people(assistant, week, source=Source.ALL, by=By.WEEK)
    assert [b.new_users for b in buckets] == [0, 1]
    # 23:30 UTC on March 2nd is already March 3rd in Paris.
    early = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    services.record_messages(
        assistant=assistant, messages=[NewMessage(conversation.pk, "user", "hi", early)]
    )
    buckets, period = people.bucket_people(assistant, week, source=Source.ALL, by=By.WEEK)
    assert [(b.active_users, b.new_users, b.returning_users) for b in buckets] == [
        (1, 1, 0),
        (1, 0, 1),
    ]
    assert (period.active_users, period.new_users, period.user_messages) == (1, 1, 2)
    assert people.daily_people(assistant, week, source=Source.ALL)[1].active_users == 1
