"""Writes of the assistants app: assistants, members, configuration versions, chat events.

`record_messages` is the one write path for messages: the in-app chat and the events API
both call it, and it keeps the usage counters exact in the same transaction.
"""

import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assistants import answer_stats, hooks, rollups, selectors
from assistants.backends import ChatTurn, Reply, ReplyError, backend_for
from assistants.lib.sql import bulk_cursor
from assistants.models import (
    CONFIGURATION_FIELDS,
    ApiKey,
    Assistant,
    ConfigurationVersion,
    Conversation,
    Membership,
    Message,
    Participant,
    UsageTotals,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def create_assistant(
    *,
    creator: AbstractBaseUser,
    name: str,
    description: str = "",
    instructions: str = "",
    model: str = "offline",
    time_zone: str | None = None,
    editors: Iterable[AbstractBaseUser] = (),
    users: Iterable[AbstractBaseUser] = (),
) -> Assistant:
    """Create an assistant with its first configuration version and empty counters."""
    assistant = Assistant(
        creator=creator, name=name, description=description, instructions=instructions, model=model
    )
    if time_zone:
        assistant.time_zone = time_zone
    assistant.full_clean()
    assistant.save()
    UsageTotals.objects.create(assistant=assistant)
    _save_version(assistant, changed_by=creator, changed_fields=list(CONFIGURATION_FIELDS))
    for user in editors:
        set_member_role(assistant=assistant, user=user, role=Membership.Role.EDITOR)
    for user in users:
        set_member_role(assistant=assistant, user=user, role=Membership.Role.USER)
    return assistant


def _save_version(
    assistant: Assistant, *, changed_by: AbstractBaseUser | None, changed_fields: list[str]
) -> ConfigurationVersion:
    last = assistant.versions.order_by("-number").values_list("number", flat=True).first()
    return ConfigurationVersion.objects.create(
        assistant=assistant,
        number=(last or 0) + 1,
        changed_by=changed_by,
        changed_fields=changed_fields,
        **{field: getattr(assistant, field) for field in CONFIGURATION_FIELDS},
    )


@transaction.atomic
def update_configuration(
    *, assistant: Assistant, changed_by: AbstractBaseUser, **changes: object
) -> ConfigurationVersion | None:
    """Apply configuration changes and keep them as a new version (None if nothing changed).

    A new reporting time zone moves every event to its day in that zone, so the assistant's
    counters are rebuilt in the same transaction; so they are when answers already stored
    are later than the new version (they belong to it).
    """
    unknown = set(changes) - set(CONFIGURATION_FIELDS)
    if unknown:
        raise ValueError(f"not configuration fields: {sorted(unknown)}")
    locked = Assistant.objects.select_for_update().get(pk=assistant.pk)
    changed = [f for f in CONFIGURATION_FIELDS if f in changes and changes[f] != getattr(locked, f)]
    if not changed:
        return None
    for field in changed:
        setattr(locked, field, changes[field])
    locked.full_clean()
    locked.save(update_fields=changed)
    # Counters keyed by the version of an answer are written under this lock, so a writer
    # after it sees the new version, and one before it is visible to the check below.
    rollups.lock_counters([locked.pk])
    version = _save_version(locked, changed_by=changed_by, changed_fields=changed)
    # A new zone moves every event to its day in it; answers already stored with a later
    # timestamp than the new version (the events API accepts a few minutes of clock skew)
    # now belong to it. Either way the counters are recomputed here.
    if (
        "time_zone" in changed
        or Message.objects.filter(
            assistant_id=locked.pk, created_at__gte=version.changed_at
        ).exists()
    ):
        rollups.rebuild([locked.pk])
    for field in CONFIGURATION_FIELDS:
        setattr(assistant, field, getattr(locked, field))
    return version


def set_member_role(*, assistant: Assistant, user: AbstractBaseUser, role: str) -> Membership:
    """Make `user` an editor or user of the assistant (changing the role if already a member)."""
    if user.pk == assistant.creator_id:
        raise ValueError("The creator already has every right on the assistant.")
    membership, _ = Membership.objects.update_or_create(
        assistant=assistant, user=user, defaults={"role": role}
    )
    return membership


def remove_member(*, assistant: Assistant, user: AbstractBaseUser) -> bool:
    deleted, _ = Membership.objects.filter(assistant=assistant, user=user).delete()
    return deleted > 0


def participant_for(*, assistant: Assistant, user: AbstractBaseUser) -> Participant:
    """The account's participant record for this assistant, created on first use."""
    participant, _ = Participant.objects.get_or_create(assistant=assistant, user=user)
    return participant


def start_conversation(
    *, assistant: Assistant, user: AbstractBaseUser, title: str = ""
) -> Conversation:
    return Conversation.objects.create(
        assistant=assistant,
        participant=participant_for(assistant=assistant, user=user),
        title=title[:200],
    )


@dataclass(frozen=True)
class NewMessage:
    conversation_id: int
    role: str
    content: str
    created_at: datetime
    external_id: str | None = None
    # How an answer was made (assistant messages only; see `assistants.answer_stats`).
    model: str | None = None
    latency_ms: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: Decimal | None = None


_INSERT_MESSAGES = """
INSERT INTO assistants_message (assistant_id, conversation_id, role, content, created_at,
                                external_id, model, latency_ms, input_tokens, output_tokens,
                                cost_usd)
SELECT %(assistant)s, new.conversation_id, new.role, new.content, new.created_at,
       new.external_id, new.model, new.latency_ms, new.input_tokens, new.output_tokens,
       new.cost_usd
FROM unnest(%(conversation_id)s::bigint[], %(role)s::text[], %(content)s::text[],
            %(created_at)s::timestamptz[], %(external_id)s::text[], %(model)s::text[],
            %(latency_ms)s::int[], %(input_tokens)s::int[], %(output_tokens)s::int[],
            %(cost_usd)s::numeric[])
     AS new(conversation_id, role, content, created_at, external_id, model, latency_ms,
            input_tokens, output_tokens, cost_usd)
-- A conversation of another assistant is never written to.
JOIN assistants_conversation c ON c.id = new.conversation_id AND c.assistant_id = %(assistant)s
ON CONFLICT (assistant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id, external_id
"""


def _insert_events(
    sql: str,
    *,
    assistant: Assistant,
    events: Sequence[NewMessage] | Sequence["NewFailure"],
    noun: str,
) -> list[tuple[int, str | None]]:
    """Insert a batch of one dataclass in one statement: `sql` unnests an array parameter
    named after each of its fields, and returns (id, external_id) of the rows it wrote."""
    for event in events:
        if timezone.is_naive(event.created_at):
            raise ValueError(f"{noun} times must be aware datetimes")
    columns = {
        field.name: [getattr(event, field.name) for event in events] for field in fields(events[0])
    }
    with bulk_cursor() as cursor:
        cursor.execute(sql, {"assistant": assistant.pk, **columns})
        return cursor.fetchall()


# No savepoint of its own: no caller catches its errors to go on with the transaction, and a
# savepoint would cost two more round trips per batch.
@transaction.atomic(savepoint=False)
def record_messages(
    *, assistant: Assistant, messages: Sequence[NewMessage]
) -> list[tuple[int, str | None]]:
    """Store messages and update the usage counters in the same transaction.

    Every conversation must belong to `assistant` (callers get them through it). A message
    whose `external_id` is already stored for the assistant is skipped, so retries are safe.
    Returns (id, external_id) of the messages stored now. Four queries, any batch size.
    """
    if not messages:
        return []
    stored = _insert_events(_INSERT_MESSAGES, assistant=assistant, events=messages, noun="message")
    rollups.apply_new_messages(
        assistant_id=assistant.pk,
        time_zone=assistant.time_zone,
        message_ids=[message_id for message_id, _ in stored],
    )
    return stored


@dataclass(frozen=True)
class NewFailure:
    """A reply that failed: an attempt to answer in the conversation that produced nothing."""

    conversation_id: int
    created_at: datetime
    model: str | None = None
    error: str = ""
    external_id: str | None = None


_INSERT_FAILURES = """
INSERT INTO assistants_failedreply (assistant_id, conversation_id, created_at, model, error,
                                    external_id)
SELECT %(assistant)s, new.conversation_id, new.created_at, new.model, new.error,
       new.external_id
FROM unnest(%(conversation_id)s::bigint[], %(created_at)s::timestamptz[], %(model)s::text[],
            %(error)s::text[], %(external_id)s::text[])
     AS new(conversation_id, created_at, model, error, external_id)
-- A conversation of another assistant is never written to.
JOIN assistants_conversation c ON c.id = new.conversation_id AND c.assistant_id = %(assistant)s
ON CONFLICT (assistant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id, external_id
"""


@transaction.atomic(savepoint=False)
def record_failures(
    *, assistant: Assistant, failures: Sequence[NewFailure]
) -> list[tuple[int, str | None]]:
    """Store failed replies and count them in the answer counters, in the same transaction.

    Like `record_messages`: every conversation must belong to `assistant`, a failure whose
    `external_id` is already stored is skipped. Returns (id, external_id) of the failures
    stored now. Three queries (insert, lock, fold), any batch size.
    """
    if not failures:
        return []
    stored = _insert_events(_INSERT_FAILURES, assistant=assistant, events=failures, noun="failure")
    if stored:
        rollups.lock_counters([assistant.pk])
        answer_stats.apply_new_failures(
            assistant_id=assistant.pk,
            time_zone=assistant.time_zone,
            failure_ids=[failure_id for failure_id, _ in stored],
        )
    return stored


# --- The in-app chat ------------------------------------------------------------------------


def _record_message(assistant: Assistant, message: NewMessage) -> int:
    """One message of the chat, through `record_messages`; returns its id."""
    ((message_id, _),) = record_messages(assistant=assistant, messages=[message])
    return message_id


def _title(content: str) -> str:
    words = " ".join(content.split())
    return words if len(words) <= 60 else words[:59].rstrip() + "…"


@transaction.atomic
def send_message(
    *,
    assistant: Assistant,
    user: AbstractBaseUser,
    conversation: Conversation | None,
    content: str,
) -> tuple[Conversation, int]:
    """Store a person's message in their conversation (a new one, titled by the message, when
    `conversation` is None) and count it, in one transaction. Returns the conversation and the
    new message's id. The answer is asked for separately (`answer_last_question`), so a slow
    or failing backend never loses what the person wrote."""
    if conversation is None:
        conversation = start_conversation(assistant=assistant, user=user, title=_title(content))
    message = NewMessage(
        conversation_id=conversation.pk,
        role=Message.Role.USER,
        content=content,
        created_at=timezone.now(),
    )
    return conversation, _record_message(assistant, message)


@transaction.atomic
def record_answer(
    *, assistant: Assistant, conversation: Conversation, reply: Reply
) -> Message | None:
    """Store the backend's answer to the conversation's last question and count it, with its
    model, tokens and latency: from the question's stored time to the answer's. None when
    that question already has its answer: two requests may answer at once (a double click,
    two tabs), and the first one's answer stays. The conversation's row lock orders them."""
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    latest = conversation.messages.order_by("-created_at", "-id").first()
    if latest is None or latest.role != Message.Role.USER:
        return None
    answered_at = max(timezone.now(), latest.created_at)
    answer = NewMessage(
        conversation_id=conversation.pk,
        role=Message.Role.ASSISTANT,
        content=reply.content,
        created_at=answered_at,
        model=reply.model,
        latency_ms=(answered_at - latest.created_at) // timedelta(milliseconds=1),
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
    )
    return Message.objects.get(pk=_record_message(assistant, answer))


def answer_last_question(
    *, assistant: Assistant, conversation: Conversation
) -> Message | ReplyError | None:
    """Ask the assistant's backend about the conversation's last question and store its
    answer. Returns the answer, the error the person should see, or None when the last message
    already has its answer. The backend is called outside any transaction: it may take as
    long as its time-out, and no lock is held meanwhile. Each attempt that gets no answer (an
    error, a time-out, an empty answer) is stored as one failed reply."""
    thread = selectors.chat_messages(conversation)
    if not thread or thread[-1].role != Message.Role.USER:
        return None
    history = [ChatTurn(role=m.role, content=m.content) for m in thread]
    backend = backend_for(assistant.model)
    try:
        reply = backend.reply(instructions=assistant.instructions, history=history)
        if not reply.content.strip():
            raise ReplyError("The assistant sent an empty answer.")
    except ReplyError as error:
        _record_failure(assistant, conversation, backend.model, str(error))
        return error
    except Exception:
        # A backend bug must not turn into a 500 and hide the message the person wrote.
        logger.exception("reply backend failed for assistant %s", assistant.pk)
        error = ReplyError("The assistant could not answer because of an unexpected error.")
        _record_failure(assistant, conversation, backend.model, str(error))
        return error
    return record_answer(assistant=assistant, conversation=conversation, reply=reply)


def _record_failure(
    assistant: Assistant, conversation: Conversation, model: str, error: str
) -> None:
    record_failures(
        assistant=assistant,
        failures=[
            NewFailure(
                conversation_id=conversation.pk,
                created_at=timezone.now(),
                model=model,
                error=error,
            )
        ],
    )


@transaction.atomic
def delete_chat_content(*, assistant: Assistant, conversation: Conversation) -> None:
    """Erase a chat's text: its messages' content, its title, and every copy other apps keep
    (`hooks.register_content_eraser`), in one transaction. Messages and ratings keep counting:
    the figures are history, and deleting a chat never rewrites them."""
    Message.objects.filter(assistant=assistant, conversation=conversation).update(content="")
    conversation.title = ""
    conversation.content_deleted_at = timezone.now()
    conversation.save(update_fields=["title", "content_deleted_at"])
    for erase in hooks.content_erasers():
        erase(conversation)


def ensure_participants(*, assistant: Assistant, external_ids: Iterable[str]) -> dict[str, int]:
    """{external id: participant id} of people named by an outside chat front end, created
    when new (they never get a login). Safe under concurrent callers: new rows go in by id
    order, and `ON CONFLICT DO NOTHING` leaves a row that someone else just made. One query
    when everyone is known already (the usual case), two or three otherwise."""
    wanted = sorted(set(external_ids))
    if not wanted:
        return {}
    select = """
        SELECT external_id, id FROM assistants_participant
        WHERE assistant_id = %s AND external_id = ANY(%s::text[])
    """
    with bulk_cursor() as cursor:
        cursor.execute(select, [assistant.pk, wanted])
        found = dict(cursor.fetchall())
        missing = [external_id for external_id in wanted if external_id not in found]
        if not missing:
            return found
        cursor.execute(
            """
            INSERT INTO assistants_participant (assistant_id, external_id, created_at)
            SELECT %(assistant)s, new.external_id, now()
            FROM unnest(%(external_ids)s::text[]) AS new(external_id)
            ORDER BY new.external_id
            ON CONFLICT (assistant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING external_id, id
            """,
            {"assistant": assistant.pk, "external_ids": missing},
        )
        found.update(cursor.fetchall())
        missing = [external_id for external_id in missing if external_id not in found]
        if missing:
            # A new statement: it sees the rows that concurrent writers committed meanwhile.
            cursor.execute(select, [assistant.pk, missing])
            found.update(cursor.fetchall())
    return found


@dataclass(frozen=True)
class NewConversation:
    external_id: str
    participant_id: int
    created_at: datetime


def ensure_conversations(
    *, assistant: Assistant, conversations: Iterable[NewConversation]
) -> dict[str, tuple[int, int]]:
    """{external id: (conversation id, participant id)} of conversations named by an outside
    chat front end, created when new. An existing conversation keeps its participant, which
    may differ from the one asked for: the caller decides what that means. Every participant
    must belong to `assistant`. One query when every conversation is new, two otherwise."""
    by_id = {c.external_id: c for c in conversations}
    if not by_id:
        return {}
    wanted = sorted(by_id)
    with bulk_cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO assistants_conversation
                (assistant_id, participant_id, external_id, title, created_at)
            SELECT %(assistant)s, new.participant_id, new.external_id, '', new.created_at
            FROM unnest(%(external_ids)s::text[], %(participants)s::bigint[],
                        %(times)s::timestamptz[]) AS new(external_id, participant_id, created_at)
            -- A participant of another assistant is never linked.
            JOIN assistants_participant p
              ON p.id = new.participant_id AND p.assistant_id = %(assistant)s
            ORDER BY new.external_id
            ON CONFLICT (assistant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
            RETURNING external_id, id, participant_id
            """,
            {
                "assistant": assistant.pk,
                "external_ids": wanted,
                "participants": [by_id[e].participant_id for e in wanted],
                "times": [by_id[e].created_at for e in wanted],
            },
        )
        found = {external_id: (pk, participant) for external_id, pk, participant in cursor}
        missing = [external_id for external_id in wanted if external_id not in found]
        if missing:
            cursor.execute(
                """
                SELECT external_id, id, participant_id FROM assistants_conversation
                WHERE assistant_id = %s AND external_id = ANY(%s::text[])
                """,
                [assistant.pk, missing],
            )
            found.update(
                (external_id, (pk, participant)) for external_id, pk, participant in cursor
            )
    return found


API_KEY_PREFIX = "ui"


def _hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(
    *,
    assistant: Assistant,
    name: str,
    created_by: AbstractBaseUser | None,
    requests_per_minute: int | None = None,
) -> tuple[ApiKey, str]:
    """A new API key of the assistant and its full text, which is never stored and so can be
    shown only now. One query."""
    key = f"{API_KEY_PREFIX}_{assistant.pk}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        assistant=assistant,
        name=name.strip()[:100] or "API key",
        prefix=key[: len(f"{API_KEY_PREFIX}_{assistant.pk}_") + 6],
        secret_hash=_hash_secret(key),
        created_by=created_by,
    )
    if requests_per_minute is not None:
        api_key.requests_per_minute = requests_per_minute
    api_key.save()
    return api_key, key


def revoke_api_key(*, assistant: Assistant, key_id: int) -> bool:
    """Revoke one key of the assistant; requests with it get 401 from now on. False when it
    is not a key of this assistant or already revoked. One query."""
    return (
        ApiKey.objects.filter(assistant=assistant, pk=key_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        > 0
    )


# How stale `last_used_at` may get: refreshing it on every request would write the same row
# from every concurrent request.
_LAST_USED_PRECISION = timedelta(minutes=1)


def authenticate_api_key(key: str) -> ApiKey | None:
    """The active key with this full text, with its assistant, or None (unknown, malformed or
    revoked). Notes when it was used, to the minute. One query, two when that note is due."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1].isascii():
        return None
    if not parts[1].isdigit() or len(parts[1]) > 18:
        return None
    api_key = (
        ApiKey.objects.select_related("assistant")
        .filter(assistant_id=int(parts[1]), secret_hash=_hash_secret(key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or api_key.last_used_at < now - _LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# --- Erasing a person's text ----------------------------------------------------------------


@transaction.atomic
def erase_person_content(*, assistant: Assistant, participant: Participant) -> dict[str, int]:
    """Erase everything one person wrote with one assistant, in one transaction: the text of
    every message of their conversations (their questions and the answers to them), the
    conversations' titles, and every copy other apps keep (`hooks.register_person_eraser`).
    Their conversations count as deleted chats from now on.

    Only text goes: roles, times, conversations and the participant stay, so every counter
    and `rebuild_insights` stay exactly as they were, and the person coming back is not a new
    user. Returns {what: how many were erased}, for the person or the admin to read. Safe to
    run again (the second run erases nothing). Five queries, plus each eraser's.
    """
    if participant.assistant_id != assistant.pk:
        raise ValueError("the participant is not one of this assistant's")
    # Two erasures of one person (a double click, an admin at the same time) run one by one.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    now = timezone.now()
    conversations = Conversation.objects.filter(assistant=assistant, participant=participant)
    erased = {
        "messages": Message.objects.filter(
            assistant=assistant, conversation__in=conversations.values("pk")
        )
        .exclude(content="")
        .update(content=""),
        "conversations": conversations.filter(
            Q(content_deleted_at__isnull=True) | ~Q(title="")
        ).update(title="", content_deleted_at=Coalesce(F("content_deleted_at"), Value(now))),
    }
    Participant.objects.filter(pk=participant.pk).update(content_erased_at=now)
    participant.content_erased_at = now
    for erase in hooks.person_erasers():
        erased |= erase(participant)
    return erased


@transaction.atomic
def erase_person_everywhere(*, user: AbstractBaseUser) -> dict[Assistant, dict[str, int]]:
    """`erase_person_content` for every assistant the account ever chatted with, in one
    transaction. Returns {assistant: what was erased there}."""
    return {
        participant.assistant: erase_person_content(
            assistant=participant.assistant, participant=participant
        )
        for participant in Participant.objects.filter(user=user)
        .select_related("assistant")
        .order_by("assistant_id")
    }


# What erasers report, in the order a summary names them, with their singular; anything
# else follows in its own words.
_ERASED_SINGULAR = {
    "messages": "message",
    "conversations": "conversation",
    "conversation titles": "conversation title",
    "comments": "comment",
    "contact details": "contact details",
    "rated-answer copies": "rated-answer copy",
    "shared chats": "shared chat",
}


def erased_summary(erased: dict[str, int]) -> str:
    """“4 messages, 1 comment, 1 shared chat”: what an erasure or a purge reports, in words
    (empty when it erased nothing)."""
    names = [name for name in _ERASED_SINGULAR if erased.get(name)] + sorted(
        name for name in erased if name not in _ERASED_SINGULAR and erased[name]
    )
    return ", ".join(
        f"{erased[name]:,} {_ERASED_SINGULAR.get(name, name) if erased[name] == 1 else name}"
        for name in names
    )
