"""The quality and cost counters of answers (SPEC §3 "Answer quality and cost"), kept exact
in the same transaction as the messages and failed replies they count.

`DailyAnswerStats` is keyed by (assistant, day in its reporting zone, source,
configuration version, model):

- source: `api` when the conversation has an `external_id` (the events API made it), `app`
  otherwise;
- version: `versions.version_at_sql` at the answer's or failure's own timestamp;
- model: the answer's `model`, or `""` when the sender gave none.

Latency histograms use the log-spaced buckets of DDSketch: bucket i holds the latencies in
(γ^(i-1), γ^i] ms with γ = (1 + α) / (1 - α), α = 4 % (each bucket is 8.3 % wide), and 0 ms
has bucket -1. Merging days, versions or models is adding counts, and the value reported
for a bucket, 2γ^i / (γ + 1), is within α of every latency in it, so a percentile read from
a merged histogram is within 4 % of the exact one.

A row keeps its histogram in two columns: `latency_counts`, the counts of every bucket from
`latency_first_bucket` to the row's last non-empty one (zeros between), both NULL when no
answer of the row has a latency. Answers of one model on one day fall in a few dozen
adjacent buckets, so a range of a year is a few hundred short arrays, which
`LatencyHistogram` adds up in Python faster than PostgreSQL can unnest and regroup them.

Cost of an answer: its `cost_usd` when the sender gave it; otherwise input and output
tokens (both needed) × the `ModelPrice` of its model in force at its timestamp, looked up
when the answer is counted. An answer with neither counts in `unpriced_answers`.

Two ways in, which must always agree (a property test holds them to it): `apply_new_answers`
and `apply_new_failures` fold just-inserted rows, one statement each per batch;
`rebuild` recomputes an assistant's rows from the raw events, with the price table as it
is then (which is how an edited price re-costs past answers: `rebuild_insights`).
"""

import math
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate, zip_longest

from assistants.lib.sql import fold_written, run_rebuild_statements
from assistants.versions import version_at_sql

ALPHA = 0.04
GAMMA = (1 + ALPHA) / (1 - ALPHA)
ZERO_BUCKET = -1


def latency_bucket_sql(latency: str) -> str:
    """The SQL expression of a latency's bucket (an integer number of ms, ≥ 0; NULL stays
    NULL)."""
    return (
        f"(CASE WHEN {latency} = 0 THEN {ZERO_BUCKET}"
        f" ELSE ceil(ln({latency}::float8) / ln({GAMMA!r}::float8))::int END)"
    )


def bucket_value(bucket: int) -> float:
    """The latency (ms) reported for a bucket: within ALPHA of every latency in it."""
    if bucket == ZERO_BUCKET:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def latency_bucket(latency_ms: int) -> int:
    """`latency_bucket_sql` in Python, for tests (agrees except on float ties at an edge)."""
    if latency_ms == 0:
        return ZERO_BUCKET
    return math.ceil(math.log(latency_ms) / math.log(GAMMA))


def nearest_rank(count: int, quantile: float) -> int:
    """The rank (1-based) of a quantile among `count` values: ceil(q × n), at least 1. The
    median of an even number of latencies is the lower of the two middle ones."""
    return max(1, math.ceil(quantile * count))


class LatencyHistogram:
    """A merged latency histogram: `counts[i]` answers in bucket `first_bucket + i`. Add rows'
    (`latency_first_bucket`, `latency_counts`) to it, then read percentiles. Pure Python,
    no query. Rows are kept as added and summed bucket by bucket at the first read, in one
    pass over all of them (`zip_longest`), which costs a third less than adding each row
    on arrival."""

    __slots__ = ("_first_bucket", "_counts", "_pending")

    def __init__(self) -> None:
        self._first_bucket: int | None = None
        self._counts: list[int] = []
        self._pending: list[tuple[int, Sequence[int]]] = []

    def add(self, first_bucket: int | None, counts: Sequence[int] | None) -> None:
        """Add one row's histogram (both None: the row has no latency)."""
        if first_bucket is not None and counts:
            self._pending.append((first_bucket, counts))

    def merge(self, other: "LatencyHistogram") -> None:
        self.add(other.first_bucket, other.counts)

    def _collapse(self) -> None:
        if not self._pending:
            return
        rows = self._pending
        if self._first_bucket is not None:
            rows.append((self._first_bucket, self._counts))
        first = min(row_first for row_first, _ in rows)
        aligned = [[0] * (row_first - first) + list(counts) for row_first, counts in rows]
        self._first_bucket = first
        self._counts = list(map(sum, zip_longest(*aligned, fillvalue=0)))
        self._pending = []

    @property
    def first_bucket(self) -> int | None:
        self._collapse()
        return self._first_bucket

    @property
    def counts(self) -> list[int]:
        self._collapse()
        return self._counts

    @property
    def total(self) -> int:
        return sum(self.counts)

    def percentile(self, quantile: float) -> float | None:
        """The latency (ms) at this quantile (nearest rank), within ALPHA of the exact one;
        None for an empty histogram."""
        self._collapse()
        running = list(accumulate(self._counts))
        if not running or not running[-1]:
            return None
        # The first bucket whose running count reaches the rank.
        offset = bisect_left(running, nearest_rank(running[-1], quantile))
        return bucket_value(self._first_bucket + offset)


