"""The Feedback tab's counters by facet: `DailyFeedbackFacet`, kept exact with the ratings.

A rating has these facets on the day it was given (reporting zone, as the tab's timeframe),
under the version of the answer it rates: each reason it has, a comment when it has one, its
review status, the rated answer's version, and each beginning of a word of its comment
(`word_prefixes`: what a search of one word finds); each facet row counts the ratings of one
value that have it, how many of them are new and how many resolved (the others are
reviewed: the counts under a review status beside the facet), and beside it one row for
each reason those ratings list (`reason`), which the reasons chart under that one filter
sums. Every write of a rating's value, time, comment, reasons or status folds its change
into the rows in the same transaction, under the assistant's counter lock
(`assistants.rollups.lock_counters`, which serialises the writers of one assistant, so a row
that empties is deleted rather than left at zero):

- `record_ratings` runs `apply` after its upsert, given the state of the ratings it replaced
  (`version_feedback.current_values` reads it): one query;
- the follow-up form, reviews, "Mark all shown as reviewed" and a person's erasure change
  the rating and the rows in one statement built by `change_and_count`.

`rebuild_facets` recomputes the rows from the ratings (registered with
`assistants.hooks.register_rebuilder`); both ways write the same rows.
"""

from collections.abc import Sequence

from assistants.lib.sql import fold_written, run_rebuild_statements
from feedback.models import WORD_PREFIX_MAX


def word_prefixes(vector: str) -> str:
    """SQL of the distinct beginnings, 1 to `WORD_PREFIX_MAX` characters, of the words of a
    comment's `search` vector: a rating has the word facet of each, as the search of one
    word (its last word is a prefix, SPEC §4) finds every comment with a word that begins
    so. A rating's vector holds each of its words once, so a beginning comes up once for
    each word it begins, and DISTINCT counts the rating once."""
    return (
        f"SELECT DISTINCT left(word.lexeme, n) FROM unnest({vector}) AS word, "
        f"generate_series(1, least(length(word.lexeme), {WORD_PREFIX_MAX})) AS n"
    )


# The facets of each row of `changes` (day, value, has_comment, reasons, status, version,
# search, sign: +1 for a rating's state now, -1 for the state it replaced), summed per key,
# then folded: a key whose count falls to zero loses its row, any other is upserted. The rows
# deleted and the rows upserted are different keys, so no row is changed twice.
_FOLD = f"""
facets AS (
    SELECT c.day, c.value, c.version, f.facet, f.label, f.reason, c.sign AS ratings,
           c.sign * (c.status = 'new')::int AS new,
           c.sign * (c.status = 'resolved')::int AS resolved
    FROM changes c, LATERAL (
        SELECT 'reason', reason, '' FROM unnest(c.reasons) AS reason
        UNION ALL SELECT 'comment', '', '' WHERE c.has_comment
        UNION ALL SELECT 'status', c.status, ''
        UNION ALL SELECT 'version', c.version::text, ''
        UNION ALL SELECT 'word', prefix, '' FROM ({word_prefixes("c.search")}) AS w(prefix)
        -- The same facets again with each reason the rating lists (the reasons chart under
        -- that one filter); on a reason facet, the rating once however often it lists it.
        UNION ALL SELECT paired.facet, paired.label, picked.reason
        FROM (
            SELECT DISTINCT 'reason', unnest(c.reasons)
            UNION ALL SELECT 'comment', '' WHERE c.has_comment
            UNION ALL SELECT 'status', c.status
            UNION ALL SELECT 'version', c.version::text
            UNION ALL SELECT 'word', prefix FROM ({word_prefixes("c.search")}) AS w(prefix)
        ) AS paired(facet, label), unnest(c.reasons) AS picked(reason)
    ) AS f(facet, label, reason)
),
per_key AS (
    SELECT day, value, version, facet, label, reason, sum(ratings)::int AS ratings,
           sum(new)::int AS new, sum(resolved)::int AS resolved
    FROM facets GROUP BY day, value, version, facet, label, reason
    HAVING sum(ratings) <> 0 OR sum(new) <> 0 OR sum(resolved) <> 0
),
after AS (
    -- Each key's row looked up on the unique key, a probe per key: LIMIT keeps PostgreSQL
    -- from turning the lateral join back into a join, whose generic plan read the whole
    -- table (80 ms for one rating once the word rows had made it 560,000 rows long).
    SELECT p.*, f.id AS row_id, coalesce(f.ratings, 0) + p.ratings AS total
    FROM per_key p
    LEFT JOIN LATERAL (
        SELECT f.id, f.ratings FROM feedback_dailyfeedbackfacet f
        WHERE f.assistant_id = %(assistant)s AND f.facet = p.facet AND f.label = p.label
          AND f.reason = p.reason AND f.day = p.day AND f.value = p.value
          AND f.version = p.version
        LIMIT 1
    ) f ON true
),
emptied AS (
    DELETE FROM feedback_dailyfeedbackfacet f USING after a
    WHERE a.total = 0 AND f.id = a.row_id
    RETURNING 1
),
counted AS (
    INSERT INTO feedback_dailyfeedbackfacet AS f
        (assistant_id, day, value, version, facet, label, reason, ratings, new, resolved)
    SELECT %(assistant)s, day, value, version, facet, label, reason, ratings, new, resolved
    FROM after WHERE total <> 0
    ON CONFLICT (assistant_id, facet, label, reason, day, value, version) DO UPDATE SET
        ratings = f.ratings + EXCLUDED.ratings, new = f.new + EXCLUDED.new,
        resolved = f.resolved + EXCLUDED.resolved
    RETURNING 1
)
"""

