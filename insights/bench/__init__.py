"""The speed benchmark of Usage Insights (`manage.py bench_insights`).

Each section is a function `run(bench) -> dict` whose result lands under its name in the
printed JSON, and which adds the targets it checks to `bench.targets`.
"""

import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any


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


def timings_ms(samples: list[float]) -> dict:
    """Median and 95th percentile (nearest rank) of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "runs": len(ordered),
    }
