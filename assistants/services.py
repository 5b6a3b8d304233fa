"""Writes of the assistants app: assistants, members, configuration versions, chat events.

`record_messages` is the one write path for messages: the in-app chat and the events API
both call it, and it keeps the usage counters exact in the same transaction.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from assistants import rollups
from assistants.models import (
    CONFIGURATION_FIELDS,
    Assistant,
    ConfigurationVersion,
    Conversation,
    Membership,
    Participant,
    UsageTotals,
)


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
    *, assistant: Assistant, changed_by: AbstractBaseUser, **changes: str
) -> ConfigurationVersion | None:
    """Apply configuration changes and keep them as a new version (None if nothing changed).

    A new reporting time zone moves every event to its day in that zone, so the assistant's
    counters are rebuilt in the same transaction.
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
    if "time_zone" in changed:
        rollups.rebuild([locked.pk])
    for field in CONFIGURATION_FIELDS:
        setattr(assistant, field, getattr(locked, field))
    return _save_version(locked, changed_by=changed_by, changed_fields=changed)


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


_INSERT_MESSAGES = """
INSERT INTO assistants_message (assistant_id, conversation_id, role, content, created_at,
                                external_id)
SELECT %(assistant)s, new.conversation_id, new.role, new.content, new.created_at,
       new.external_id
FROM unnest(%(conversations)s::bigint[], %(roles)s::text[], %(contents)s::text[],
            %(times)s::timestamptz[], %(external_ids)s::text[])
     AS new(conversation_id, role, content, created_at, external_id)
-- A conversation of another assistant is never written to.
JOIN assistants_conversation c ON c.id = new.conversation_id AND c.assistant_id = %(assistant)s
ON CONFLICT (assistant_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
RETURNING id, external_id
"""


@transaction.atomic
def record_messages(
    *, assistant: Assistant, messages: Sequence[NewMessage]
) -> list[tuple[int, str | None]]:
    """Store messages and update the usage counters in the same transaction.

    Every conversation must belong to `assistant` (callers get them through it). A message
    whose `external_id` is already stored for the assistant is skipped, so retries are safe.
    Returns (id, external_id) of the messages stored now. Three queries, any batch size.
    """
    if not messages:
        return []
    for message in messages:
        if timezone.is_naive(message.created_at):
            raise ValueError("message times must be aware datetimes")
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_MESSAGES,
            {
                "assistant": assistant.pk,
                "conversations": [m.conversation_id for m in messages],
                "roles": [m.role for m in messages],
                "contents": [m.content for m in messages],
                "times": [m.created_at for m in messages],
                "external_ids": [m.external_id for m in messages],
            },
        )
        stored = cursor.fetchall()
    rollups.apply_new_messages(
        assistant_id=assistant.pk,
        time_zone=assistant.time_zone,
        message_ids=[message_id for message_id, _ in stored],
    )
    return stored
