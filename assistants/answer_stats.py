"""The quality and cost counters of answers (SPEC §3 "Answer quality and cost"), kept exact
in the same transaction as the messages and failed replies they count.

`DailyAnswerStats` and `DailyLatencyBucket` are keyed by (assistant, day in its reporting
zone, source, configuration version, model):

- source: `api` when the conversation has an `external_id` (the events API made it), `app`
  otherwise;
- version: `versions.version_at_sql` at the answer's or failure's own timestamp;
- model: the answer's `model`, or `""` when the sender gave none.

Latency histograms use the log-spaced buckets of DDSketch: bucket i holds the latencies in
(γ^(i-1), γ^i] ms with γ = (1 + α) / (1 - α), α = 4 % (each bucket is 8.3 % wide), and 0 ms
has bucket -1. Merging days, versions or models is adding counts, and the value reported
for a bucket, 2γ^i / (γ + 1), is within α of every latency in it, so a percentile read from
a merged histogram is within 4 % of the exact one.

Cost of an answer: its `cost_usd` when the sender gave it; otherwise input and output
tokens (both needed) × the `ModelPrice` of its model in force at its timestamp, looked up
when the answer is counted. An answer with neither counts in `unpriced_answers`.

Two ways in, which must always agree (a property test holds them to it): `apply_new_answers`
and `apply_new_failures` fold just-inserted rows, one statement each per batch;
`rebuild` recomputes an assistant's rows from the raw events, with the price table as it
is then (which is how an edited price re-costs past answers: `rebuild_insights`).
"""

import math
from collections.abc import Sequence

from django.db import connection

from assistants.lib.sql import bulk_cursor
from assistants.versions import version_at_sql

ALPHA = 0.04
GAMMA = (1 + ALPHA) / (1 - ALPHA)
ZERO_BUCKET = -1


def latency_bucket_sql(latency: str) -> str:
    """The SQL expression of a latency's bucket (an integer number of ms, ≥ 0)."""
    return (
        f"(CASE WHEN {latency} = 0 THEN {ZERO_BUCKET}"
        f" ELSE ceil(ln({latency}::float8) / ln({GAMMA!r}::float8))::int END)"
    )


def bucket_value(bucket: int) -> float:
    """The latency (ms) reported for a bucket: within ALPHA of every latency in it."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def bucket_value_sql(bucket: str) -> str:
    """`bucket_value` in SQL, so that pages read percentiles straight from a query."""
    return (
        f"(CASE WHEN {bucket} = {ZERO_BUCKET} THEN 0::float8"
        f" ELSE 2 * power({GAMMA!r}::float8, {bucket}) / ({GAMMA!r}::float8 + 1) END)"
    )


def latency_bucket(latency_ms: int) -> int:
    """`latency_bucket_sql` in Python, for tests (agrees except on float ties at an edge)."""
    if latency_ms == 0:
        return ZERO_BUCKET
    return math.ceil(math.log(latency_ms) / math.log(GAMMA))


def nearest_rank(count: int, quantile: float) -> int:
    """The rank (1-based) of a quantile among `count` values: ceil(q × n), at least 1. The
    median of an even number of latencies is the lower of the two middle ones."""
    return max(1, math.ceil(quantile * count))


# An answer's cost: given, or from its tokens and the price of its model at its timestamp.
_ANSWER_COST = """
COALESCE(m.cost_usd, (m.input_tokens * price.input_usd_per_million
                      + m.output_tokens * price.output_usd_per_million) / 1000000)
