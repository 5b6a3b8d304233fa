"""The feedback CSV (SPEC §6), streamed straight out of PostgreSQL with `COPY … TO STDOUT`.

PostgreSQL formats and quotes the rows itself (its CSV format quotes exactly what RFC 4180
asks to: fields with a comma, a quote or a line break), and psycopg hands them over one row
at a time, so a million rows cost the same memory as ten. Here each row only gets the CRLF
line ending of RFC 4180 and is gathered into chunks of about 256 kB.
"""

from collections.abc import Iterator

from django.db import connection
from psycopg import sql

from assistants.csv_export import FORMULA_PREFIXES, csv_lines
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

# assistants.csv_export.safe_cell in SQL: a cell a spreadsheet would run as a formula gets a
# leading apostrophe. Empty text becomes NULL, written as an empty unquoted cell like the
# Python writer does, instead of PostgreSQL's "" for an empty string.
_FORMULA_START = ", ".join(
    "E'{}'".format(p.replace("\t", "\\t").replace("\r", "\\r")) for p in FORMULA_PREFIXES
)


def _safe(column: str) -> str:
    return (
        f"NULLIF(CASE WHEN left({column}, 1) IN ({_FORMULA_START}) "
        f"THEN '''' || {column} ELSE {column} END, '')"
    )


# The time of the rating in the reporting zone with its UTC offset, as ISO 8601
# (2026-11-20T14:05:09+01:00); the offset is the one in force at that instant (DST).
_SUBMITTED_AT = """
    to_char(r.rated_at AT TIME ZONE {tz}, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN offset_minutes < 0 THEN '-' ELSE '+' END
    || lpad((abs(offset_minutes) / 60)::text, 2, '0') || ':'
    || lpad((abs(offset_minutes) % 60)::text, 2, '0')
"""

_COPY = """
COPY (
    SELECT {submitted_at}, r.value, {comment}, {contact_name}, {contact_email},
           CASE WHEN r.share_token IS NOT NULL THEN 'yes' ELSE 'no' END,
           CASE WHEN r.share_token IS NOT NULL
                THEN {shared_chat_base} || r.share_token::text || '/' END,
           {rated_answer}
    -- One table, read in the order of the `rating_by_time` index: the first rows leave
    -- at once, and nothing is sorted or joined (a rating keeps its answer's text, and
    -- deleting a chat clears that copy and the shared chat).
    FROM feedback_rating r
    CROSS JOIN LATERAL (
        SELECT extract(epoch FROM (r.rated_at AT TIME ZONE {tz})
                                  - (r.rated_at AT TIME ZONE 'UTC'))::int / 60
               AS offset_minutes
    ) extra
    WHERE r.assistant_id = {assistant} AND r.rated_at >= {first} AND r.rated_at < {after}
      AND ({value} IS NULL OR r.value = {value})
    ORDER BY r.rated_at DESC, r.id DESC
) TO STDOUT WITH (FORMAT csv)
"""


def copy_statement(
    *, assistant: Assistant, date_range: DateRange, value: str | None, shared_chat_base: str
) -> sql.Composed:
    first, after = date_range.bounds(assistant.tzinfo)
    tz = sql.Literal(assistant.time_zone)
    return sql.SQL(_COPY).format(
        submitted_at=sql.SQL(_SUBMITTED_AT).format(tz=tz),
        comment=sql.SQL(_safe("r.comment")),
        contact_name=sql.SQL(_safe("r.contact_name")),
        contact_email=sql.SQL(_safe("r.contact_email")),
        rated_answer=sql.SQL(_safe("r.answer")),
        shared_chat_base=sql.Literal(shared_chat_base),
        tz=tz,
        assistant=sql.Literal(assistant.pk),
        first=sql.Literal(first),
        after=sql.Literal(after),
        value=sql.SQL("{}::text").format(sql.Literal(value)),
    )


def feedback_csv_chunks(
    *, assistant: Assistant, date_range: DateRange, value: str | None, shared_chat_base: str
) -> Iterator[bytes]:
    """The CSV in chunks, newest rating first: the header at once, then the rows as
    PostgreSQL sends them. One query (the COPY)."""
    yield next(csv_lines(FEEDBACK_CSV_HEADER, [])).encode()
    statement = copy_statement(
        assistant=assistant,
        date_range=date_range,
        value=value,
        shared_chat_base=shared_chat_base,
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        chunk = bytearray()
        # The first rows go out soon; after them, chunks are large for throughput.
        limit = FIRST_CHUNK_BYTES
        for row in copy:
            # Each item is one whole record ending in \n (line breaks inside quoted
            # fields stay as written); RFC 4180 ends records with CRLF.
            chunk += row[:-1]
            chunk += b"\r\n"
            if len(chunk) >= limit:
                yield bytes(chunk)
                chunk.clear()
                limit = CHUNK_BYTES
        if chunk:
            yield bytes(chunk)
