"""The usage counters (rollups) kept exact in the same transaction as the chat events.

Pages read `DailyUsage`, `UsageTotals` (and the feedback app's daily counters), never the
raw events. Two ways in, which must always agree (a property test holds them to it):

- `apply_new_messages` folds a batch of just-inserted messages into the counters with one
  set-based statement, whatever the batch size;
- `rebuild` recomputes every counter of some assistants from the raw events.

Writers of one assistant's counters are serialised by a row lock on its `UsageTotals` row
(`lock_counters`), taken just before the counters are touched; that keeps "is this the
conversation's first message?" exact under concurrent writers.
"""

from collections.abc import Iterable, Sequence

from django.db import connection

from assistants import answer_stats, hooks, people_counters
from assistants.lib.sql import bulk_cursor, fold_written, run_rebuild_statements


def lock_counters(assistant_ids: Sequence[int]) -> None:
    """Create the assistants' totals rows if missing and lock them until the transaction ends.

    Locks are taken in id order, so two writers never deadlock. One query.
    """
    with bulk_cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO assistants_usagetotals (assistant_id, users, conversations, messages)
            SELECT id, 0, 0, 0 FROM unnest(%s::bigint[]) AS ids(id) ORDER BY id
            ON CONFLICT (assistant_id) DO UPDATE SET users = assistants_usagetotals.users
            """,
            [sorted(set(assistant_ids))],
        )


# Local day of a timestamp in the assistant's reporting zone.
_LOCAL_DAY = "((%s) AT TIME ZONE %%(tz)s)::date"
# The source of a conversation `c` (`UsageSource`): the events API gives it an external id.
SOURCE_SQL = "(CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END)"

_APPLY_NEW_MESSAGES = f"""
WITH new AS (
    SELECT m.id, m.conversation_id, c.participant_id, m.role, m.created_at,
           {_LOCAL_DAY % "m.created_at"} AS day, {SOURCE_SQL} AS source
    -- Joined on the batch's ids so the plan is primary-key look-ups even when the table's
    -- statistics are stale (a filter on ANY(ids) was planned as a scan of the assistant).
    FROM unnest(%(ids)s::bigint[]) AS batch(id)
    JOIN assistants_message m ON m.id = batch.id
    JOIN assistants_conversation c ON c.id = m.conversation_id
    WHERE m.assistant_id = %(assistant)s
),
conv_before AS (
    SELECT c.id, c.first_message_at AS old_first, b.first_at, b.last_at, b.source
    FROM assistants_conversation c
    JOIN (
        SELECT conversation_id, min(source) AS source,
               min(created_at) AS first_at, max(created_at) AS last_at
        FROM new GROUP BY conversation_id
    ) b ON b.conversation_id = c.id
),
conv_updated AS (
    UPDATE assistants_conversation c
    SET first_message_at = LEAST(c.first_message_at, cb.first_at),
        last_message_at = GREATEST(c.last_message_at, cb.last_at)
    FROM conv_before cb
    WHERE c.id = cb.id
    RETURNING cb.old_first, cb.first_at, cb.source
),
conv_moved AS (
    SELECT old_first, first_at, source FROM conv_updated
    WHERE old_first IS NULL OR first_at < old_first
),
part_before AS (
    -- People whose first message moves earlier; those writing for the first time are
    -- numbered in the order of their first message, after the highest number given so far
    -- (read under the counters' lock, so numbers are never given twice).
    SELECT p.id, p.first_message_at AS old_first, b.first_at,
           coalesce(p.number, (SELECT coalesce(max(n.number), 0) FROM assistants_participant n
                               WHERE n.assistant_id = %(assistant)s)
               + row_number() OVER (PARTITION BY p.number IS NULL ORDER BY b.first_at, p.id))
               AS number
    FROM assistants_participant p
    JOIN (
        SELECT participant_id, min(created_at) AS first_at
        FROM new WHERE role = 'user' GROUP BY participant_id
    ) b ON b.participant_id = p.id
    WHERE p.first_message_at IS NULL OR b.first_at < p.first_message_at
),
part_updated AS (
    UPDATE assistants_participant p SET first_message_at = pb.first_at, number = pb.number
    FROM part_before pb WHERE p.id = pb.id
    RETURNING pb.old_first
),
dau_written AS (
    -- A person's messages of the day and source; a row inserted now is a new active user.
    INSERT INTO assistants_dailyactiveuser AS d
        (assistant_id, day, participant_id, source, user_messages)
    SELECT %(assistant)s, day, participant_id, source, count(*) FROM new WHERE role = 'user'
    GROUP BY day, participant_id, source
    ON CONFLICT (assistant_id, day, participant_id, source) DO UPDATE SET
        user_messages = d.user_messages + EXCLUDED.user_messages
    RETURNING d.day, d.source, (d.xmax = 0) AS inserted
),
day_deltas AS (
    SELECT day, source, 0 AS active_users, 0 AS conversations,
           (role = 'user')::int AS user_messages, (role = 'assistant')::int AS assistant_messages
    FROM new
    UNION ALL SELECT day, source, 1, 0, 0, 0 FROM dau_written WHERE inserted
    UNION ALL SELECT {_LOCAL_DAY % "first_at"}, source, 0, 1, 0, 0 FROM conv_moved
    UNION ALL SELECT {_LOCAL_DAY % "old_first"}, source, 0, -1, 0, 0 FROM conv_moved
        WHERE old_first IS NOT NULL
),
daily AS (
    INSERT INTO assistants_dailyusage
        (assistant_id, day, source, active_users, conversations, user_messages,
         assistant_messages)
    SELECT %(assistant)s, day, source, sum(active_users), sum(conversations),
           sum(user_messages), sum(assistant_messages)
    FROM day_deltas GROUP BY day, source
    ON CONFLICT (assistant_id, day, source) DO UPDATE SET
        active_users = assistants_dailyusage.active_users + EXCLUDED.active_users,
        conversations = assistants_dailyusage.conversations + EXCLUDED.conversations,
        user_messages = assistants_dailyusage.user_messages + EXCLUDED.user_messages,
        assistant_messages = assistants_dailyusage.assistant_messages + EXCLUDED.assistant_messages
)
UPDATE assistants_usagetotals SET
    users = users + (SELECT count(*) FROM part_updated WHERE old_first IS NULL),
    conversations = conversations + (SELECT count(*) FROM conv_moved WHERE old_first IS NULL),
    messages = messages + (SELECT count(*) FROM new)
WHERE assistant_id = %(assistant)s
"""


def apply_new_messages(*, assistant_id: int, time_zone: str, message_ids: Sequence[int]) -> None:
    """Fold just-inserted messages into the counters. Four queries (lock, the people
    counters, apply, and the answers' quality and cost in `answer_stats`), any batch size.

    Must run inside the transaction that inserted the messages.
    """
    if not message_ids:
        return
    lock_counters([assistant_id])
    # Before the person-day rows are written: it reads which of the batch's are new.
    people_counters.apply_new_messages(
        assistant_id=assistant_id, time_zone=time_zone, message_ids=message_ids
    )
    fold_written(
        _APPLY_NEW_MESSAGES, assistant_id=assistant_id, time_zone=time_zone, ids=message_ids
    )
    answer_stats.apply_new_answers(
        assistant_id=assistant_id, time_zone=time_zone, message_ids=message_ids
    )


_REBUILD_STATEMENTS = [
    "DELETE FROM assistants_dailyactiveuser WHERE assistant_id = ANY(%(ids)s)",
    "DELETE FROM assistants_dailyusage WHERE assistant_id = ANY(%(ids)s)",
    """
    UPDATE assistants_conversation c
    SET first_message_at = b.first_at, last_message_at = b.last_at
    FROM (
        -- Grouped in the order of message_by_conversation, which halves this statement's
        -- time on large tables (a message's assistant is always its conversation's).
        SELECT c2.id, agg.first_at, agg.last_at
        FROM assistants_conversation c2
        LEFT JOIN (
            SELECT conversation_id, min(created_at) AS first_at, max(created_at) AS last_at
            FROM assistants_message WHERE assistant_id = ANY(%(ids)s)
            GROUP BY assistant_id, conversation_id
        ) agg ON agg.conversation_id = c2.id
        WHERE c2.assistant_id = ANY(%(ids)s)
    ) b
    WHERE c.id = b.id
      AND (c.first_message_at IS DISTINCT FROM b.first_at
           OR c.last_message_at IS DISTINCT FROM b.last_at)
    """,
    """
    UPDATE assistants_participant p
    SET first_message_at = b.first_at
    FROM (
        -- First user message of each conversation, read through the assistants' own
        -- messages only (the join used to read every assistant's), then the earliest per
        -- participant; conversations are matched on (assistant_id, id).
        SELECT p2.id, per_participant.first_at
        FROM assistants_participant p2
        LEFT JOIN (
            SELECT c.assistant_id, c.participant_id, min(first_user.first_at) AS first_at
            FROM (
                SELECT assistant_id, conversation_id, min(created_at) AS first_at
                FROM assistants_message
                WHERE assistant_id = ANY(%(ids)s) AND role = 'user'
                GROUP BY assistant_id, conversation_id
            ) first_user
            JOIN assistants_conversation c
              ON c.assistant_id = first_user.assistant_id AND c.id = first_user.conversation_id
            GROUP BY c.assistant_id, c.participant_id
        ) per_participant
          ON per_participant.assistant_id = p2.assistant_id
         AND per_participant.participant_id = p2.id
        WHERE p2.assistant_id = ANY(%(ids)s)
    ) b
    WHERE p.id = b.id AND p.first_message_at IS DISTINCT FROM b.first_at
    """,
    """
    -- Pseudonyms for people who wrote but have none (numbers given stay as they are).
    UPDATE assistants_participant p SET number = numbered.number
    FROM (
        SELECT p2.id, given.top + row_number() OVER (
                   PARTITION BY p2.assistant_id ORDER BY p2.first_message_at, p2.id) AS number
        FROM assistants_participant p2
        JOIN (
            SELECT assistant_id, coalesce(max(number), 0) AS top FROM assistants_participant
            WHERE assistant_id = ANY(%(ids)s) GROUP BY assistant_id
        ) given ON given.assistant_id = p2.assistant_id
        WHERE p2.assistant_id = ANY(%(ids)s) AND p2.number IS NULL
          AND p2.first_message_at IS NOT NULL
    ) numbered
    WHERE p.id = numbered.id
    """,
    f"""
    INSERT INTO assistants_dailyactiveuser
        (assistant_id, day, participant_id, source, user_messages)
    SELECT m.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date, c.participant_id,
           {SOURCE_SQL}, count(*)
    FROM assistants_message m
    JOIN assistants_assistant a ON a.id = m.assistant_id
    JOIN assistants_conversation c
      ON c.assistant_id = m.assistant_id AND c.id = m.conversation_id
    WHERE m.assistant_id = ANY(%(ids)s) AND m.role = 'user'
      AND c.assistant_id = ANY(%(ids)s)
    GROUP BY 1, 2, 3, 4
    """,
    f"""
    INSERT INTO assistants_dailyusage
        (assistant_id, day, source, active_users, conversations, user_messages,
         assistant_messages)
    SELECT assistant_id, day, source, sum(active_users), sum(conversations),
           sum(user_messages), sum(assistant_messages)
    FROM (
        -- Messages per day and source, through their conversations on (assistant_id, id).
        SELECT m.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date AS day,
               {SOURCE_SQL} AS source, 0 AS active_users, 0 AS conversations,
               count(*) FILTER (WHERE m.role = 'user') AS user_messages,
               count(*) FILTER (WHERE m.role = 'assistant') AS assistant_messages
        FROM assistants_message m
        JOIN assistants_assistant a ON a.id = m.assistant_id
        JOIN assistants_conversation c
          ON c.assistant_id = m.assistant_id AND c.id = m.conversation_id
        WHERE m.assistant_id = ANY(%(ids)s) AND c.assistant_id = ANY(%(ids)s)
        GROUP BY 1, 2, 3
        UNION ALL
        -- Active users of the source: the person-day rows just written.
        SELECT assistant_id, day, source, count(*), 0, 0, 0 FROM assistants_dailyactiveuser
        WHERE assistant_id = ANY(%(ids)s) GROUP BY 1, 2, 3
        UNION ALL
        -- Conversations on the day of their first message.
        SELECT c.assistant_id, (c.first_message_at AT TIME ZONE a.time_zone)::date,
               {SOURCE_SQL}, 0, count(*), 0, 0
        FROM assistants_conversation c JOIN assistants_assistant a ON a.id = c.assistant_id
        WHERE c.assistant_id = ANY(%(ids)s) AND c.first_message_at IS NOT NULL
        GROUP BY 1, 2, 3
    ) parts
    GROUP BY assistant_id, day, source
    """,
    """
    INSERT INTO assistants_usagetotals (assistant_id, users, conversations, messages)
    SELECT a.id,
        (SELECT count(*) FROM assistants_participant p
         WHERE p.assistant_id = a.id AND p.first_message_at IS NOT NULL),
        (SELECT count(*) FROM assistants_conversation c
         WHERE c.assistant_id = a.id AND c.first_message_at IS NOT NULL),
        (SELECT count(*) FROM assistants_message m WHERE m.assistant_id = a.id)
    FROM assistants_assistant a WHERE a.id = ANY(%(ids)s)
    ON CONFLICT (assistant_id) DO UPDATE SET
        users = EXCLUDED.users, conversations = EXCLUDED.conversations,
        messages = EXCLUDED.messages
    """,
]


def plan_rebuild_statements(cursor) -> None:
    """How every rebuild statement is planned, this app's and the registered apps' alike, until
    the transaction ends.

    The big aggregates of a full rebuild spill to disk at the default 4MB of work_mem. And no
    nested loops: planned from statistics that say a table is empty (analysed before it was
    loaded), a nested loop reads the inner table once per outer row, and one rebuild took
    minutes instead of a second. Hash and merge joins cost what the rows they read cost, so
    the rebuild's time grows with the events whatever the statistics say.
    (tests/insights/test_rebuild_plans.py explains every statement.)"""
    cursor.execute("SET LOCAL work_mem = '128MB'")
    cursor.execute("SET LOCAL enable_nestloop = off")


def rebuild(assistant_ids: Iterable[int]) -> None:
    """Recompute every counter of these assistants (and the registered apps') from the raw
    events. Run it inside a transaction; it locks each assistant's counters first."""
    ids = sorted(set(assistant_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        plan_rebuild_statements(cursor)
    lock_counters(ids)
    run_rebuild_statements(_REBUILD_STATEMENTS, ids)
    people_counters.rebuild(ids)
    answer_stats.rebuild(ids)
    # Other apps' counters (registered in `assistants.hooks`), in the same transaction.
    for rebuild_counters in hooks.rebuilders():
        rebuild_counters(ids)
