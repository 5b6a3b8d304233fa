"""Keeping chat text only as long as an assistant's creators and editors chose.

`purge_expired_text` erases the text of messages older than the assistant's
`retention_days`, and every copy other apps keep of it (`hooks.register_expired_text_eraser`),
in batches of short transactions: a large purge never holds many locks for long, an
interrupted one leaves every batch either done or untouched, and running it again erases
nothing twice. Only text goes: roles, times, conversations and people stay, so every counter
and `rebuild_insights` stay exactly as they were.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from assistants import hooks
from assistants.lib.sql import bulk_cursor
from assistants.models import Assistant

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class ExpiredBatch:
    """Messages whose text one batch erased: what other apps' erasers get."""

    assistant_id: int
    # The assistant's limit: text from before this instant is expired.
    before: datetime
    message_ids: list[int]
    conversation_ids: list[int]


def expiry_limit(assistant: Assistant, *, now: datetime) -> datetime | None:
    """The instant before which the assistant's chat text is expired (UTC), or None when it
    keeps its text forever. A day is 24 hours back from `now`."""
    if assistant.retention_days is None:
        return None
    return now - timedelta(days=assistant.retention_days)


# One batch: the oldest messages with text before the limit, in the order of the
# message_by_time index (assistant_id, created_at), starting at the previous batch's last
# time so that no batch walks again over what the ones before it erased.
_ERASE_MESSAGES = """
WITH batch AS (
    SELECT id FROM assistants_message
    WHERE assistant_id = %(assistant)s AND created_at >= %(since)s
      AND created_at < %(before)s AND content <> ''
    ORDER BY created_at
    LIMIT %(size)s
)
UPDATE assistants_message m SET content = ''
FROM batch WHERE m.id = batch.id
RETURNING m.id, m.conversation_id, m.created_at
"""

# A conversation's title is a copy of its first message, so it goes with it.
_ERASE_TITLES = """
UPDATE assistants_conversation SET title = ''
WHERE assistant_id = %(assistant)s AND id = ANY(%(conversations)s::bigint[])
  AND title <> '' AND first_message_at < %(before)s
"""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _erase_batch(
    assistant: Assistant, *, before: datetime, since: datetime, size: int
) -> tuple[Counter, datetime | None]:
    with transaction.atomic(), bulk_cursor() as cursor:
        cursor.execute(
            _ERASE_MESSAGES,
            {"assistant": assistant.pk, "since": since, "before": before, "size": size},
        )
        rows = cursor.fetchall()
        if not rows:
            return Counter(), None
        conversation_ids = sorted({conversation_id for _, conversation_id, _ in rows})
        cursor.execute(
            _ERASE_TITLES,
            {"assistant": assistant.pk, "conversations": conversation_ids, "before": before},
        )
        erased = Counter({"messages": len(rows), "conversation titles": cursor.rowcount})
        batch = ExpiredBatch(
            assistant_id=assistant.pk,
            before=before,
            message_ids=[message_id for message_id, _, _ in rows],
            conversation_ids=conversation_ids,
        )
        for erase in hooks.expired_text_erasers():
            erased.update(erase(batch))
    return erased, max(created_at for _, _, created_at in rows)


def purge_expired_text(
    assistant: Assistant, *, now: datetime, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterable[Counter]:
    """Erase the assistant's expired chat text, one committed batch at a time; yields
    {what: how many} of each batch (messages, conversation titles, and the other apps'
    copies). Nothing when it keeps its text forever. Two queries a batch plus the erasers'
    (one each), and a last one that finds nothing left."""
    before = expiry_limit(assistant, now=now)
    if before is None:
        return
    since = _EPOCH
    while True:
        erased, last = _erase_batch(assistant, before=before, since=since, size=batch_size)
        if last is None:
            return
        yield erased
        since = last
