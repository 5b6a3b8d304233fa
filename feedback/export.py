"""The feedback CSV (SPEC §6), streamed straight out of PostgreSQL with `COPY … TO STDOUT`.

PostgreSQL formats and quotes the rows itself (its CSV format quotes exactly what RFC 4180
asks to: fields with a comma, a quote or a line break), and psycopg hands them over one row
at a time, so a million rows cost the same memory as ten. Here each row only gets the CRLF
line ending of RFC 4180 and is gathered into chunks of about 256 kB.
"""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from psycopg import pq

from assistants.lib.csv_stream import FORMULA_PREFIXES, csv_lines
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

CHUNK_BYTES = 256 * 1024
FIRST_CHUNK_BYTES = 16 * 1024

# assistants.lib.csv_stream.safe_cell in SQL: a cell a spreadsheet would run as a formula gets a
# leading apostrophe (`ascii` reads the first character's code without copying the text).
# Empty text becomes NULL, written as an empty unquoted cell as the Python writer does,
# instead of PostgreSQL's "".
_FORMULA_CODES = ", ".join(str(ord(prefix)) for prefix in FORMULA_PREFIXES)


def _safe(column: str) -> str:
    return (
        f"CASE WHEN ascii({column}) IN ({_FORMULA_CODES}) THEN '''' || {column} "
        f"ELSE NULLIF({column}, '') END"
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
        "reasons_cell": RawSQL(_safe("array_to_string(feedback_rating.reasons, '; ')"), []),
        "status_cell": RawSQL("feedback_rating.status", []),
        "version_cell": RawSQL("feedback_rating.version", []),
    }


def copy_statement(
    *,
    assistant: Assistant,
    date_range: DateRange,
    filters: FeedbackFilters,
    shared_chat_base: str,
) -> tuple[str, list]:
    """`COPY (…) TO STDOUT` over the ratings the Feedback tab shows for these filters (the
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
    return f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", list(params)


def feedback_csv_chunks(
    *,
    assistant: Assistant,
    date_range: DateRange,
    filters: FeedbackFilters,
    shared_chat_base: str,
) -> Iterator[bytes]:
    """The CSV in chunks, newest rating first: the header at once, then the rows as
    PostgreSQL sends them. Three queries: the session's zone in and out around the COPY."""
    yield next(csv_lines(FEEDBACK_CSV_HEADER, [])).encode()
    statement, params = copy_statement(
        assistant=assistant,
        date_range=date_range,
        filters=filters,
        shared_chat_base=shared_chat_base,
    )
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cursor:
        # The reporting zone for `to_char`, inside this transaction only; the session's zone
        # comes back after the COPY, or with the rollback if the download is cut short.
        cursor.execute(
            "SELECT current_setting('TimeZone'), set_config('TimeZone', %s, true)",
            [assistant.time_zone],
        )
        (session_zone, _) = cursor.fetchone()
        # COPY takes no bound parameters: psycopg writes them in as literals.
        literal = psycopg.ClientCursor(cursor.connection).mogrify(statement, params)
        yield from _copy_rows(cursor.connection, literal.encode())
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])


def _copy_rows(db: psycopg.Connection, statement: bytes) -> Iterator[bytes]:
    """The rows of a `COPY … TO STDOUT`, read straight from libpq (psycopg's `pq` layer):
    psycopg's `Copy` iterator costs about two microseconds a row, as much again as the rest
    of the export. Blocking reads, as the web worker is synchronous anyway."""
    pgconn = db.pgconn
    pgconn.send_query(statement)
    result = pgconn.get_result()
    if result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise psycopg.DatabaseError(_error_text(result))
    finished = False
    try:
        chunk = bytearray()
        # The first rows go out soon; after them, chunks are large for throughput.
        limit = FIRST_CHUNK_BYTES
        read = pgconn.get_copy_data
        while True:
            size, row = read(0)
            if size < 0:
                break
            # Each item is one whole record ending in \n (line breaks inside quoted
            # fields stay as written); RFC 4180 ends records with CRLF.
            chunk += row[:-1]
            chunk += b"\r\n"
            if len(chunk) >= limit:
                yield bytes(chunk)
                chunk.clear()
                limit = CHUNK_BYTES
        finished = True
        result = pgconn.get_result()
        _drain(pgconn)
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.DatabaseError(_error_text(result))
        if chunk:
            yield bytes(chunk)
    finally:
        if not finished:
            # The download was cut short: stop the server, and leave the connection ready
            # for the rollback.
            pgconn.get_cancel().cancel()
            with contextlib.suppress(psycopg.Error):
                while pgconn.get_copy_data(0)[0] >= 0:
                    pass
            _drain(pgconn)


def _drain(pgconn) -> None:
    while pgconn.get_result() is not None:
        pass


def _error_text(result) -> str:
    message = result.error_message if result is not None else b""
    return message.decode(errors="replace").strip() or "the export failed"
