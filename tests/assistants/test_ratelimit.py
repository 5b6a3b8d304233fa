import time_machine

from assistants.lib import ratelimit


def test_requests_past_the_limit_get_the_seconds_left(db):
    with time_machine.travel("2026-11-24 10:00:05Z", tick=False):
        assert ratelimit.hit("test:1", limit=2, per_seconds=60) is None
        assert ratelimit.hit("test:1", limit=2, per_seconds=60) is None
        assert ratelimit.hit("test:1", limit=2, per_seconds=60) == 55
        assert ratelimit.hit("test:2", limit=2, per_seconds=60) is None


def test_a_new_window_starts_counting_again(db):
    with time_machine.travel("2026-11-24 10:00:59Z", tick=False):
        ratelimit.hit("test:1", limit=1, per_seconds=60)
        assert ratelimit.hit("test:1", limit=1, per_seconds=60) == 1
    with time_machine.travel("2026-11-24 10:01:00Z", tick=False):
        assert ratelimit.hit("test:1", limit=1, per_seconds=60) is None
