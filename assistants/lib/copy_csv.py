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


def safe_sql(column: str, *, starts_as: str | None = None) -> str:
    """The SQL of a text cell as `safe_cell` writes it. `starts_as`: an expression whose
    first character is the cell's, cheaper to compute (a list's first item, for the list
    joined), so the cell is computed once a row rather than twice."""
    return (
        f"CASE WHEN ascii({starts_as or column}) IN ({_FORMULA_CODES}) THEN '''' || {column} "
        f"ELSE NULLIF({column}, '') END"
    )


# Planner settings of an export that may use parallel workers (`copy_csv_chunks(parallel=
# True)`). PostgreSQL prices sending a row from a worker as ten times the work of the row's
# cells, so it keeps a million-row export on one process; the cells of an export (to_char of
# times, the formula guards of long texts) are most of its time, and the workers compute them.
# On the benchmark's feedback CSV (1 M ratings): 2.5 s in place of 3.5 s, the same bytes.
# And a page read out of order is priced as on an SSD, not a disk: priced as a disk's, the
# 300,000 ratings with a comment were read with the whole table and sorted on disk, not in
# the order of their index, and the first row left after 360 ms instead of 15 ms.
PARALLEL_EXPORT = {
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "random_page_cost": "1.1",
}


def copy_csv_chunks(
    header: tuple[str, ...],
    select: str,
    params,
    *,
    time_zone: str | None = None,
    parallel: bool = False,
    first_chunk_bytes: int = FIRST_CHUNK_BYTES,
) -> Iterator[bytes]:
    """The CSV of `select` (SQL with psycopg placeholders, its cells in header order) in
    chunks: the header at once, then the rows as PostgreSQL sends them. One query, or three
    with `time_zone` (the session's zone in and out around the COPY, for `to_char` of times)
    or `parallel` (`PARALLEL_EXPORT` in and out): a plan that reads in order still sends the
    rows in order, as a Gather Merge keeps it."""
    yield next(csv_lines(header, [])).encode()
    local = dict(PARALLEL_EXPORT) if parallel else {}
    if time_zone:
        local["TimeZone"] = time_zone
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cursor:
        # Inside this transaction only; the session's settings come back after the COPY, or
        # with the rollback if the download is cut short.
        session = _set_locally(cursor, local)
        # COPY takes no bound parameters: psycopg writes them in as literals.
        statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv)"
        literal = psycopg.ClientCursor(cursor.connection).mogrify(statement, params)
        yield from copy_rows(cursor.connection, literal.encode(), first_chunk_bytes)
        _set_locally(cursor, session)


def _set_locally(cursor, settings: dict[str, str]) -> dict[str, str]:
    """Set these run-time settings for the current transaction; their values before. One
    query, none without settings."""
    if not settings:
        return {}
    calls = ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in settings)
    params = [value for name, setting in settings.items() for value in (name, name, setting)]
    cursor.execute(f"SELECT {calls}", params)
    row = cursor.fetchone()
    return {name: row[2 * index] for index, name in enumerate(settings)}


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
            chunk += row
            chunk[-1] = 13  # \r in place of the \n
            chunk.append(10)
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