# What `changes` needs of a rating, from the table aliased `r`.
STATE = (
    "r.id, r.rated_at, r.value, r.comment <> '' AS has_comment, r.reasons, r.status, r.version, "
    "r.search"
)
_DAY = "(s.rated_at AT TIME ZONE %(tz)s)::date"
_CHANGE_COLUMNS = "s.value, s.has_comment, s.reasons, s.status, s.version, s.search"


# The day of a rating in its assistant's reporting zone, for statements without %(tz)s.
_DAY_HERE = (
    "(s.rated_at AT TIME ZONE "
    "(SELECT a.time_zone FROM assistants_assistant a WHERE a.id = %(assistant)s))::date"
)


def change_and_count(
    *, select: str, update: str, result: str = "SELECT count(*) FROM changed", also: str = ""
) -> str:
    """One statement that changes ratings and folds the change into the facet rows.

    `select` is the WHERE clause (over `r`) of the ratings to change, `update` the SET
    clause of `UPDATE feedback_rating r ... FROM old o`, which may read their old columns
    as `o.`; `result` reads `old` and `changed`, `also` adds columns (", ...") to `old`.
    Parameters: %(assistant)s and the
    clauses' own. Run it under the assistant's counter lock."""
    return f"""
WITH old AS (
    SELECT {STATE}{also} FROM feedback_rating r
    WHERE r.assistant_id = %(assistant)s AND {select}
    FOR UPDATE
),
changed AS (
    UPDATE feedback_rating r SET {update}
    FROM old o WHERE r.id = o.id
    RETURNING {STATE}
),
changes AS (
    SELECT {_DAY_HERE} AS day, {_CHANGE_COLUMNS}, 1 AS sign FROM changed s
    UNION ALL
    SELECT {_DAY_HERE}, {_CHANGE_COLUMNS}, -1 FROM old s JOIN changed c ON c.id = s.id
),
{_FOLD}
{result}
"""


_APPLY = f"""
WITH changed AS (
    -- Joined on the written ids: primary-key look-ups whatever the statistics say.
    SELECT {STATE} FROM unnest(%(ids)s::bigint[]) AS w(id)
    JOIN feedback_rating r ON r.id = w.id
),
old AS (
    SELECT * FROM unnest(%(old_ids)s::bigint[], %(old_times)s::timestamptz[],
                         %(old_values)s::text[], %(old_comments)s::boolean[],
                         %(old_reasons)s::text[], %(old_statuses)s::text[],
                         %(old_versions)s::int[], %(old_searches)s::text[])
        AS o(id, rated_at, value, has_comment, reason_lines, status, version, search)
),
changes AS (
    SELECT {_DAY} AS day, {_CHANGE_COLUMNS}, 1 AS sign FROM changed s
    UNION ALL
    SELECT {_DAY}, s.value, s.has_comment,
           coalesce(string_to_array(nullif(s.reason_lines, ''), E'\\n'), ARRAY[]::text[]),
           s.status, s.version, s.search::tsvector, -1
    FROM old s JOIN changed c ON c.id = s.id
),
{_FOLD}
SELECT count(*) FROM changed
"""