"""
_PRICE_AT_ANSWER = """
LEFT JOIN LATERAL (
    SELECT p.input_usd_per_million, p.output_usd_per_million FROM assistants_modelprice p
    WHERE p.model = m.model AND p.effective_from <= m.created_at
    ORDER BY p.effective_from DESC LIMIT 1
) price ON m.cost_usd IS NULL
"""
_SOURCE = "(CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END)"

# Both fold statements end in these two upserts over a `new` set of
# (day, source, version, model, answer, failed, latency_ms, input, output, cost).
_UPSERT = f"""
buckets AS (
    INSERT INTO assistants_dailylatencybucket
        (assistant_id, day, source, version, model, bucket, answers)
    SELECT %(assistant)s, day, source, version, model, {latency_bucket_sql("latency_ms")},
           count(*)
    FROM new WHERE latency_ms IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (assistant_id, day, source, version, model, bucket) DO UPDATE SET
        answers = assistants_dailylatencybucket.answers + EXCLUDED.answers
)
INSERT INTO assistants_dailyanswerstats
    (assistant_id, day, source, version, model, answers, answers_with_latency,
     failed_replies, input_tokens, output_tokens, cost_usd, unpriced_answers)
SELECT %(assistant)s, day, source, version, model,
       count(*) FILTER (WHERE answer), count(latency_ms), count(*) FILTER (WHERE NOT answer),
       COALESCE(sum(input_tokens), 0), COALESCE(sum(output_tokens), 0),
       COALESCE(sum(cost), 0), count(*) FILTER (WHERE answer AND cost IS NULL)
FROM new GROUP BY day, source, version, model
ON CONFLICT (assistant_id, day, source, version, model) DO UPDATE SET
    answers = assistants_dailyanswerstats.answers + EXCLUDED.answers,
    answers_with_latency =
        assistants_dailyanswerstats.answers_with_latency + EXCLUDED.answers_with_latency,
    failed_replies = assistants_dailyanswerstats.failed_replies + EXCLUDED.failed_replies,
    input_tokens = assistants_dailyanswerstats.input_tokens + EXCLUDED.input_tokens,
    output_tokens = assistants_dailyanswerstats.output_tokens + EXCLUDED.output_tokens,
    cost_usd = assistants_dailyanswerstats.cost_usd + EXCLUDED.cost_usd,
    unpriced_answers = assistants_dailyanswerstats.unpriced_answers + EXCLUDED.unpriced_answers
