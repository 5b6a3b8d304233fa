"""Reads of the assistants app, starting with the one access check every view goes through."""

import enum
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from assistants.lib.sql import bulk_cursor
from assistants.models import (
    ApiKey,
    Assistant,
    ConfigurationVersion,
    Conversation,
    Membership,
    Message,
    Participant,
)


class Role(enum.StrEnum):
    CREATOR = "creator"
    EDITOR = "editor"
    USER = "user"


class Need(enum.Enum):
    """What a view is about to do with an assistant (SPEC §2)."""

    USE = "use"  # chat, rate answers, share one's own chat
    MANAGE = "manage"  # edit configuration, Usage Insights, shared chats
    SHARE = "share"  # add or remove editors and users, API keys


_ALLOWED = {
    Need.USE: {Role.CREATOR, Role.EDITOR, Role.USER},
    Need.MANAGE: {Role.CREATOR, Role.EDITOR},
    Need.SHARE: {Role.CREATOR},
}


@dataclass(frozen=True)
class AssistantAccess:
    assistant: Assistant
    role: Role

    @property
    def can_manage(self) -> bool:
        return self.role in _ALLOWED[Need.MANAGE]

    @property
    def can_share(self) -> bool:
        return self.role in _ALLOWED[Need.SHARE]


def get_assistant_for(user: AbstractBaseUser, assistant_id: int, *, need: Need) -> AssistantAccess:
    """The assistant with the person's role on it, in one query.

    404 when the person may not learn that it exists (not a member, or a user asking to
    manage it); 403 only when an editor asks for what only the creator may do.
    """
    member_role = Membership.objects.filter(assistant=OuterRef("pk"), user=user).values("role")
    assistant = (
        Assistant.objects.annotate(member_role=Subquery(member_role[:1]))
        .filter(pk=assistant_id)
        .first()
    )
    if assistant is None:
        raise Http404("No such assistant.")
    if assistant.creator_id == user.pk:
        role = Role.CREATOR
    elif assistant.member_role:
        role = Role(assistant.member_role)
    else:
        raise Http404("No such assistant.")
    if role not in _ALLOWED[need]:
        if role is Role.EDITOR:
            raise PermissionDenied("Only the creator of this assistant can do this.")
        raise Http404("No such assistant.")
    return AssistantAccess(assistant=assistant, role=role)


def assistants_for(user: AbstractBaseUser) -> QuerySet[Assistant]:
    """Assistants the person may reach, each annotated with `member_role` (None for the
    creator's own). One query."""
    member_role = Membership.objects.filter(assistant=OuterRef("pk"), user=user).values("role")
    return (
        Assistant.objects.filter(Q(creator=user) | Q(memberships__user=user))
        .annotate(member_role=Subquery(member_role[:1]))
        .distinct()
        .order_by("name", "id")
    )


def members_of(assistant: Assistant) -> QuerySet[Membership]:
    return assistant.memberships.select_related("user").order_by("role", "user__username")


def search_members(assistant: Assistant, query: str = "") -> QuerySet[Membership]:
    """The assistant's editors, then users, by username; with `query`, those whose username,
    first or last name or e-mail contains it (case-insensitive). Lazy: the Share page
    takes one page of it (one query, plus one to count)."""
    members = members_of(assistant)
    for word in query.split():
        members = members.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word)
        )
    return members


def versions_of(assistant: Assistant) -> QuerySet[ConfigurationVersion]:
    return assistant.versions.select_related("changed_by").order_by("-number")


def conversations_of(assistant: Assistant, user: AbstractBaseUser) -> QuerySet[Conversation]:
    """The person's own conversations with the assistant, most recent first."""
    return Conversation.objects.filter(
        assistant=assistant, participant__user=user, content_deleted_at__isnull=True
    ).order_by("-created_at")


def own_conversation(
    assistant: Assistant, user: AbstractBaseUser, conversation_id: int
) -> Conversation:
    """One of the person's own conversations with the assistant; 404 for anyone else's, or
    one whose content was deleted. One query."""
    conversation = conversations_of(assistant, user).filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


