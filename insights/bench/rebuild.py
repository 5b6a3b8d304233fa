"""Section `rebuild`: `rebuild_insights` of every assistant over the whole dataset, timed."""

import time

from django.db import connection

from assistants import hooks, parallel_rebuild
from insights.bench import Bench, busy_percent, cpu_jiffies

REBUILD_TARGET_SECONDS = 120


def _count(cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return cursor.fetchone()[0]


def run(bench: Bench) -> dict:
    """Every assistant in the database, including those other sections may have added, as
    `rebuild_insights` does it (`parallel_rebuild.DEFAULT_JOBS` connections)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM assistants_assistant ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        rows_before = _count(cursor, "assistants_dailyusage")
    jobs = parallel_rebuild.DEFAULT_JOBS
    bench.progress(f"rebuilding every rollup of {len(ids):,} assistants on {jobs} connections")
    cpu_before = cpu_jiffies()
    started = time.perf_counter()
    parallel_rebuild.rebuild(ids, jobs=jobs)
    seconds = time.perf_counter() - started
    cpu_after = cpu_jiffies()
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
        "jobs": jobs,
        # Both cores busy means the rebuild is bound by the server's CPU, not by waiting.
        "machine_cpu_busy_percent": busy_percent(cpu_before, cpu_after),
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
