"""For any stream of answers and failed replies, from both sources, in any order and batching,
each side of a change has the answers, failed replies, cost and median latency a naive recount
of the raw events gives (days in a non-UTC zone across a DST change), for every source."""

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from assistants import services
from assistants.answer_stats import bucket_value, latency_bucket
from assistants.services import NewConversation, NewFailure, NewMessage
from insights import stats
from insights.impact import impacts
from insights.selectors import configuration_history
from tests.factories import AssistantFactory, UserFactory
from tests.properties import ON_THE_DATABASE
from tests.recount import naive_answers

# Two weeks around the end of daylight saving time in Europe (Oct 25) and America (Nov 1);
# the change on Oct 27 at noon UTC, the page read on Nov 9.
START = datetime(2026, 10, 20, tzinfo=UTC)
CHANGE_AT = START + timedelta(days=7, hours=12)
TODAY_AT = START + timedelta(days=20)
ZONES = ["Europe/Paris", "America/New_York", "Pacific/Chatham"]

event = st.tuples(
    st.sampled_from(["app", "api"]),
    st.sampled_from(["answer", "answer", "failure"]),
    st.integers(0, 14 * 24 * 60),  # minutes from START
    st.none() | st.integers(0, 60_000),
    st.none() | st.decimals("0", "2", places=6),
)


@pytest.mark.django_db
@ON_THE_DATABASE
@given(
    events=st.lists(event, max_size=40),
    zone=st.sampled_from(ZONES),
    source=st.sampled_from(["all", "app", "api"]),
    batch_size=st.integers(1, 8),
    data=st.data(),
)
def test_each_side_equals_a_naive_recount(events, zone, source, batch_size, data):
    assistant = AssistantFactory(time_zone=zone)
    with time_machine.travel(CHANGE_AT, tick=False):
        services.update_configuration(
            assistant=assistant, changed_by=assistant.creator, instructions="Be brief."
        )
    app = services.start_conversation(assistant=assistant, user=UserFactory())
    person = services.ensure_participants(assistant=assistant, external_ids=["p"])["p"]
    api = services.ensure_conversations(
        assistant=assistant, conversations=[NewConversation("c", person, START)]
    )["c"][0]
    raw = [
        (where, kind, START + timedelta(minutes=minutes), latency, cost)
        for where, kind, minutes, latency, cost in events
    ]
    # Out of order, in batches.
    order = data.draw(st.permutations(range(len(raw))))
    for first in range(0, len(order), batch_size):
        batch = [raw[i] for i in order[first : first + batch_size]]
        services.record_messages(
            assistant=assistant,
            messages=[
                NewMessage(
                    app.pk if where == "app" else api, "assistant", "An answer.", moment,
                    latency_ms=latency, cost_usd=cost,
                )
                for where, kind, moment, latency, cost in batch
                if kind == "answer"
            ],
        )  # fmt: skip
        services.record_failures(
            assistant=assistant,
            failures=[
                NewFailure(app.pk if where == "app" else api, moment)
                for where, kind, moment, _, _ in batch
                if kind == "failure"
            ],
        )

    tz = ZoneInfo(zone)
    history = configuration_history(assistant)
    (impact,) = impacts(
        assistant,
        changes=history,
        history=history,
        window=7,
        today=TODAY_AT.astimezone(tz).date(),
        source=source,
    )
    expected = naive_answers(raw, tz, source=source)
    # Usage counts every source: the first activity is the first answer's day of any.
    answered = [moment for _, kind, moment, _, _ in raw if kind == "answer"]
    first_day = min(answered).astimezone(tz).date() if answered else None
    for side in (impact.before, impact.after):
        if side.range is None:
            continue
        assert first_day is not None and side.range.start >= first_day
        latencies = []
        for day in side.days:
            answers, failed, cost, timed = expected.get(day.day, (0, 0, Decimal(0), []))
            assert (day.answers, day.failed_replies, day.cost_usd) == (answers, failed, cost)
            latencies += timed
        assert sum(n for _, n in side.latency) == len(latencies)
        if latencies:
            exact = sorted(latencies)[math.ceil(len(latencies) / 2) - 1]
            median = stats.order_statistic(side.latency, math.ceil(len(latencies) / 2))
            # The bucketed median is the exact one's bucket: bucketing keeps the order.
            assert median == bucket_value(latency_bucket(exact))
