"""A cursor for the fixed SQL statements that run on every write (bulk inserts, rollup folds,
the rate limit's count), and the two ways counters are written with it: folding in the rows
just written, and running a list of rebuild statements.

Django's cursors quote every parameter into the SQL text in Python, and PostgreSQL then
parses and plans that text anew each time. For a batch of the events API that means
quoting arrays of hundreds of values and planning statements of a dozen joins, on every
request. `bulk_cursor` sends the parameters apart from the statement, lists in PostgreSQL's
binary array format (which psycopg writes an order of magnitude faster than the quoted text
form), and psycopg prepares each statement at its first run on a connection, with a
generic plan (`insights.database` sets both), so PostgreSQL plans it once. The ORM keeps
Django's default cursor.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.backends.utils import CursorWrapper
from psycopg.types.array import ListBinaryDumper


@contextmanager
def bulk_cursor() -> Iterator[CursorWrapper]:
    """Like `connection.cursor()` (same transaction, query logging and error wrapping),
    with parameters bound by the server."""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    raw.adapters.register_dumper(list, ListBinaryDumper)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    with cursor:
        yield cursor


def fold_written(
    statement: str, *, assistant_id: int, time_zone: str, ids: Sequence[int], **params
) -> None:
    """Run a statement that folds rows just written (`%(ids)s`) into one assistant's
    (`%(assistant)s`) counters, by day of its reporting zone (`%(tz)s`), with the statement's
    other parameters: one query on `bulk_cursor`, none when nothing was written."""
    if not ids:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            statement, {"assistant": assistant_id, "tz": time_zone, "ids": list(ids), **params}
        )


def run_rebuild_statements(statements: Iterable[str], assistant_ids: Iterable[int]) -> None:
    """Run each statement in turn, with `%(ids)s` bound to these assistants' ids (each once,
    in order), on Django's cursor in the caller's transaction: one query a statement, none
    when there are no assistants."""
    ids = sorted(set(assistant_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, {"ids": ids})
