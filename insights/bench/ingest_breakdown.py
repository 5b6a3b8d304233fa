"""Where a batch of the events API spends its time, step by step (`manage.py bench_ingest`).

Runs in this process, one batch after another, without HTTP or concurrency: validation of
the body, then `store_events` with each SQL statement timed by a Django execute wrapper,
and the commit timed from the end of the batch's last statement to its `on_commit`
callback. Figures are milliseconds per batch, averaged over the measured batches.
"""

import time
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone

from assistants.models import Assistant
from insights.bench.ingest_traffic import batch_body, traffic
from insights.ingest import check_json_body, store_events

# Each statement of a batch, named by how its SQL starts (whitespace collapsed).
STEPS = [
    ("known message ids", "SELECT external_id FROM assistants_message"),
    ("people", "SELECT external_id, id FROM assistants_participant"),
    ("people", "INSERT INTO assistants_participant"),
    ("conversations", "INSERT INTO assistants_conversation"),
    ("conversations", "SELECT external_id, id, participant_id FROM assistants_conversation"),
    ("insert messages", "INSERT INTO assistants_message"),
    ("lock counters", "INSERT INTO assistants_usagetotals"),
    ("people counters", "WITH batch AS"),
    ("fold into counters", "WITH new AS"),
    ("questions of rated answers", "UPDATE feedback_rating r SET question"),
]


def _step(sql: str) -> str:
    statement = " ".join(sql.split())
    for name, start in STEPS:
        if statement.startswith(start):
            return name
    return "other"


def run(*, assistant: Assistant, batches: int, warmup: int, batch_size: int, seed: int) -> dict:
    """Store `warmup` + `batches` batches of fresh traffic for `assistant`; the figures of
    the last `batches`."""
    stream = traffic(client=99, people=2000, seed=seed)
    bodies = [
        batch_body([next(stream) for _ in range(batch_size)]) for _ in range(warmup + batches)
    ]
    step_seconds: dict[str, float] = defaultdict(float)
    totals = {"validate": 0.0, "store": 0.0, "commit": 0.0}
    last_statement_end = [0.0]
    commit_pending = [False]

    def committed() -> None:
        totals["commit"] += time.perf_counter() - last_statement_end[0]

    def timed(execute, sql, params, many, context):
        if not commit_pending[0] and connection.in_atomic_block:
            transaction.on_commit(committed)
            commit_pending[0] = True
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            last_statement_end[0] = time.perf_counter()
            step_seconds[_step(sql)] += last_statement_end[0] - began

    stored = 0
    with connection.execute_wrapper(timed):
        for index, body in enumerate(bodies):
            if index == warmup:
                step_seconds.clear()
                totals.update(validate=0.0, store=0.0, commit=0.0)
                stored = 0
            began = time.perf_counter()
            checked = check_json_body(body, now=timezone.now())
            validated = time.perf_counter()
            commit_pending[0] = False
            stored += store_events(assistant=assistant, checked=checked).accepted
            totals["validate"] += validated - began
            totals["store"] += time.perf_counter() - validated

    def per_batch(seconds: float) -> float:
        return round(1000 * seconds / batches, 2)

    python = totals["store"] - totals["commit"] - sum(step_seconds.values())
    return {
        "batches": batches,
        "events_per_batch": batch_size,
        "stored": stored,
        "validate_ms": per_batch(totals["validate"]),
        "store_ms": per_batch(totals["store"]),
        "store_steps_ms": {
            **{name: per_batch(seconds) for name, seconds in sorted(step_seconds.items())},
            "commit": per_batch(totals["commit"]),
            "python around them": per_batch(python),
        },
    }