# How much of a long conversation the chat shows, and sends to a model with a question.
CHAT_WINDOW = 200


def chat_messages(conversation: Conversation, *, limit: int = CHAT_WINDOW) -> list[Message]:
    """The conversation's latest `limit` messages, oldest first. One query."""
    latest = conversation.messages.order_by("-created_at", "-id")[:limit]
    return list(reversed(latest))


def chat_message(conversation: Conversation, message_id: int) -> Message:
    """One message of the conversation (one the view has just stored). One query."""
    return conversation.messages.get(pk=message_id)


def stored_message_ids(*, assistant_id: int, external_ids: list[str]) -> set[str]:
    """Which of the sender's message ids the assistant has stored already. One query, on
    the write path's cursor (prepared once per connection, with a generic plan)."""
    return _stored_external_ids("assistants_message", assistant_id, external_ids)


def stored_failure_ids(*, assistant_id: int, external_ids: list[str]) -> set[str]:
    """Which of the sender's failure ids the assistant has stored already. One query, on the
    write path's cursor, like `stored_message_ids`."""
    return _stored_external_ids("assistants_failedreply", assistant_id, external_ids)


def _stored_external_ids(table: str, assistant_id: int, external_ids: list[str]) -> set[str]:
    with bulk_cursor() as cursor:
        # One array parameter rather than an IN list of up to 1000.
        cursor.execute(
            f"SELECT external_id FROM {table} "
            "WHERE assistant_id = %s AND external_id = ANY(%s::text[])",
            [assistant_id, external_ids],
        )
        return {external_id for (external_id,) in cursor}


class MessageToRate(NamedTuple):
    pk: int
    role: str
    participant_id: int
    participant_external_id: str | None


def messages_by_external_id(
    *, assistant_id: int, external_ids: list[str]
) -> dict[str, MessageToRate]:
    """{sender's message id: the stored message, its role and the person of its
    conversation} for those of `external_ids` that are stored. One query."""
    return {
        external_id: MessageToRate(pk, role, participant_id, user)
        for external_id, pk, role, participant_id, user in Message.objects.filter(
            assistant_id=assistant_id, external_id__in=external_ids
        ).values_list(
            "external_id",
            "pk",
            "role",
            "conversation__participant_id",
            "conversation__participant__external_id",
        )
    }


def api_keys_of(assistant: Assistant) -> list[ApiKey]:
    """The assistant's API keys, revoked ones too, newest first, with who made them. One
    query."""
    return list(assistant.api_keys.select_related("created_by").order_by("-created_at"))


# --- A person's data, for erasing it ---------------------------------------------------------


def own_participant(assistant: Assistant, user: AbstractBaseUser) -> Participant | None:
    """The account's participant record with the assistant, or None if it never chatted.
    One query."""
    return Participant.objects.filter(assistant=assistant, user=user).first()


def api_participant(assistant: Assistant, external_id: str) -> Participant | None:
    """The person the events API named by this user string, or None. One query."""
    return Participant.objects.filter(assistant=assistant, external_id=external_id).first()


@dataclass(frozen=True)
class PersonContent:
    """What erasing one person's data with one assistant would erase, as counted now."""

    conversations: int  # not yet deleted
    messages: int  # with text


def person_content(assistant: Assistant, participant: Participant | None) -> PersonContent:
    """How many conversations and messages with text the person has with the assistant.
    Two queries (none without a participant)."""
    if participant is None:
        return PersonContent(conversations=0, messages=0)
    conversations = Conversation.objects.filter(assistant=assistant, participant=participant)
    return PersonContent(
        conversations=conversations.filter(content_deleted_at__isnull=True).count(),
        messages=Message.objects.filter(
            assistant=assistant, conversation__in=conversations.values("pk")
        )
        .exclude(content="")
        .count(),
    )