# An answer's cost: given, or from its tokens and the price of its model at its timestamp.
_ANSWER_COST = """
COALESCE(m.cost_usd, (m.input_tokens * price.input_usd_per_million
                      + m.output_tokens * price.output_usd_per_million) / 1000000)
"""
# The price in force at an answer: the fold looks up the batch's few answers one by one.
_PRICE_AT_ANSWER = """
LEFT JOIN LATERAL (
    SELECT p.input_usd_per_million, p.output_usd_per_million FROM assistants_modelprice p
    WHERE p.model = m.model AND p.effective_from <= m.created_at
    ORDER BY p.effective_from DESC LIMIT 1
) price ON m.cost_usd IS NULL
"""
# The rebuild reads every answer: each price as a period [effective_from, next start),
# hash-joined by model, so the plan has no nested loop (tests/insights/test_rebuild_plans.py).
_PRICE_PERIODS = """
prices AS (
    SELECT model, input_usd_per_million, output_usd_per_million, effective_from,
           lead(effective_from) OVER (PARTITION BY model ORDER BY effective_from) AS until
    FROM assistants_modelprice
)"""
_PRICE_IN_PERIOD = """
LEFT JOIN prices price ON m.cost_usd IS NULL AND price.model = m.model
 AND price.effective_from <= m.created_at
 AND (price.until IS NULL OR m.created_at < price.until)
"""
_SOURCE = "(CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END)"


def _fold_sql(*, key: str, assistant: str, conflict: str = "") -> str:
    """From a `new` set of (key…, answer, latency_ms, input_tokens, output_tokens, cost),
    the `DailyAnswerStats` rows it makes, inserted; `conflict` is the ON CONFLICT clause.
    `key`: the columns `new` is grouped by; `assistant`: what to insert as the assistant
    (a parameter, or a column of the key)."""
    return f"""
-- Per key and latency bucket (NULL: no latency), so the histogram and every other figure
-- come out of one pass over the answers.
per_bucket AS (
    SELECT {key}, {latency_bucket_sql("latency_ms")} AS bucket,
           count(*) FILTER (WHERE answer) AS answers, count(latency_ms) AS timed,
           count(*) FILTER (WHERE NOT answer) AS failed,
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
           sum(cost) AS cost, count(*) FILTER (WHERE answer AND cost IS NULL) AS unpriced
    FROM new GROUP BY {key}, bucket
),
per_key AS (
    SELECT {key}, sum(answers) AS answers, sum(timed) AS timed, sum(failed) AS failed,
           COALESCE(sum(input_tokens), 0) AS input_tokens,
           COALESCE(sum(output_tokens), 0) AS output_tokens, COALESCE(sum(cost), 0) AS cost,
           sum(unpriced) AS unpriced, min(bucket) AS first_bucket, max(bucket) AS last_bucket,
           array_agg(bucket) FILTER (WHERE bucket IS NOT NULL) AS buckets,
           array_agg(timed) FILTER (WHERE bucket IS NOT NULL) AS counts
    FROM per_bucket GROUP BY {key}
)
INSERT INTO assistants_dailyanswerstats AS s
    (assistant_id, day, source, version, model, answers, answers_with_latency,
     failed_replies, input_tokens, output_tokens, cost_usd, unpriced_answers,
     latency_first_bucket, latency_counts)
SELECT {assistant}, day, source, version, model, answers, timed, failed, input_tokens,
       output_tokens, cost, unpriced, first_bucket,
       -- The counts of every bucket from the first to the last, zeros between.
       (SELECT array_agg(COALESCE(counts[array_position(buckets, b)], 0)::int ORDER BY b)
        FROM generate_series(first_bucket, last_bucket) b)
FROM per_key
{conflict}
"""


