"""Fixed-window rate limits kept in PostgreSQL, so every web worker shares the same count."""

import math
from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone

from assistants.lib.sql import bulk_cursor
from assistants.models import RateLimitWindow

_HIT = f"""
INSERT INTO {RateLimitWindow._meta.db_table} AS w (key, window_start, hits)
VALUES (%(key)s, %(window_start)s, 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.window_start = EXCLUDED.window_start THEN w.hits + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start
RETURNING hits
"""


def hit(key: str, *, limit: int, per_seconds: int) -> int | None:
    """Count one request against `key`. Returns None while within `limit` requests per
    window, else the seconds until the window ends (for `Retry-After`). One query, run in
    autocommit or its own transaction so the count holds even when the caller rolls back."""
    now = timezone.now()
    epoch = math.floor(now.timestamp())
    window_start = now - timedelta(seconds=epoch % per_seconds, microseconds=now.microsecond)
    with bulk_cursor() as cursor:
        cursor.execute(_HIT, {"key": key, "window_start": window_start})
        (hits,) = cursor.fetchone()
    if hits <= limit:
        return None
    return max(1, math.ceil((window_start + timedelta(seconds=per_seconds) - now).total_seconds()))


def refusal(key: str, *, limit: int, per_seconds: int, problem: str) -> HttpResponse | None:
    """Count one request against `key` (as `hit` does): None while within the limit, else a
    plain-text 429 saying `problem` (its `{wait}` filled in with the seconds to wait) with
    `Retry-After`."""
    wait = hit(key, limit=limit, per_seconds=per_seconds)
    if wait is None:
        return None
    response = HttpResponse(
        problem.format(wait=wait), status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(wait)
    return response
