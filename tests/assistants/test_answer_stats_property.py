"""For any stream of answers and failed replies, from both sources, in any order and batching,
the answer counters equal a naive recount from the raw events (day in a non-UTC zone across a
DST change, source, version, model, cost from a changing price, latency buckets), and
`rebuild` writes exactly the rows the incremental path left."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistants import rollups, services
from assistants.answer_stats import latency_bucket
from assistants.models import (
    ConfigurationVersion,
    DailyAnswerStats,
    ModelPrice,
)
from assistants.services import NewConversation, NewFailure, NewMessage
from assistants.versions import version_at
from tests.factories import AssistantFactory, UserFactory

# Two weeks around the end of daylight saving time in Europe (Oct 25) and America (Nov 1).
START = datetime(2026, 10, 20, tzinfo=UTC)
ZONES = ["Europe/Paris", "America/New_York", "UTC", "Pacific/Chatham"]
CONVERSATIONS = 4  # even ones in the app, odd ones through the events API
# Version 2 and 3 start inside the stream; "priced" changes its price in between.
VERSION_STARTS = {2: START + timedelta(days=4, hours=5), 3: START + timedelta(days=9)}
PRICES = [
    ("priced", START - timedelta(days=30), Decimal("2.5"), Decimal("10")),
    ("priced", START + timedelta(days=6), Decimal("0.15"), Decimal("0.6")),
]
MODELS = ["priced", "unpriced", None]

counts = st.none() | st.integers(0, 5000)
answer = st.fixed_dictionaries(
    {
        "kind": st.just("answer"),
        "conversation": st.integers(0, CONVERSATIONS - 1),
        "minutes": st.integers(0, 14 * 24 * 60),
        "model": st.sampled_from(MODELS),
        "latency_ms": st.none() | st.integers(0, 120_000),
        "input_tokens": counts,
        "output_tokens": counts,
        "cost_usd": st.none() | st.decimals("0", "3", places=6),
    }
)
failure = st.fixed_dictionaries(
    {
        "kind": st.just("failure"),
        "conversation": st.integers(0, CONVERSATIONS - 1),
        "minutes": st.integers(0, 14 * 24 * 60),
        "model": st.sampled_from(MODELS),
    }
)
stream = st.lists(answer | failure, max_size=40)


def _price_at(model, moment):
    prices = [p for p in PRICES if p[0] == model and p[1] <= moment]
    return max(prices, key=lambda p: p[1]) if prices else None


def naive_recount(events, tz, versions):
    """The counters of `assistants.answer_stats` computed straight from the events."""
    stats = defaultdict(lambda: [0, 0, 0, 0, 0, Decimal(0), 0])
    buckets = defaultdict(int)
    for event in events:
        moment = START + timedelta(minutes=event["minutes"])
        key = (
            moment.astimezone(tz).date(),
            "app" if event["conversation"] % 2 == 0 else "api",
            version_at(versions, moment),
            event["model"] or "",
        )
        row = stats[key]
        if event["kind"] == "failure":
            row[2] += 1
            continue
        row[0] += 1
        if event["latency_ms"] is not None:
            row[1] += 1
            buckets[(*key, latency_bucket(event["latency_ms"]))] += 1
        row[3] += event["input_tokens"] or 0
        row[4] += event["output_tokens"] or 0
        cost = event["cost_usd"]
        price = _price_at(event["model"], moment)
        if cost is None and price and None not in (event["input_tokens"], event["output_tokens"]):
            cost = (event["input_tokens"] * price[2] + event["output_tokens"] * price[3]) / (
                1_000_000
            )
        if cost is None:
            row[6] += 1
        else:
            row[5] += cost
    return {key: tuple(row) for key, row in stats.items()}, dict(buckets)


def stored(assistant):
    stats = {
        (r.day, r.source, r.version, r.model): (
            r.answers,
            r.answers_with_latency,
            r.failed_replies,
            r.input_tokens,
            r.output_tokens,
            r.cost_usd,
            r.unpriced_answers,
        )
        for r in DailyAnswerStats.objects.filter(assistant=assistant)
    }
    # Each row's histogram as (key, bucket) → answers, its empty buckets left out.
    buckets = {
        (r.day, r.source, r.version, r.model, r.latency_first_bucket + offset): answers
        for r in DailyAnswerStats.objects.filter(assistant=assistant, latency_counts__isnull=False)
        for offset, answers in enumerate(r.latency_counts)
        if answers
    }
    return stats, buckets


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=stream, zone=st.sampled_from(ZONES), batch_size=st.integers(1, 8), data=st.data())
def test_answer_counters_equal_a_naive_recount_and_a_rebuild(events, zone, batch_size, data):
    assistant = AssistantFactory(time_zone=zone)
    for model, effective_from, input_price, output_price in PRICES:
        ModelPrice.objects.get_or_create(
            model=model,
            effective_from=effective_from,
            defaults={
                "input_usd_per_million": input_price,
                "output_usd_per_million": output_price,
            },
        )
    for number, changed_at in VERSION_STARTS.items():
        version = services.update_configuration(
            assistant=assistant, changed_by=assistant.creator, instructions=f"v{number}"
        )
        ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=changed_at)
    ConfigurationVersion.objects.filter(assistant=assistant, number=1).update(
        changed_at=START - timedelta(days=1)
    )
    versions = list(assistant.versions.values_list("number", "changed_at"))

    person = UserFactory()
    participant = services.participant_for(assistant=assistant, user=person)
    api_people = services.ensure_participants(assistant=assistant, external_ids=["outside"])
    api_conversations = services.ensure_conversations(
        assistant=assistant,
        conversations=[
            NewConversation(f"c{n}", api_people["outside"], START)
            for n in range(1, CONVERSATIONS, 2)
        ],
    )
    conversation_ids = {}
    for n in range(CONVERSATIONS):
        if n % 2 == 0:
            conversation = services.start_conversation(assistant=assistant, user=person)
            assert conversation.participant_id == participant.pk
            conversation_ids[n] = conversation.pk
        else:
            conversation_ids[n] = api_conversations[f"c{n}"][0]

    # Events arrive in any order, in batches of any size, messages and failures mixed.
    arrival = data.draw(st.permutations(events))
    for offset in range(0, len(arrival), batch_size):
        batch = arrival[offset : offset + batch_size]
        services.record_messages(
            assistant=assistant,
            messages=[
                NewMessage(
                    conversation_ids[e["conversation"]],
                    "assistant",
                    "…",
                    START + timedelta(minutes=e["minutes"]),
                    model=e["model"],
                    latency_ms=e["latency_ms"],
                    input_tokens=e["input_tokens"],
                    output_tokens=e["output_tokens"],
                    cost_usd=e["cost_usd"],
                )
                for e in batch
                if e["kind"] == "answer"
            ],
        )
        services.record_failures(
            assistant=assistant,
            failures=[
                NewFailure(
                    conversation_ids[e["conversation"]],
                    START + timedelta(minutes=e["minutes"]),
                    model=e["model"],
                )
                for e in batch
                if e["kind"] == "failure"
            ],
        )

    expected = naive_recount(events, ZoneInfo(zone), versions)
    incremental = stored(assistant)
    assert incremental == expected

    rollups.rebuild([assistant.pk])
    assert stored(assistant) == incremental
