"""The counters of an assistant, and the same counters recounted from its raw events.

The events API's tests and `bench_ingest` both check that what the write path counted
equals what `rollups.rebuild` recounts from the stored messages and ratings."""

from django.db import transaction

from assistants import rollups
from assistants.models import DailyActiveUser, DailyUsage, UsageTotals
from feedback.models import DailyFeedback


class _Rollback(Exception):
    pass


def counters(assistant_id: int) -> dict:
    """Every counter of the assistant, as plain values."""
    return {
        "daily": sorted(
            DailyUsage.objects.filter(assistant_id=assistant_id).values_list(
                "day",
                "source",
                "active_users",
                "conversations",
                "user_messages",
                "assistant_messages",
            )
        ),
        "active": sorted(
            DailyActiveUser.objects.filter(assistant_id=assistant_id).values_list(
                "day", "participant_id", "source", "user_messages"
            )
        ),
        "totals": list(
            UsageTotals.objects.filter(assistant_id=assistant_id).values_list(
                "users", "conversations", "messages"
            )
        ),
        "feedback": sorted(
            DailyFeedback.objects.filter(assistant_id=assistant_id).values_list(
                "day", "source", "positive", "negative"
            )
        ),
    }


def recounted(assistant_id: int) -> dict:
    """The counters as `rebuild` recomputes them from the raw events (rolled back after)."""
    result = {}
    try:
        with transaction.atomic():
            rollups.rebuild([assistant_id])
            result = counters(assistant_id)
            raise _Rollback
    except _Rollback:
        pass
    return result
