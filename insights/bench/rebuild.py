"""Section `rebuild`: a full rebuild of every rollup over the whole dataset, timed."""

import os
import time

from django.db import connection, transaction

from assistants import hooks, rollups
from insights.bench import Bench

REBUILD_TARGET_SECONDS = 120


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def server_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when the server runs on
    this machine (None otherwise). Unlike the wall clock, other work on the machine barely
    changes it, so it compares runs on a busy machine."""
    host = connection.settings_dict["HOST"] or ""
    if host and not host.startswith("/") and host not in ("localhost", "127.0.0.1", "::1"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/comm") as comm, open(f"/proc/{pid}/stat") as stat:
            if comm.read().strip() != "postgres":
                return None
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime, the 14th and 15th fields of /proc/<pid>/stat, in clock ticks.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(bench: Bench) -> dict:
    """Every assistant in the database, including those other sections may have added."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM assistants_assistant ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        rows_before = _count(cursor, "assistants_dailyusage")
    bench.progress(f"rebuilding every rollup of {len(ids):,} assistants")
    cpu_before = server_cpu_seconds()
    started = time.perf_counter()
    with transaction.atomic():
        rollups.rebuild(ids)
    seconds = time.perf_counter() - started
    cpu_after = server_cpu_seconds()
    bench.progress(f"rebuilt in {seconds:.1f}s; VACUUM ANALYZE, as autovacuum would next")
    vacuum_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        vacuum_seconds = time.perf_counter() - vacuum_started
        daily_usage = _count(cursor, "assistants_dailyusage")
        daily_active_users = _count(cursor, "assistants_dailyactiveuser")
        cursor.execute("SELECT coalesce(sum(messages), 0)::bigint FROM assistants_usagetotals")
        (messages,) = cursor.fetchone()
    bench.target("full rebuild of every rollup (s)", seconds, at_most=REBUILD_TARGET_SECONDS)
    return {
        "seconds": round(seconds, 1),
        "server_cpu_seconds": None
        if cpu_before is None or cpu_after is None
        else round(cpu_after - cpu_before, 1),
        "assistants": len(ids),
        "rollups_were_empty": rows_before == 0,
        "other_apps_rebuilders": [
            f"{rebuild.__module__}.{rebuild.__qualname__}" for rebuild in hooks.rebuilders()
        ],
        "daily_usage_rows": daily_usage,
        "daily_active_user_rows": daily_active_users,
        "messages_in_totals": messages,
        "vacuum_analyze_seconds_untimed": round(vacuum_seconds, 1),
    }