"""

_APPLY_NEW_ANSWERS = f"""
WITH new AS (
    SELECT (m.created_at AT TIME ZONE %(tz)s)::date AS day, {_SOURCE} AS source,
           {version_at_sql(assistant="m.assistant_id", moment="m.created_at")} AS version,
           COALESCE(m.model, '') AS model, true AS answer, m.latency_ms,
           m.input_tokens, m.output_tokens, {_ANSWER_COST} AS cost
    -- Joined on the batch's ids: primary-key look-ups whatever the statistics say.
    FROM unnest(%(ids)s::bigint[]) AS batch(id)
    JOIN assistants_message m ON m.id = batch.id
    JOIN assistants_conversation c ON c.id = m.conversation_id
    {_PRICE_AT_ANSWER}
    WHERE m.assistant_id = %(assistant)s AND m.role = 'assistant'
),
{_UPSERT}
"""

_APPLY_NEW_FAILURES = f"""
WITH new AS (
    SELECT (f.created_at AT TIME ZONE %(tz)s)::date AS day, {_SOURCE} AS source,
           {version_at_sql(assistant="f.assistant_id", moment="f.created_at")} AS version,
           COALESCE(f.model, '') AS model, false AS answer, NULL::int AS latency_ms,
           NULL::bigint AS input_tokens, NULL::bigint AS output_tokens,
           NULL::numeric AS cost
    FROM unnest(%(ids)s::bigint[]) AS batch(id)
    JOIN assistants_failedreply f ON f.id = batch.id
    JOIN assistants_conversation c ON c.id = f.conversation_id
    WHERE f.assistant_id = %(assistant)s
),
{_UPSERT}
"""


def apply_new_answers(*, assistant_id: int, time_zone: str, message_ids: Sequence[int]) -> None:
    """Fold just-inserted messages (the person's are ignored) into the answer counters. One
    query, any batch size. Runs inside the inserting transaction, after `lock_counters`."""
    if not message_ids:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            _APPLY_NEW_ANSWERS,
            {"assistant": assistant_id, "tz": time_zone, "ids": list(message_ids)},
        )


def apply_new_failures(*, assistant_id: int, time_zone: str, failure_ids: Sequence[int]) -> None:
    """Fold just-inserted failed replies into the answer counters. One query, any batch size.
    Runs inside the inserting transaction, after `lock_counters`."""
    if not failure_ids:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            _APPLY_NEW_FAILURES,
            {"assistant": assistant_id, "tz": time_zone, "ids": list(failure_ids)},
        )


# The rebuild: the same definitions over every raw event of the assistants.
_REBUILD_NEW = f"""
WITH new AS (
    SELECT m.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date AS day,
           {_SOURCE} AS source,
           {version_at_sql(assistant="m.assistant_id", moment="m.created_at")} AS version,
           COALESCE(m.model, '') AS model, true AS answer, m.latency_ms,
           m.input_tokens, m.output_tokens, {_ANSWER_COST} AS cost
    FROM assistants_message m
    JOIN assistants_assistant a ON a.id = m.assistant_id
    JOIN assistants_conversation c ON c.id = m.conversation_id
    {_PRICE_AT_ANSWER}
    WHERE m.assistant_id = ANY(%(ids)s) AND m.role = 'assistant'
    UNION ALL
    SELECT f.assistant_id, (f.created_at AT TIME ZONE a.time_zone)::date, {_SOURCE},
           {version_at_sql(assistant="f.assistant_id", moment="f.created_at")},
           COALESCE(f.model, ''), false, NULL, NULL, NULL, NULL
    FROM assistants_failedreply f
    JOIN assistants_assistant a ON a.id = f.assistant_id
    JOIN assistants_conversation c ON c.id = f.conversation_id
    WHERE f.assistant_id = ANY(%(ids)s)
)
"""

REBUILD_STATEMENTS = [
    "DELETE FROM assistants_dailylatencybucket WHERE assistant_id = ANY(%(ids)s)",
    "DELETE FROM assistants_dailyanswerstats WHERE assistant_id = ANY(%(ids)s)",
    # A temporary table, so the events are read (and each version looked up) once for both
    # tables; it goes away with the transaction.
    "DROP TABLE IF EXISTS answer_stats_rebuild",
    f"""
    CREATE TEMPORARY TABLE answer_stats_rebuild ON COMMIT DROP AS
    {_REBUILD_NEW}
    SELECT * FROM new
    """,
    f"""
    INSERT INTO assistants_dailylatencybucket
        (assistant_id, day, source, version, model, bucket, answers)
    SELECT assistant_id, day, source, version, model, {latency_bucket_sql("latency_ms")},
           count(*)
    FROM answer_stats_rebuild WHERE latency_ms IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    """,
    """
    INSERT INTO assistants_dailyanswerstats
        (assistant_id, day, source, version, model, answers, answers_with_latency,
         failed_replies, input_tokens, output_tokens, cost_usd, unpriced_answers)
    SELECT assistant_id, day, source, version, model,
           count(*) FILTER (WHERE answer), count(latency_ms), count(*) FILTER (WHERE NOT answer),
           COALESCE(sum(input_tokens), 0), COALESCE(sum(output_tokens), 0),
           COALESCE(sum(cost), 0), count(*) FILTER (WHERE answer AND cost IS NULL)
    FROM answer_stats_rebuild GROUP BY assistant_id, day, source, version, model
    """,
    "DROP TABLE answer_stats_rebuild",
]


def rebuild(assistant_ids: Sequence[int]) -> None:
    """Recompute the answer counters of these assistants from the raw messages and failed
    replies, costing with the price table as it is now. Inside the caller's transaction,
    after `lock_counters`; `rollups.rebuild` calls it."""
    with connection.cursor() as cursor:
        for statement in REBUILD_STATEMENTS:
            cursor.execute(statement, {"ids": list(assistant_ids)})
