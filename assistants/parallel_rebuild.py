"""`rebuild_insights` over many assistants, on several connections at once.

PostgreSQL runs a statement that writes on one core, however many the server has, and
`rollups.rebuild` is a series of such statements. But one assistant's counters depend on its
own events only, so the assistants are shared among `jobs` connections (the busiest first, each
to the share with the least work so far) and each share is rebuilt in a transaction of its
own. Every assistant is rebuilt whole or not at all: when a share fails, the others may
already have committed, which leaves each of their assistants exact, and the error is raised.
"""

from concurrent.futures import ThreadPoolExecutor
from heapq import heapify, heapreplace

from django.db import connection, transaction

from assistants import rollups
from assistants.lib.sql import bulk_cursor

DEFAULT_JOBS = 2


def work_of(assistant_ids: list[int]) -> dict[int, int]:
    """How much each assistant has to rebuild, for sharing them out: its conversations, which
    grow with its events and are counted from an index (the counters may be empty or wrong:
    they are what is being rebuilt). One query."""
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT assistant_id, count(*) FROM assistants_conversation"
            " WHERE assistant_id = ANY(%s) GROUP BY assistant_id",
            [assistant_ids],
        )
        counted = dict(cursor.fetchall())
    return {pk: counted.get(pk, 0) for pk in assistant_ids}


def shares(work: dict[int, int], jobs: int) -> list[list[int]]:
    """The assistants in at most `jobs` shares of about equal work: the busiest first, each to
    the share with the least so far (within 4/3 of the best split). Ids in order in each."""
    heap = [(0, job, []) for job in range(min(jobs, len(work)))]
    heapify(heap)
    for pk in sorted(work, key=lambda pk: (-work[pk], pk)):
        total, job, ids = heap[0]
        ids.append(pk)
        heapreplace(heap, (total + work[pk], job, ids))
    return [sorted(ids) for _, _, ids in sorted(heap, key=lambda share: share[1]) if ids]


def rebuild(assistant_ids, *, jobs: int = DEFAULT_JOBS) -> None:
    """Recompute every counter of these assistants from the raw events (`rollups.rebuild`).

    With one job, one assistant, or inside a transaction (whose rows other connections would
    not see), it runs in one transaction on this connection. Otherwise on `jobs` connections
    of their own, each a transaction."""
    ids = sorted(set(assistant_ids))
    if jobs <= 1 or len(ids) <= 1 or connection.in_atomic_block:
        with transaction.atomic():
            rollups.rebuild(ids)
        return
    parts = shares(work_of(ids), jobs)
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        done = [pool.submit(_rebuild_share, part) for part in parts]
        for share in done:
            share.result()  # raises the share's error, if any


def _rebuild_share(ids: list[int]) -> None:
    """In a thread of its own, hence on a connection of its own, closed at the end."""
    try:
        with transaction.atomic():
            rollups.rebuild(ids)
    finally:
        connection.close()
