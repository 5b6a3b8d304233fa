"""The rebuild's statements have the same shape of plan whatever the statistics say.

A statement planned from statistics that say "empty" (a table analysed before it was loaded)
can pick a nested loop whose inner side reads a large table once per outer row: minutes
instead of a second. Every statement is explained on never-analysed tables, on statistics
that say "empty" while the tables are full, and on fresh statistics; no plan may contain a
nested loop, so each one's cost grows with the rows it reads, not with their product.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from assistants import answer_stats, people_counters
from assistants import rollups as assistant_rollups
from feedback import facets, version_feedback
from feedback import rollups as feedback_rollups
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate

STATEMENTS = [
    *assistant_rollups._REBUILD_STATEMENTS,
    *people_counters.REBUILD_STATEMENTS,
    *feedback_rollups._REBUILD_STATEMENTS,
    *answer_stats.REBUILD_STATEMENTS,
    *version_feedback.REBUILD_STATEMENTS,
    *facets.REBUILD_STATEMENTS,
]
TABLES = [
    "assistants_assistant",
    "assistants_participant",
    "assistants_conversation",
    "assistants_message",
    "assistants_dailyactiveuser",
    "assistants_dailyusage",
    "assistants_dailypeople",
    "assistants_usagetotals",
    "feedback_rating",
    "feedback_dailyfeedback",
    "assistants_failedreply",
    "assistants_modelprice",
    "assistants_dailyanswerstats",
    "feedback_versionfeedback",
    "feedback_dailyfeedbackfacet",
]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _reads_a_table(plan: dict) -> bool:
    return any("Relation Name" in node for node in _nodes(plan))


def _plan_node_types(ids: list[int]) -> list[set[str]]:
    """The node types of each statement's plan, planned as the rebuild plans them. A nested
    loop whose inner side reads no table (a per-row `unnest` of an array column) is linear,
    so it is named "Nested Loop over a function" and allowed."""
    kinds = []
    with connection.cursor() as cursor:
        assistant_rollups.plan_rebuild_statements(cursor)
        for statement in STATEMENTS:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", {"ids": ids})
            (plan,) = cursor.fetchone()
            plan = plan if isinstance(plan, list) else json.loads(plan)
            kinds.append(
                {
                    "Nested Loop over a function"
                    if node["Node Type"] == "Nested Loop" and not _reads_a_table(node["Plans"][1])
                    else node["Node Type"]
                    for node in _nodes(plan[0]["Plan"])
                }
            )
    return kinds


def _load(count: int) -> list[int]:
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    ids = []
    for _ in range(count):
        assistant = AssistantFactory(creator=UserFactory())
        ids.append(assistant.pk)
        for person in range(4):
            user = UserFactory()
            for turn in range(5):
                answer = chat_turn(assistant, user, start + timedelta(hours=person * 7 + turn))
                if turn % 2:
                    rate(assistant, answer, "positive", answer.created_at + timedelta(minutes=1))
    return ids


def _analyse() -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")


def _assert_no_nested_loop(ids: list[int], when: str) -> None:
    for statement, kinds in zip(STATEMENTS, _plan_node_types(ids), strict=True):
        assert "Nested Loop" not in kinds, f"{when}: a nested loop in\n{statement}"


@pytest.mark.django_db
def test_rebuild_plans_have_no_nested_loop_on_empty_stale_or_fresh_statistics():
    with connection.cursor() as cursor:
        for table in TABLES:
            # So the statistics stay exactly as the test leaves them.
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    _assert_no_nested_loop([1, 2], "empty, never analysed")
    _analyse()
    ids = _load(3)
    _assert_no_nested_loop(ids, "statistics say empty, tables full")
    _analyse()
    _assert_no_nested_loop(ids, "fresh statistics")
    # And the rebuild under those settings still reproduces the counters.
    before = assistant_rollups_snapshot(ids)
    assistant_rollups.rebuild(ids)
    assert assistant_rollups_snapshot(ids) == before


def assistant_rollups_snapshot(ids):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT assistant_id, day, active_users, conversations, user_messages, "
            "assistant_messages FROM assistants_dailyusage WHERE assistant_id = ANY(%s) "
            "ORDER BY 1, 2",
            [ids],
        )
        usage = cursor.fetchall()
        cursor.execute(
            "SELECT assistant_id, day, positive, negative FROM feedback_dailyfeedback "
            "WHERE assistant_id = ANY(%s) ORDER BY 1, 2",
            [ids],
        )
        return usage, cursor.fetchall()