# Adding two histograms: bucket by bucket over the span of both (an index outside an array
# reads NULL, which counts 0).
_MERGE_HISTOGRAMS = """
    latency_first_bucket = least(s.latency_first_bucket, EXCLUDED.latency_first_bucket),
    latency_counts = (
        SELECT array_agg(
            COALESCE(s.latency_counts[b - s.latency_first_bucket + 1], 0)
            + COALESCE(EXCLUDED.latency_counts[b - EXCLUDED.latency_first_bucket + 1], 0)
            ORDER BY b)
        FROM generate_series(
            least(s.latency_first_bucket, EXCLUDED.latency_first_bucket)::int,
            greatest(s.latency_first_bucket + cardinality(s.latency_counts),
                     EXCLUDED.latency_first_bucket + cardinality(EXCLUDED.latency_counts)) - 1
        ) b
    )"""

_UPSERT = _fold_sql(
    key="day, source, version, model",
    assistant="%(assistant)s",
    conflict=f"""
ON CONFLICT (assistant_id, day, source, version, model) DO UPDATE SET
    answers = s.answers + EXCLUDED.answers,
    answers_with_latency = s.answers_with_latency + EXCLUDED.answers_with_latency,
    failed_replies = s.failed_replies + EXCLUDED.failed_replies,
    input_tokens = s.input_tokens + EXCLUDED.input_tokens,
    output_tokens = s.output_tokens + EXCLUDED.output_tokens,
    cost_usd = s.cost_usd + EXCLUDED.cost_usd,
    unpriced_answers = s.unpriced_answers + EXCLUDED.unpriced_answers,
    {_MERGE_HISTOGRAMS}
""",
)

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
    fold_written(
        _APPLY_NEW_ANSWERS, assistant_id=assistant_id, time_zone=time_zone, ids=message_ids
    )


def apply_new_failures(*, assistant_id: int, time_zone: str, failure_ids: Sequence[int]) -> None:
    """Fold just-inserted failed replies into the answer counters. One query, any batch size.
    Runs inside the inserting transaction, after `lock_counters`."""
    fold_written(
        _APPLY_NEW_FAILURES, assistant_id=assistant_id, time_zone=time_zone, ids=failure_ids
    )


# The rebuild: the same definitions over every raw event of the assistants, in one
# statement (the events are read, and each version looked up, once).
_REBUILD_NEW = f"""
WITH {_PRICE_PERIODS},
new AS (
    SELECT m.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date AS day,
           {_SOURCE} AS source,
           {version_at_sql(assistant="m.assistant_id", moment="m.created_at")} AS version,
           COALESCE(m.model, '') AS model, true AS answer, m.latency_ms,
           m.input_tokens, m.output_tokens, {_ANSWER_COST} AS cost
    FROM assistants_message m
    JOIN assistants_assistant a ON a.id = m.assistant_id
    JOIN assistants_conversation c ON c.id = m.conversation_id
    {_PRICE_IN_PERIOD}
    WHERE m.assistant_id = ANY(%(ids)s) AND m.role = 'assistant'
    UNION ALL
    SELECT f.assistant_id, (f.created_at AT TIME ZONE a.time_zone)::date, {_SOURCE},
           {version_at_sql(assistant="f.assistant_id", moment="f.created_at")},
           COALESCE(f.model, ''), false, NULL, NULL, NULL, NULL
    FROM assistants_failedreply f
    JOIN assistants_assistant a ON a.id = f.assistant_id
    JOIN assistants_conversation c ON c.id = f.conversation_id
    WHERE f.assistant_id = ANY(%(ids)s)
),
"""

REBUILD_STATEMENTS = [
    "DELETE FROM assistants_dailyanswerstats WHERE assistant_id = ANY(%(ids)s)",
    _REBUILD_NEW
    + _fold_sql(key="assistant_id, day, source, version, model", assistant="assistant_id"),
]


def rebuild(assistant_ids: Sequence[int]) -> None:
    """Recompute the answer counters of these assistants from the raw messages and failed
    replies, costing with the price table as it is now. Inside the caller's transaction,
    after `lock_counters`; `rollups.rebuild` calls it."""
    run_rebuild_statements(REBUILD_STATEMENTS, assistant_ids)
