"""Satisfaction by configuration version and by model: `VersionFeedback`, kept exact with
the ratings.

A rating counts for the version of the answer it rates (SPEC §3): the version in force at
the answer's timestamp (`assistants.versions.version_at_sql`), on the answer's day in the
reporting zone, under its conversation's source and the answer's model (`""` when not
given). One counter serves both satisfactions: the model is one more column of the key the
same upsert already writes, so a rating costs no extra statement; readers by version sum
over the models, the model table sums over the versions. `record_ratings` calls, inside its
transaction and after the assistant's counter lock (`rollups.lock_counters`, which
serialises the writers of one assistant, so the values read first are still current when
the counts move):

1. `current_values` before its upsert: the values of the ratings the batch may replace;
2. `apply` after it: for each rating written, its new value in and its old value out.

`rebuild_version_feedback` recomputes the rows from the ratings (registered with
`assistants.hooks.register_rebuilder`); both ways write the same rows. A key's total never
falls (ratings are not withdrawn, only changed), so no row ever empties.
"""

from collections.abc import Sequence

from assistants.lib.sql import bulk_cursor, fold_written, run_rebuild_statements
from assistants.versions import version_at_sql

# The same rule as `insights.forms.Source`: a conversation the events API made has an
# external id.
_SOURCE = "CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END"

_CURRENT_VALUES = """
SELECT DISTINCT r.message_id, r.participant_id, r.value,
       -- What `feedback.facets.apply` needs of the same ratings.
       r.id, r.rated_at, r.value, r.comment <> '', r.reasons, r.status, r.version,
       r.search::text
FROM unnest(%(messages)s::bigint[], %(participants)s::bigint[]) AS b(message_id, participant_id)
JOIN feedback_rating r
  ON r.assistant_id = %(assistant)s AND r.message_id = b.message_id
 AND r.participant_id = b.participant_id
"""

_APPLY = f"""
WITH old AS (
    SELECT * FROM unnest(%(old_messages)s::bigint[], %(old_participants)s::bigint[],
                         %(old_values)s::text[]) AS o(message_id, participant_id, value)
),
moved AS (
    -- Each rating written now: +1 for its new value, -1 for the value it replaced.
    SELECT (m.created_at AT TIME ZONE %(tz)s)::date AS day, {_SOURCE} AS source,
           {version_at_sql(assistant="%(assistant)s", moment="m.created_at")} AS version,
           COALESCE(m.model, '') AS model,
           (r.value = 'positive')::int - coalesce((o.value = 'positive')::int, 0) AS positive,
           (r.value = 'negative')::int - coalesce((o.value = 'negative')::int, 0) AS negative
    -- Joined on the written ids, so the plan is primary-key look-ups even when the tables'
    -- statistics are stale (a filter on ANY(ids) under a generic plan became a scan).
    FROM unnest(%(ids)s::bigint[]) AS written(id)
    JOIN feedback_rating r ON r.id = written.id
    LEFT JOIN old o ON o.message_id = r.message_id AND o.participant_id = r.participant_id
    JOIN assistants_message m ON m.id = r.message_id
    JOIN assistants_conversation c ON c.id = r.conversation_id
),
per_key AS (
    SELECT day, source, version, model, sum(positive)::int AS positive,
           sum(negative)::int AS negative
    FROM moved GROUP BY day, source, version, model
    HAVING sum(positive) <> 0 OR sum(negative) <> 0
)
-- A key without a row gains ratings only, so its new row never starts below zero.
INSERT INTO feedback_versionfeedback AS v
    (assistant_id, day, source, version, model, positive, negative)
SELECT %(assistant)s, day, source, version, model, greatest(positive, 0), greatest(negative, 0)
FROM per_key
ON CONFLICT (assistant_id, day, source, version, model) DO UPDATE SET
    positive = v.positive + (SELECT p.positive FROM per_key p
                             WHERE (p.day, p.source, p.version, p.model)
                                 = (EXCLUDED.day, EXCLUDED.source, EXCLUDED.version,
                                    EXCLUDED.model)),
    negative = v.negative + (SELECT p.negative FROM per_key p
                             WHERE (p.day, p.source, p.version, p.model)
                                 = (EXCLUDED.day, EXCLUDED.source, EXCLUDED.version,
                                    EXCLUDED.model))
"""

REBUILD_STATEMENTS = [
    "DELETE FROM feedback_versionfeedback WHERE assistant_id = ANY(%(ids)s)",
    f"""
    INSERT INTO feedback_versionfeedback
        (assistant_id, day, source, version, model, positive, negative)
    SELECT r.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date, {_SOURCE},
           {version_at_sql(assistant="r.assistant_id", moment="m.created_at")},
           COALESCE(m.model, ''),
           count(*) FILTER (WHERE r.value = 'positive'),
           count(*) FILTER (WHERE r.value = 'negative')
    FROM feedback_rating r
    JOIN assistants_assistant a ON a.id = r.assistant_id
    JOIN assistants_message m ON m.id = r.message_id
    JOIN assistants_conversation c ON c.id = r.conversation_id
    WHERE r.assistant_id = ANY(%(ids)s)
    GROUP BY 1, 2, 3, 4, 5
    """,
]

# (message, participant, value, then the state `feedback.facets.apply` reads).
OldValues = list[tuple]


def current_values(
    *, assistant_id: int, message_ids: Sequence[int], participant_ids: Sequence[int]
) -> OldValues:
    """(message, participant, value, then the facets' state) of the stored ratings among
    these pairs. One query; run it after the counter lock and before the upsert."""
    with bulk_cursor() as cursor:
        cursor.execute(
            _CURRENT_VALUES,
            {
                "assistant": assistant_id,
                "messages": list(message_ids),
                "participants": list(participant_ids),
            },
        )
        return cursor.fetchall()


def apply(*, assistant_id: int, time_zone: str, rating_ids: Sequence[int], old: OldValues) -> None:
    """Fold the ratings just written (their ids) into the version counters, given the values
    they replaced (`current_values`). One query; none when nothing was written."""
    replaced = {
        "old_messages": [row[0] for row in old],
        "old_participants": [row[1] for row in old],
        "old_values": [row[2] for row in old],
    }
    fold_written(_APPLY, assistant_id=assistant_id, time_zone=time_zone, ids=rating_ids, **replaced)


def rebuild_version_feedback(assistant_ids: Sequence[int]) -> None:
    """Recompute the version counters of these assistants from their ratings. Two queries;
    run it inside the transaction that holds their counter locks (`rollups.rebuild`)."""
    run_rebuild_statements(REBUILD_STATEMENTS, assistant_ids)
