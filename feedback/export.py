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
from psycopg import pq, sql

from assistants.lib.csv_stream import FORMULA_PREFIXES, csv_lines
from assistants.models import Assistant
from assistants.timeframe import DateRange

FEEDBACK_CSV_HEADER = (
    "submitted_at",
    "rating",
    "comment",
    "contact_name",
    "contact_email",
    "chat_shared",
    "shared_chat_url",
    "rated_answer",
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
_SUBMITTED_AT = """to_char(r.rated_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')"""

_COPY = """
COPY (
    SELECT {submitted_at}, r.value, {comment}, {contact_name}, {contact_email},
           CASE WHEN r.share_token IS NOT NULL THEN 'yes' ELSE 'no' END,
           CASE WHEN r.share_token IS NOT NULL
                THEN {shared_chat_base} || r.share_token::text || '/' END,
           {rated_answer}
    -- One table, read in the order of the `rating_by_time` index: the first rows leave at
    -- once, and nothing is sorted or joined (a rating keeps its answer's text, and deleting
    -- a chat clears that copy and the shared chat).
    FROM feedback_rating r
    WHERE r.assistant_id = {assistant} AND r.rated_at >= {first} AND r.rated_at < {after}
      AND ({value} IS NULL OR r.value = {value})
    ORDER BY r.rated_at DESC, r.id DESC
) TO STDOUT WITH (FORMAT csv)
"""


def copy_statement(
    *, assistant: Assistant, date_range: DateRange, value: str | None, shared_chat_base: str
) -> sql.Composed:
    first, after = date_range.bounds(assistant.tzinfo)
    return sql.SQL(_COPY).format(
        submitted_at=sql.SQL(_SUBMITTED_AT),
        comment=sql.SQL(_safe("r.comment")),
        contact_name=sql.SQL(_safe("r.contact_name")),
        contact_email=sql.SQL(_safe("r.contact_email")),
        rated_answer=sql.SQL(_safe("r.answer")),
        shared_chat_base=sql.Literal(shared_chat_base),
        assistant=sql.Literal(assistant.pk),
        first=sql.Literal(first),
        after=sql.Literal(after),
        value=sql.SQL("{}::text").format(sql.Literal(value)),
    )


def feedback_csv_chunks(
    *, assistant: Assistant, date_range: DateRange, value: str | None, shared_chat_base: str
) -> Iterator[bytes]:
    """The CSV in chunks, newest rating first: the header at once, then the rows as
    PostgreSQL sends them. Three queries: the session's zone in and out around the COPY."""
    yield next(csv_lines(FEEDBACK_CSV_HEADER, [])).encode()
    statement = copy_statement(
        assistant=assistant,
        date_range=date_range,
        value=value,
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
        yield from _copy_rows(cursor.connection, statement.as_bytes(cursor.connection))
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
