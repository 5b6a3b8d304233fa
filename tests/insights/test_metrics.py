"""SPEC §3 against hand-counted events with fixed timestamps."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from assistants import services
from assistants.models import DailyActiveUser, DailyUsage, UsageTotals
from insights.selectors import all_time_totals
from tests.factories import AssistantFactory, UserFactory, add_messages
from tests.insights.helpers import analytics_csv_rows, figures_by_day

NEW_YORK = ZoneInfo("America/New_York")
PARIS = ZoneInfo("Europe/Paris")


def _local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_day_edges_in_a_non_utc_reporting_zone_and_an_empty_day(db, client_as):
    assistant = AssistantFactory(time_zone="America/New_York")
    alice, bob = UserFactory(), UserFactory()
    first = services.start_conversation(assistant=assistant, user=alice)
    second = services.start_conversation(assistant=assistant, user=bob)
    third = services.start_conversation(assistant=assistant, user=alice)
    add_messages(
        assistant,
        first,
        ("user", _local(NEW_YORK, 2026, 3, 3, 23, 59)),  # 04:59 UTC on Mar 4
        ("assistant", _local(NEW_YORK, 2026, 3, 4, 0, 0, 30)),
    )
    add_messages(
        assistant,
        second,
        ("user", _local(NEW_YORK, 2026, 3, 4, 0, 0)),
        ("assistant", _local(NEW_YORK, 2026, 3, 4, 0, 1)),
    )
    add_messages(assistant, third, ("user", _local(NEW_YORK, 2026, 3, 6, 10, 0)))

    rows = analytics_csv_rows(client_as(assistant.creator), assistant, "2026-03-02", "2026-03-07")
    assert [row["date"] for row in rows] == [f"2026-03-0{day}" for day in range(2, 8)]
    # Alice's only message on Mar 4 is the assistant's answer: she is not active that day.
    assert figures_by_day(rows) == {
        "2026-03-03": (1, 1, 1, 0),
        "2026-03-04": (1, 1, 1, 2),
        "2026-03-06": (1, 1, 1, 0),
    }
    assert rows[3] == {  # Mar 5, nobody chatted
        "date": "2026-03-05",
        "active_users": "0",
        "conversations": "0",
        "messages": "0",
        "user_messages": "0",
        "assistant_messages": "0",
        "positive_feedback": "0",
        "negative_feedback": "0",
        # Alice (Mar 3) and Bob (Mar 4) were active in the 7 and 30 days up to Mar 5.
        "new_users": "0",
        "returning_users": "0",
        "weekly_active_users": "2",
        "monthly_active_users": "2",
        "failed_replies": "0",
        "latency_p50_ms": "",
        "latency_p95_ms": "",
        "input_tokens": "0",
        "output_tokens": "0",
        "cost_usd": "0.000000",
    }
    totals = all_time_totals(assistant)
    assert (totals.users, totals.conversations, totals.messages) == (2, 3, 5)


def test_days_that_change_clocks_are_whole_local_days(db, client_as):
    assistant = AssistantFactory(time_zone="Europe/Paris")
    person = UserFactory()
    conversation = services.start_conversation(assistant=assistant, user=person)
    add_messages(
        assistant,
        conversation,
        # Spring forward: Mar 29 has 23 hours in Paris.
        ("user", _local(PARIS, 2026, 3, 29, 0, 30)),  # 23:30 UTC on Mar 28
        ("user", _local(PARIS, 2026, 3, 29, 23, 30)),  # 21:30 UTC
        # Fall back: Oct 25 has 25 hours in Paris.
        ("user", _local(PARIS, 2026, 10, 25, 0, 30)),  # 22:30 UTC on Oct 24
        ("user", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # 02:30 CEST, the first time
        ("user", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # 02:30 CET, the second time
        ("user", _local(PARIS, 2026, 10, 25, 23, 30)),  # 22:30 UTC
        ("user", _local(PARIS, 2026, 10, 26, 0, 10)),  # 23:10 UTC on Oct 25
    )
    client = client_as(assistant.creator)
    spring = figures_by_day(analytics_csv_rows(client, assistant, "2026-03-28", "2026-03-30"))
    autumn = figures_by_day(analytics_csv_rows(client, assistant, "2026-10-24", "2026-10-26"))
    assert spring == {"2026-03-29": (1, 1, 2, 0)}
    assert autumn == {"2026-10-25": (1, 0, 4, 0), "2026-10-26": (1, 0, 1, 0)}


def test_out_of_order_arrival_moves_the_conversation_to_its_first_message(db, client_as):
    assistant = AssistantFactory(time_zone="UTC")
    person = UserFactory()
    conversation = services.start_conversation(assistant=assistant, user=person)
    add_messages(assistant, conversation, ("user", datetime(2026, 5, 5, 10, tzinfo=UTC)))
    add_messages(
        assistant,
        conversation,
        ("user", datetime(2026, 5, 4, 9, tzinfo=UTC)),
        ("assistant", datetime(2026, 5, 4, 9, 1, tzinfo=UTC)),
    )
    rows = analytics_csv_rows(client_as(assistant.creator), assistant, "2026-05-03", "2026-05-06")
    assert figures_by_day(rows) == {"2026-05-04": (1, 1, 1, 1), "2026-05-05": (1, 0, 1, 0)}
    totals = all_time_totals(assistant)
    assert (totals.users, totals.conversations, totals.messages) == (1, 1, 3)


def test_a_conversation_without_messages_counts_nowhere(db):
    assistant = AssistantFactory()
    services.start_conversation(assistant=assistant, user=UserFactory())
    totals = all_time_totals(assistant)
    assert (totals.users, totals.conversations, totals.messages) == (0, 0, 0)
    assert not DailyUsage.objects.filter(assistant=assistant).exists()


def test_range_sums_equal_what_the_all_time_figures_gained(db, client_as):
    assistant = AssistantFactory(time_zone="Asia/Kolkata")
    people = [UserFactory() for _ in range(3)]
    for day in range(1, 11):
        for person in people[: 1 + day % 3]:
            conversation = services.start_conversation(assistant=assistant, user=person)
            add_messages(
                assistant,
                conversation,
                ("user", datetime(2026, 6, day, 18, 45, tzinfo=UTC)),
                ("assistant", datetime(2026, 6, day, 18, 46, tzinfo=UTC)),
            )
    before = all_time_totals(assistant)
    rows = analytics_csv_rows(client_as(assistant.creator), assistant, "2026-06-01", "2026-06-30")
    assert sum(int(row["conversations"]) for row in rows) == before.conversations == 20
    assert sum(int(row["messages"]) for row in rows) == before.messages == 40


def test_deleting_a_chats_content_keeps_its_counts(db):
    assistant = AssistantFactory()
    conversation = services.start_conversation(assistant=assistant, user=UserFactory())
    add_messages(assistant, conversation, ("user", datetime(2026, 1, 1, tzinfo=UTC)))
    conversation.messages.update(content="")
    conversation.content_deleted_at = datetime(2026, 1, 2, tzinfo=UTC)
    conversation.save()
    from assistants import rollups

    rollups.rebuild([assistant.pk])
    assert UsageTotals.objects.get(assistant=assistant).messages == 1
    assert DailyActiveUser.objects.filter(assistant=assistant).count() == 1
