"""The ratings of the benchmark's `feedback` section, generated inside PostgreSQL.

`ensure_ratings` rates the newest answers of an assistant once each, by the person they
answered (one rating per answer and person is the rule). When the assistant has fewer
answers than ratings to load, answered conversations are added to it first, two question /
answer pairs each over the last year (`INSERT … SELECT generate_series`). The ratings are one
`INSERT … SELECT` in the order they were given, as the app writes them: about seven in ten
positive, three in ten with a comment, four in ten with one or two reasons, most already
reviewed; each carries its answer, the question before it and the version in force when it
was given (`assistants.versions`). Nothing is generated row by row in Python.

The table's secondary indexes are dropped before and built again after, from their own
definitions (`pg_indexes`), as a restore does, so the timed queries read the same indexes as
production; then `VACUUM ANALYZE` of the tables written. The ratings are kept for the next
run. Only ever run it on a benchmark database.
"""

import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from assistants import rollups
from assistants.models import Assistant, ConfigurationVersion
from assistants.versions import version_at_sql
from feedback.models import DEFAULT_REASONS, Rating

COMMENTS = (
    "Exactly what I needed.",
    "The steps are out of date, the menu moved.",
    'It said "restart", but that did not help, at all.',
    "=SUM(A1:A9) looks like a formula",
    "Too long; I wanted one line.\nAnd a link.",
    "Clear and friendly.",
)
POSITIVE_SHARE = 0.7
COMMENT_SHARE = 0.3
# Reviewed and resolved most of them, as a team working through its feedback would.
NEW_SHARE, REVIEWED_SHARE = 0.2, 0.6

_GENERATE_CHATS = """
WITH people AS (
    INSERT INTO assistants_participant (assistant_id, external_id, created_at)
    SELECT %(assistant)s, %(prefix)s || g, %(start)s
    FROM generate_series(1, %(people)s) g
    RETURNING id
),
numbered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM people),
conversations AS (
    INSERT INTO assistants_conversation
        (assistant_id, participant_id, title, created_at, first_message_at, last_message_at)
    SELECT %(assistant)s, p.id, 'Question ' || g,
           %(start)s + (g * %(spacing)s)::interval,
           %(start)s + (g * %(spacing)s)::interval,
           %(start)s + (g * %(spacing)s)::interval + interval '3 minutes'
    FROM generate_series(1, %(conversations)s) g
    JOIN numbered p ON p.n = g %% %(people)s
    RETURNING id, created_at
)
INSERT INTO assistants_message (assistant_id, conversation_id, role, content, created_at)
SELECT %(assistant)s, c.id, r.role,
       CASE WHEN r.role = 'user' THEN 'How do I change the setting number ' || c.id || '?'
            ELSE 'Open **Settings**, choose *Account* and then the item ' || c.id
                 || '. If it is not there, ask your administrator to enable it for you.'
       END,
       c.created_at + r.offset_
FROM conversations c
CROSS JOIN (VALUES ('user', interval '0'), ('assistant', interval '1 minute'),
                   ('user', interval '2 minutes'), ('assistant', interval '3 minutes'))
     AS r(role, offset_)
"""

_COUNT_ANSWERS = (
    "SELECT count(*) FROM assistants_message WHERE assistant_id = %s AND role = 'assistant'"
)

# The newest answers, each with its draws (a CTE with random() is computed once, not
# inlined); each rated up to ten hours after it was given.
_RATE_ANSWERS = f"""
WITH answers AS (
    SELECT m.id, m.conversation_id, c.participant_id, m.content, m.created_at,
           least(m.created_at + (1 + floor(random() * 600)) * interval '1 minute', %(now)s)
               AS rated_at,
           random() AS r_value, random() AS r_comment, random() AS r_reasons,
           random() AS r_first, random() AS r_second, random() AS r_status,
           random() AS r_contact, random() AS r_shared
    FROM assistants_message m JOIN assistants_conversation c ON c.id = m.conversation_id
    WHERE m.assistant_id = %(assistant)s AND m.role = 'assistant'
    ORDER BY m.created_at DESC
    LIMIT %(ratings)s
),
valued AS (
    SELECT a.*,
           CASE WHEN r_value < {POSITIVE_SHARE} THEN 'positive' ELSE 'negative' END AS value,
           CASE WHEN r_value < {POSITIVE_SHARE} THEN %(positive)s::text[]
                ELSE %(negative)s::text[] END AS offered
    FROM answers a
),
picked AS (
    -- About four in ten pick reasons: one (3 in 10) or two different ones (1 in 10).
    SELECT v.*, cardinality(offered) AS n, 1 + floor(r_first * cardinality(offered))::int AS i
    FROM valued v
)
INSERT INTO feedback_rating (
    assistant_id, message_id, conversation_id, participant_id, value, rated_at, answer,
    question, version, comment, reasons, share_contact, contact_name, contact_email,
    share_token, chat_shared_at, external_id, updated_at, status, note)
SELECT %(assistant)s, p.id, p.conversation_id, p.participant_id, p.value, p.rated_at,
       p.content,
       COALESCE((SELECT q.content FROM assistants_message q
                 WHERE q.assistant_id = %(assistant)s AND q.conversation_id = p.conversation_id
                   AND q.role = 'user' AND q.created_at <= p.created_at
                 ORDER BY q.created_at DESC LIMIT 1), ''),
       {version_at_sql(assistant="%(assistant)s", moment="p.created_at")},
       CASE WHEN r_comment < {COMMENT_SHARE}
            THEN (%(comments)s::text[])[1 + floor(r_comment / {COMMENT_SHARE}
                                                  * cardinality(%(comments)s::text[]))::int]
            ELSE '' END,
       CASE WHEN r_reasons < 0.6 THEN '{{}}'::text[]
            WHEN r_reasons < 0.9 THEN ARRAY[offered[i]]
            ELSE ARRAY[offered[i], offered[1 + (i + floor(r_second * (n - 1))::int) %% n]]
       END,
       r_contact < 0.05,
       CASE WHEN r_contact < 0.05 THEN 'Person ' || p.participant_id ELSE '' END,
       CASE WHEN r_contact < 0.05 THEN 'person' || p.participant_id || '@example.com'
            ELSE '' END,
       CASE WHEN r_shared < 0.03 THEN gen_random_uuid() END,
       CASE WHEN r_shared < 0.03 THEN p.rated_at END,
       NULL, p.rated_at,
       CASE WHEN r_status < {NEW_SHARE} THEN 'new'
            WHEN r_status < {NEW_SHARE + REVIEWED_SHARE} THEN 'reviewed'
            ELSE 'resolved' END,
       ''
FROM picked p
ORDER BY p.rated_at
"""

