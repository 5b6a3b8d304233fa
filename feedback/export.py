"""The feedback CSV (SPEC §6), streamed straight out of PostgreSQL with `COPY … TO STDOUT`.

PostgreSQL formats and quotes the rows itself (its CSV format quotes exactly what RFC 4180
asks to: fields with a comma, a quote or a line break), and psycopg hands them over one row
at a time, so a million rows cost the same memory as ten. Here each row only gets the CRLF
line ending of RFC 4180 and is gathered into chunks of about 256 kB.
"""

from collections.abc import Iterator

from django.db import connection
from django.db.models.expressions import RawSQL

from assistants.lib.copy_csv import FIRST_CHUNK_BYTES, copy_csv_chunks
from assistants.lib.copy_csv import copy_rows as _copy_rows  # noqa: F401 (its tests read it here)
from assistants.lib.copy_csv import safe_sql as _safe
from assistants.models import Assistant
from assistants.timeframe import DateRange
from feedback.selectors import FeedbackFilters, filtered_ratings

FEEDBACK_CSV_HEADER = (
    "submitted_at",
    "rating",
    "comment",
    "contact_name",
    "contact_email",
    "chat_shared",
    "shared_chat_url",
    "rated_answer",
    "question",
    "reasons",
    "status",
    "version",
)

# ISO 8601 with the UTC offset in force at that instant (2026-11-20T14:05:09+01:00): to_char
# writes a time in the session's zone, which is the reporting zone around the COPY.
_SUBMITTED_AT = """to_char(feedback_rating.rated_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')"""


def _cells(shared_chat_base: str) -> dict[str, RawSQL]:
    """The CSV's cells in header order, as SQL over one rating row."""
    shared = "feedback_rating.share_token IS NOT NULL"
    return {
        "submitted_at": RawSQL(_SUBMITTED_AT, []),
        "rating_value": RawSQL("feedback_rating.value", []),
        "comment_cell": RawSQL(_safe("feedback_rating.comment"), []),
        "contact_name_cell": RawSQL(_safe("feedback_rating.contact_name"), []),
        "contact_email_cell": RawSQL(_safe("feedback_rating.contact_email"), []),
        "chat_shared_cell": RawSQL(f"CASE WHEN {shared} THEN 'yes' ELSE 'no' END", []),
        "shared_chat_url": RawSQL(
            f"CASE WHEN {shared} THEN %s || feedback_rating.share_token::text || '/' END",
            [shared_chat_base],
        ),
        "rated_answer": RawSQL(_safe("feedback_rating.answer"), []),
        "question_cell": RawSQL(_safe("feedback_rating.question"), []),
        # The reasons joined start as their first does (none: NULL, an empty cell).
        "reasons_cell": RawSQL(
            _safe(
                "array_to_string(feedback_rating.reasons, '; ')",
                starts_as="feedback_rating.reasons[1]",
            ),
            [],
        ),
        "status_cell": RawSQL("feedback_rating.status", []),
        "version_cell": RawSQL("feedback_rating.version", []),
    }


def select_statement(
    *,
    assistant: Assistant,
    date_range: DateRange,
    filters: FeedbackFilters,
    shared_chat_base: str,
) -> tuple[str, list]:
    """The SELECT of the CSV's rows over the ratings the Feedback tab shows for these filters (the
    same `filtered_ratings` queryset, so the rows are the counted items), newest first.

    One table, read in the order of the `rating_by_time` index (or the filter's index): the
    first rows leave at once, and nothing is joined (a rating keeps its answer's and its
    question's text, and deleting a chat clears those copies and the shared chat)."""
    ratings = filtered_ratings(assistant, date_range, filters)
    if filters.rating:
        ratings = ratings.filter(value=filters.rating)
    cells = _cells(shared_chat_base)
    query = ratings.annotate(**cells).order_by("-rated_at", "-id").values_list(*cells).query
    select, params = query.get_compiler(connection=connection).as_sql()
    return select, list(params)


def feedback_csv_chunks(
    *,
    assistant: Assistant,
    date_range: DateRange,
    filters: FeedbackFilters,
    shared_chat_base: str,
) -> Iterator[bytes]:
    """The CSV in chunks, newest rating first: the header at once, then the rows as
    PostgreSQL sends them, their cells computed by parallel workers when the export is large
    enough. Three queries: the session's zone and planner settings in and out around the
    COPY."""
    select, params = select_statement(
        assistant=assistant,
        date_range=date_range,
        filters=filters,
        shared_chat_base=shared_chat_base,
    )
    # FIRST_CHUNK_BYTES read at the call, so a test can make the first chunk one row.
    yield from copy_csv_chunks(
        FEEDBACK_CSV_HEADER,
        select,
        params,
        time_zone=assistant.time_zone,
        parallel=True,
        first_chunk_bytes=FIRST_CHUNK_BYTES,
    )