def apply(*, assistant_id: int, time_zone: str, rating_ids: Sequence[int], old: Sequence) -> None:
    """Fold the ratings just written (their ids) into the facet rows, given the state they
    replaced: (id, rated_at, value, has_comment, reasons, status, version) rows after the
    (message, participant) of `version_feedback.current_values`. One query; none when
    nothing was written."""
    states = [row[3:] for row in old]
    replaced = {
        "old_ids": [s[0] for s in states],
        "old_times": [s[1] for s in states],
        "old_values": [s[2] for s in states],
        "old_comments": [s[3] for s in states],
        "old_reasons": ["\n".join(s[4]) for s in states],
        "old_statuses": [s[5] for s in states],
        "old_versions": [s[6] for s in states],
        "old_searches": [s[7] for s in states],
    }
    fold_written(_APPLY, assistant_id=assistant_id, time_zone=time_zone, ids=rating_ids, **replaced)


_REBUILT = (
    "r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, "
    "r.status"
)
_RATED = """FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
        WHERE r.assistant_id = ANY(%(ids)s)"""

_WITH_REASONS = """FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
        CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
        WHERE r.assistant_id = ANY(%(ids)s)"""

# The word rows, without a reason and with each: one read of the ratings with a comment.
WORD_ROWS = f"""
INSERT INTO feedback_dailyfeedbackfacet
    (assistant_id, day, value, version, facet, label, reason, ratings, new, resolved)
SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date, r.value, r.version, 'word',
       w.prefix, picked.reason, count(*), count(*) FILTER (WHERE r.status = 'new'),
       count(*) FILTER (WHERE r.status = 'resolved')
FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
CROSS JOIN LATERAL ({word_prefixes("r.search")}) AS w(prefix)
CROSS JOIN LATERAL (
    SELECT '' UNION ALL SELECT unnest(r.reasons)
) AS picked(reason)
WHERE r.assistant_id = ANY(%(ids)s) AND r.comment <> ''
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

# The rows without a reason (`reason` takes its default, ""), then the rows with one, then
# the word rows; migration 0005 ran them all to key the rows by version and count the
# resolved ratings.
REBUILD_STATEMENTS = [
    "DELETE FROM feedback_dailyfeedbackfacet WHERE assistant_id = ANY(%(ids)s)",
    f"""
    INSERT INTO feedback_dailyfeedbackfacet
        (assistant_id, day, value, version, facet, label, ratings, new, resolved)
    -- One read of the ratings per facet rather than a lateral join, so the plan has no
    -- nested loop whatever the statistics say.
    SELECT assistant_id, day, value, version, facet, label, count(*),
           count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'resolved')
    FROM (
        SELECT {_REBUILT}, 'reason' AS facet, unnest(r.reasons) AS label {_RATED}
        UNION ALL SELECT {_REBUILT}, 'comment', '' {_RATED} AND r.comment <> ''
        UNION ALL SELECT {_REBUILT}, 'status', r.status {_RATED}
        UNION ALL SELECT {_REBUILT}, 'version', r.version::text {_RATED}
    ) AS f
    GROUP BY 1, 2, 3, 4, 5, 6
    """,
    f"""
    INSERT INTO feedback_dailyfeedbackfacet
        (assistant_id, day, value, version, facet, label, reason, ratings, new, resolved)
    SELECT assistant_id, day, value, version, facet, label, reason, count(*),
           count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'resolved')
    FROM (
        -- A reason facet counts the rating once however often it lists the reason.
        SELECT {_REBUILT}, 'reason' AS facet, listed.label, picked.reason
        FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
        CROSS JOIN LATERAL (SELECT DISTINCT unnest(r.reasons)) AS listed(label)
        CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
        WHERE r.assistant_id = ANY(%(ids)s)
        UNION ALL SELECT {_REBUILT}, 'comment', '', picked.reason {_WITH_REASONS}
            AND r.comment <> ''
        UNION ALL SELECT {_REBUILT}, 'status', r.status, picked.reason {_WITH_REASONS}
        UNION ALL SELECT {_REBUILT}, 'version', r.version::text, picked.reason {_WITH_REASONS}
    ) AS f
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    """,
    WORD_ROWS,
]


def rebuild_facets(assistant_ids: Sequence[int]) -> None:
    """Recompute the facet rows of these assistants from their ratings. Four queries; run it
    inside the transaction that holds their counter locks (`rollups.rebuild`)."""
    run_rebuild_statements(REBUILD_STATEMENTS, assistant_ids)
