"""Fixed-window rate limits kept in PostgreSQL, so every web worker shares the same count."""

import math
from datetime import timedelta

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