_CLEAR_RATINGS = [
    "DELETE FROM feedback_rating WHERE assistant_id = %s",
    "DELETE FROM feedback_dailyfeedback WHERE assistant_id = %s",
]

# The table's indexes that back no constraint (a constraint's index stays: it is checked
# as rows arrive, as in production).
_SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = current_schema() AND i.tablename = %s
  AND NOT EXISTS (
      SELECT 1 FROM pg_constraint c
      WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
ORDER BY i.indexname
"""
# For building them again: a sort in memory rather than on disk.
_INDEX_BUILD_MEMORY = "256MB"


def _is_current(assistant: Assistant, ratings: int) -> bool:
    """Whether the assistant holds `ratings` ratings as this module loads them: with
    reasons, and with the versions of their answers (older loads had neither)."""
    loaded = Rating.objects.filter(assistant=assistant)
    if loaded.count() != ratings or not loaded.exclude(reasons=[]).exists():
        return False
    versions = ConfigurationVersion.objects.filter(assistant=assistant).count()
    return versions <= 1 or loaded.filter(version__gt=1).exists()


def _add_answered_chats(cursor, assistant: Assistant, answers_before: int, missing: int, log):
    conversations = math.ceil(missing / 2)
    log(
        f"assistant {assistant.pk}: {answers_before:,} answers; adding {conversations:,}"
        f" conversations ({4 * conversations:,} messages)"
    )
    start = timezone.now() - timedelta(days=365)
    cursor.execute(
        _GENERATE_CHATS,
        {
            "assistant": assistant.pk,
            "prefix": f"feedback-bench-{assistant.pk}-{answers_before}-",
            "people": max(1, conversations // 10),
            "conversations": conversations,
            "start": start,
            "spacing": timedelta(seconds=(365 * 86400 - 3600) / conversations),
        },
    )


def ensure_ratings(
    assistant: Assistant, ratings: int, progress: Callable[[str], None], *, reload: bool
) -> bool:
    """Give the assistant exactly `ratings` ratings, one per answer, adding answered
    conversations first when it has too few answers. Returns whether it loaded anything
    (a previous run's ratings are reused unless `reload`)."""
    if not reload and _is_current(assistant, ratings):
        progress(f"assistant {assistant.pk}: reusing its {ratings:,} ratings")
        return False
    started = time.perf_counter()

    def log(message: str) -> None:
        progress(f"{message} [{time.perf_counter() - started:.1f} s]")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (skip_fk,) = cursor.fetchone()
        if skip_fk:
            # As the dataset's load: every row written here takes its references from rows
            # it reads in the same statement, so the per-row foreign key checks (deferred to
            # the commit, four a rating) would only double the load.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(_SECONDARY_INDEXES, ["feedback_rating"])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in _CLEAR_RATINGS:
            cursor.execute(statement, [assistant.pk])
        cursor.execute(_COUNT_ANSWERS, [assistant.pk])
        (answers_before,) = cursor.fetchone()
        if ratings > answers_before:
            _add_answered_chats(cursor, assistant, answers_before, ratings - answers_before, log)
        log(f"assistant {assistant.pk}: rating {ratings:,} answers")
        cursor.execute(
            _RATE_ANSWERS,
            {
                "assistant": assistant.pk,
                "ratings": ratings,
                "now": timezone.now(),
                "positive": list(DEFAULT_REASONS["positive"]),
                "negative": list(DEFAULT_REASONS["negative"]),
                "comments": list(COMMENTS),
            },
        )
        log(f"assistant {assistant.pk}: building the {len(indexes)} indexes of the ratings")
        # An index cannot be built while checks of the table's rows are pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = %s", [_INDEX_BUILD_MEMORY])
        for _, definition in indexes:
            cursor.execute(definition)
        log(f"assistant {assistant.pk}: rebuilding its counters")
        rollups.rebuild([assistant.pk])
    log(f"assistant {assistant.pk}: VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE feedback_rating, feedback_dailyfeedback, feedback_versionfeedback, "
            "feedback_dailyfeedbackfacet, "
            "assistants_message, assistants_conversation, assistants_participant"
        )
    log(f"assistant {assistant.pk}: loaded")
    return True
