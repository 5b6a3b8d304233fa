"""Rebuilding the daily feedback counters from the ratings.

`feedback.services` keeps `DailyFeedback` exact as ratings arrive; this recomputes it, and
is registered with `assistants.hooks.register_rebuilder` (see `FeedbackConfig.ready`), so
`rebuild_insights` and a change of reporting time zone recompute feedback too. Both ways
write the same rows: one per day that has ratings, none for a day without.
"""

from collections.abc import Sequence

from assistants.lib.sql import run_rebuild_statements
from assistants.rollups import SOURCE_SQL

_REBUILD_STATEMENTS = [
    "DELETE FROM feedback_dailyfeedback WHERE assistant_id = ANY(%(ids)s)",
    f"""
    INSERT INTO feedback_dailyfeedback (assistant_id, day, source, positive, negative)
    SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date, {SOURCE_SQL},
           count(*) FILTER (WHERE r.value = 'positive'),
           count(*) FILTER (WHERE r.value = 'negative')
    FROM feedback_rating r
    JOIN assistants_assistant a ON a.id = r.assistant_id
    -- The rated answer's conversation gives the source; matched on (assistant_id, id).
    JOIN assistants_conversation c
      ON c.assistant_id = r.assistant_id AND c.id = r.conversation_id
    WHERE r.assistant_id = ANY(%(ids)s) AND c.assistant_id = ANY(%(ids)s)
    GROUP BY 1, 2, 3
    """,
]


def rebuild_daily_feedback(assistant_ids: Sequence[int]) -> None:
    """Recompute the daily feedback counters of these assistants. Two queries; run it inside
    the transaction that holds the assistants' counter locks (`assistants.rollups.rebuild`)."""
    run_rebuild_statements(_REBUILD_STATEMENTS, assistant_ids)
