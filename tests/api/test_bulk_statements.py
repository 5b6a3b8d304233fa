"""The write path's cursor: parameters bound by the server, lists sent as binary arrays, and
statements prepared with a generic plan, without changing a single figure."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistants.lib.sql import bulk_cursor
from insights.bench.recount import counters, recounted
from tests.api.conftest import feedback, message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "cast"),
    [
        ([], "text[]"),
        ([None, None], "text[]"),
        (["a", None, 'é\u2028’"{},\\'], "text[]"),
        ([1, 2**40], "bigint[]"),
        ([datetime(2026, 11, 24, 10, 15, tzinfo=UTC)], "timestamptz[]"),
        ([True, False], "boolean[]"),
    ],
)
def test_lists_arrive_as_the_same_arrays(value, cast):
    with bulk_cursor() as cursor:
        cursor.execute(f"SELECT %s::{cast}", [value])
        assert cursor.fetchone() == (value,)


@pytest.mark.django_db
def test_its_statements_count_as_queries_like_any_other():
    with CaptureQueriesContext(connection) as queries, bulk_cursor() as cursor:
        cursor.execute("SELECT %(ids)s::bigint[]", {"ids": [1, 2]})
    assert len(queries) == 1


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor]


@pytest.mark.django_db
def test_prepared_statements_get_a_generic_plan():
    # Planned from the statistics on every run, a busy new assistant's look-ups by key were
    # planned as scans of all of its messages.
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_generic_plan",)


@pytest.mark.django_db
def test_batches_run_as_prepared_statements_and_still_count_exactly(post, assistant):
    with time_machine.travel("2026-11-24T12:00:00Z", tick=False):
        for batch in range(8):
            events = [
                message(
                    f"m{batch}-{turn}",
                    conversation=f"c{batch % 3}",
                    user=f"u{batch % 3}",
                    role="user" if turn % 2 == 0 else "assistant",
                    timestamp=f"2026-11-{10 + batch}T10:0{turn}:00Z",
                )
                for turn in range(4)
            ]
            events.append(
                feedback(
                    f"f{batch}",
                    message=f"m{batch}-1",
                    user=f"u{batch % 3}",
                    timestamp=f"2026-11-{10 + batch}T11:00:00Z",
                )
            )
            response = post(events)
            assert response.status_code == 200
            assert response.json()["accepted"] == 5, response.json()

    prepared = " ".join(_prepared_statements())
    assert "INSERT INTO assistants_message" in prepared
    assert "INSERT INTO assistants_dailyusage" in prepared
    assert "feedback_rating" in prepared
    assert counters(assistant.pk) == recounted(assistant.pk)
    assert counters(assistant.pk)["totals"] == [(3, 3, 32)]
