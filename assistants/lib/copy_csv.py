"""CSV exports streamed straight out of PostgreSQL with `COPY (SELECT …) TO STDOUT`.

PostgreSQL formats and quotes the rows itself (its CSV format quotes exactly what RFC 4180
asks to: fields with a comma, a quote or a line break), and the rows are read from libpq one
at a time, so a million rows cost the same memory as ten. Here each row only gets the CRLF
line ending of RFC 4180 and is gathered into chunks of about 256 kB.
"""

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connection, transaction
from psycopg import pq

from assistants.lib.csv_stream import FORMULA_PREFIXES, csv_lines

CHUNK_BYTES = 256 * 1024
FIRST_CHUNK_BYTES = 16 * 1024

# assistants.lib.csv_stream.safe_cell in SQL: a cell a spreadsheet would run as a formula gets a
# leading apostrophe (`ascii` reads the first character's code without copying the text).
# Empty text becomes NULL, written as an empty unquoted cell as the Python writer does,
# instead of PostgreSQL's "".
_FORMULA_CODES = ", ".join(str(ord(prefix)) for prefix in FORMULA_PREFIXES)


def safe_sql(column: str) -> str:
    """The SQL of a text cell as `safe_cell` writes it."""
    return (
        f"CASE WHEN ascii({column}) IN ({_FORMULA_CODES}) THEN '''' || {column} "
        f"ELSE NULLIF({column}, '') END"
    )


def copy_csv_chunks(
    header: tuple[str, ...],
    select: str,
    params,
    *,
    time_zone: str | None = None,
    first_chunk_bytes: int = FIRST_CHUNK_BYTES,
) -> Iterator[bytes]:
    """The CSV of `select` (SQL with psycopg placeholders, its cells in header order) in
    chunks: the header at once, then the rows as PostgreSQL sends them. One query, or three
    with `time_zone`: the session's zone in and out around the COPY, for `to_char` of times."""
    yield next(csv_lines(header, [])).encode()
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cursor:
        session_zone = None
        if time_zone:
            # Inside this transaction only; the session's zone comes back after the COPY, or
            # with the rollback if the download is cut short.
            cursor.execute(
                "SELECT current_setting('TimeZone'), set_config('TimeZone', %s, true)",
                [time_zone],
            )
            (session_zone, _) = cursor.fetchone()
        # COPY takes no bound parameters: psycopg writes them in as literals.
        statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"
        literal = psycopg.ClientCursor(cursor.connection).mogrify(statement, params)
        yield from copy_rows(cursor.connection, literal.encode(), first_chunk_bytes)
        if time_zone:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])


def copy_rows(
    db: psycopg.Connection, statement: bytes, first_chunk_bytes: int = FIRST_CHUNK_BYTES
) -> Iterator[bytes]:
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
        limit = first_chunk_bytes
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
