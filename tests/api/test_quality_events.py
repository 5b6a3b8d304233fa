"""The events API's answer fields (model, latency_ms, input_tokens, output_tokens, cost_usd)
and its `failure` event: good, bad (a reason per event) and duplicate (changes nothing)."""

from datetime import date
from decimal import Decimal

import pytest

from assistants import rollups
from assistants.answer_stats import latency_bucket
from assistants.models import DailyAnswerStats, FailedReply, Message
from tests.api.conftest import message
from tests.recount import counter_columns

ANSWER_FIELDS = {
    "model": "gpt-4o-mini",
    "latency_ms": 1840,
    "input_tokens": 412,
    "output_tokens": 96,
    "cost_usd": 0.0021,
}


def failure(id, *, conversation="c1", user="u1", timestamp="2026-11-20T10:02:00Z", **extra):
    return {
        "type": "failure",
        "id": id,
        "conversation": conversation,
        "user": user,
        "timestamp": timestamp,
        **extra,
    }


def _stats(assistant):
    """The assistant's answer counters, each row a dict of all its columns."""
    return list(
        DailyAnswerStats.objects.filter(assistant=assistant)
        .order_by("day", "source", "version", "model")
        .values(*counter_columns(DailyAnswerStats))
    )


def test_answer_fields_are_stored_and_counted(post, assistant):
    response = post(
        [
            message("m1"),
            {**message("m2", role="assistant", timestamp="2026-11-20T10:00:02Z"), **ANSWER_FIELDS},
        ]
    )
    assert response.json() == {"accepted": 2, "duplicates": 0, "errors": []}
    answer = Message.objects.get(external_id="m2")
    assert (answer.model, answer.latency_ms, answer.input_tokens, answer.output_tokens) == (
        "gpt-4o-mini",
        1840,
        412,
        96,
    )
    assert answer.cost_usd == Decimal("0.0021")
    (row,) = _stats(assistant)
    assert row == {
        "day": date(2026, 11, 20),
        "source": "api",
        "version": 1,
        "model": "gpt-4o-mini",
        "answers": 1,
        "answers_with_latency": 1,
        "failed_replies": 0,
        "input_tokens": 412,
        "output_tokens": 96,
        "cost_usd": Decimal("0.0021"),
        "unpriced_answers": 0,
        "latency_first_bucket": latency_bucket(1840),
        "latency_counts": [1],
    }


def test_a_failure_event_is_a_failed_reply(post, assistant):
    response = post([message("m1"), failure("f1", model="gpt-4o-mini", error="upstream time-out")])
    assert response.json() == {"accepted": 2, "duplicates": 0, "errors": []}
    stored = FailedReply.objects.get()
    assert (stored.external_id, stored.model, stored.error) == (
        "f1",
        "gpt-4o-mini",
        "upstream time-out",
    )
    assert stored.conversation.external_id == "c1"
    (row,) = _stats(assistant)
    assert (row["answers"], row["failed_replies"]) == (0, 1)


def test_a_failure_may_come_first_and_start_the_conversation(post):
    assert post([failure("f1", conversation="new")]).json()["accepted"] == 1
    assert FailedReply.objects.get().conversation.external_id == "new"


def test_duplicates_change_nothing(post, assistant):
    batch = [
        message("m1"),
        {**message("m2", role="assistant"), **ANSWER_FIELDS},
        failure("f1"),
    ]
    post(batch)
    before = _stats(assistant)
    assert post(batch).json() == {"accepted": 0, "duplicates": 3, "errors": []}
    assert post([failure("f2"), failure("f2")]).json() == {
        "accepted": 1,
        "duplicates": 1,
        "errors": [],
    }
    assert FailedReply.objects.count() == 2
    after = _stats(assistant)
    # Only f2 counted (summed over the rows, whose order the query does not fix).
    assert sum(row["failed_replies"] for row in after) == (
        sum(row["failed_replies"] for row in before) + 1
    )
    rollups.rebuild([assistant.pk])
    assert _stats(assistant) == after


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"latency_ms": -1}, "latency_ms: Input should be greater than or equal to 0"),
        ({"input_tokens": 12.5}, "input_tokens: Input should be a valid integer"),
        ({"output_tokens": "96"}, "output_tokens: Input should be a valid integer"),
        ({"output_tokens": True}, "output_tokens: Input should be a valid integer"),
        ({"cost_usd": -0.01}, "cost_usd: Input should be greater than or equal to 0"),
        ({"cost_usd": "0.01"}, "cost_usd: Input should be a valid number"),
        ({"model": ""}, "model: String should have at least 1 character"),
    ],
)
def test_a_bad_answer_field_is_refused_with_a_reason(post, fields, reason):
    body = post([message("m1"), {**message("m2", role="assistant"), **fields}]).json()
    assert body["accepted"] == 1
    ((error),) = body["errors"]
    assert (error["index"], error["id"]) == (1, "m2")
    assert reason in error["error"]


def test_answer_fields_on_a_user_message_are_refused(post):
    body = post([{**message("m1"), "model": "x", "latency_ms": 5}]).json()
    assert body["accepted"] == 0
    assert body["errors"] == [
        {
            "index": 0,
            "id": "m1",
            "error": "model, latency_ms: only assistant messages carry these fields",
        }
    ]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "event, reason",
    [
        (failure("f1", timestamp="yesterday"), "RFC 3339"),
        ({"type": "failure", "id": "f1", "user": "u1"}, "conversation: is required"),
        (failure("f1", error=7), "error: Input should be a valid string"),
        (failure("f1", role="assistant"), "role: is not a field of this event type"),
        ({**failure("f1"), "type": "oops"}, 'must be "message", "feedback" or "failure"'),
    ],
)
def test_a_bad_failure_event_is_refused_with_a_reason(post, event, reason):
    body = post([event]).json()
    assert body["accepted"] == 0
    assert reason in body["errors"][0]["error"]
    assert not FailedReply.objects.exists()


def test_a_failure_in_another_users_conversation_is_refused(post):
    post([message("m1")])
    body = post([failure("f1", user="someone-else")]).json()
    assert "belongs to another user" in body["errors"][0]["error"]


def test_the_openapi_document_describes_the_new_fields(client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"model", "latency_ms", "input_tokens", "output_tokens", "cost_usd"} <= set(
        schema["MessageEvent"]["properties"]
    )
    assert schema["FailureEvent"]["properties"]["type"]["const"] == "failure"
