"""The speed benchmark of Usage Insights (`manage.py bench_insights`).

Each section is a function `run(bench) -> dict` whose result lands under its name in the
printed JSON, and which adds the targets it checks to `bench.targets`.
"""

import gc
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    at_most: bool  # value <= limit, else value >= limit

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def as_dict(self) -> dict:
        return {
            "target": self.name,
            "value": round(self.value, 2),
            "goal": f"{'<=' if self.at_most else '>='} {self.limit:g}",
            "met": self.met,
        }


@dataclass
class Bench:
    """What the sections share: the options, what earlier sections found, the targets."""

    options: dict[str, Any]
    state: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def progress(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)

    def target(self, name: str, value: float, *, at_most: float | None = None, at_least=None):
        limit = at_most if at_most is not None else at_least
        self.targets.append(Target(name, value, limit, at_most=at_most is not None))


def cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat (Linux)."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def busy_percent(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """How busy the machine's cores were between two `cpu_jiffies`, in percent."""
    if not before or not after:
        return None
    return round(100 * (after[0] - before[0]) / max(1, after[1] - before[1]), 1)


def targets_table(targets: list[Target]) -> str:
    """The targets as a Markdown table."""
    lines = ["| target | measured | goal | met |", "|---|---|---|---|"]
    for target in targets:
        figures = target.as_dict()
        met = "yes" if target.met else "NO"
        lines.append(f"| {target.name} | {figures['value']:,} | {figures['goal']} | {met} |")
    return "\n".join(lines)


def timings_ms(samples: list[float]) -> dict:
    """Median and 95th percentile (nearest rank) of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(ordered),
    }


def _get(client: Client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")
    return response


def time_pages(pages: list[dict], *, warmups: int, runs: int) -> None:
    """Time every page `runs` times, taking turns, so that a change in the machine's load
    (other processes) weighs on all of them alike. Adds `page` figures to each."""
    for page in pages:
        for _ in range(warmups):
            _get(page["client"], page["url"])
    # As a served worker does once it has loaded the app (insights/wsgi.py): what is loaded
    # by now lives as long as the process, so the collector's full passes leave it out.
    # Without it, one 365-day page in eight paid a full pass over every module (~50 ms).
    gc.freeze()
    samples: list[list[float]] = [[] for _ in pages]
    for _ in range(runs):
        for page, page_samples in zip(pages, samples, strict=True):
            started = time.perf_counter()
            _get(page["client"], page["url"])
            page_samples.append(time.perf_counter() - started)
    for page, page_samples in zip(pages, samples, strict=True):
        with CaptureQueriesContext(connection) as queries:
            response = _get(page["client"], page["url"])
        page["page"] = timings_ms(page_samples) | {
            "queries": len(queries),
            "bytes": len(response.content),
        }


def range_params(assistant, date_range) -> dict:
    """The parameters of a recount over `date_range`: the assistant, its reporting zone, and
    the range's first moment and the moment after it."""
    first, after = date_range.bounds(assistant.tzinfo)
    return {"assistant": assistant.pk, "tz": assistant.time_zone, "first": first, "after": after}


def naive_rows(statements: list[str], params: dict) -> list[list[tuple]]:
    """Each statement's rows over the raw events, in one read-only transaction: a recount
    never writes. One query a statement."""
    rows = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
        for statement in statements:
            cursor.execute(statement, params)
            rows.append(cursor.fetchall())
    return rows
