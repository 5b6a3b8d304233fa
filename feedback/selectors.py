"""Reads of the feedback app: the chat's rating controls, the Feedback tab and shared chats.

Everything a manager reads is anonymous unless its author shared contact details: no
selector here returns a rater's name, username, e-mail or id otherwise.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, Sum
from django.db.models.functions import Substr
from django.http import Http404

from assistants.models import Assistant, Membership, Message
from assistants.timeframe import DateRange
from feedback.models import DailyFeedback, Rating


def daily_feedback_counts(
    *, assistant_id: int, start: date, end: date
) -> dict[date, tuple[int, int]]:
    """{day: (positive, negative)} for the days in [start, end] that have ratings. One query."""
    rows = DailyFeedback.objects.filter(
        assistant_id=assistant_id, day__gte=start, day__lte=end
    ).values_list("day", "positive", "negative")
    return {day: (positive, negative) for day, positive, negative in rows}


# --- The chat ------------------------------------------------------------------------------


def answer_to_rate(assistant: Assistant, user: AbstractBaseUser, message_id: int) -> Message:
    """An answer of the assistant in one of the person's own, undeleted conversations; 404 for
    any other message, so nobody learns whether someone else's exists. One query."""
    answer = (
        Message.objects.filter(
            pk=message_id,
            assistant=assistant,
            role=Message.Role.ASSISTANT,
            conversation__participant__user=user,
            conversation__content_deleted_at__isnull=True,
        )
        .select_related("conversation")
        .first()
    )
    if answer is None:
        raise Http404("No such answer.")
    return answer


def rating_of(answer: Message) -> Rating | None:
    """The current rating of the answer by the person whose conversation it is. One query."""
    return Rating.objects.filter(
        assistant_id=answer.assistant_id,
        message_id=answer.pk,
        participant_id=answer.conversation.participant_id,
    ).first()


def ratings_in(assistant_id: int, conversation_id: int) -> dict[int, Rating]:
    """{answer id: its current rating} for one conversation. One query."""
    return {
        rating.message_id: rating
        for rating in Rating.objects.filter(
            assistant_id=assistant_id, conversation_id=conversation_id
        )
    }


@dataclass(frozen=True)
class Manager:
    name: str
    is_creator: bool


def managers_of(assistant: Assistant) -> list[Manager]:
    """Who reads shared chats and contact details: the creator, then the editors by name.
    One query."""
    people = (
        get_user_model()
        .objects.filter(
            Q(pk=assistant.creator_id)
            | Q(memberships__assistant=assistant, memberships__role=Membership.Role.EDITOR)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    managers = [
        Manager(name=person.get_full_name() or person.get_username(), is_creator=False)
        for person in people
        if person.pk != assistant.creator_id
    ]
    creator = next((p for p in people if p.pk == assistant.creator_id), None)
    if creator is not None:
        managers.insert(
            0, Manager(name=creator.get_full_name() or creator.get_username(), is_creator=True)
        )
    return managers


# --- The Feedback tab ----------------------------------------------------------------------

PAGE_SIZE = 20
# The rated answer as the tab shows it: the beginning is enough to recognise it.
ANSWER_EXCERPT = 400


@dataclass(frozen=True)
class Cursor:
    """Where a page of the Feedback tab continues: after (rated_at, id), newest first."""

    rated_at: datetime
    rating_id: int

    def encode(self) -> str:
        micros = (self.rated_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.rating_id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor | None":
        """The cursor `encode` wrote, or None for anything else. ASCII digits only
        (`str.isdigit` also takes "²"), at most 17 of them for the time (year 5138) and 18
        for the id (a bigint)."""
        match = _CURSOR.fullmatch(text)
        if match is None:
            return None
        micros, rating_id = match.groups()
        return cls(_EPOCH + timedelta(microseconds=int(micros)), int(rating_id))


_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,18})")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedbackItem:
    id: int
    value: str
    rated_at: datetime
    comment: str
    contact_name: str
    contact_email: str
    answer: str
    chat_deleted: bool
    share_token: UUID | None
    # Its author's data was erased: an empty comment was a comment.
    text_erased: bool = False

    @property
    def contact_shared(self) -> bool:
        return bool(self.contact_name or self.contact_email)

    # Formatted here rather than with the `date` filter: forty of them a page.
    @property
    def when_iso(self) -> str:
        return self.rated_at.isoformat(timespec="seconds")

    @property
    def when_label(self) -> str:
        return self.rated_at.strftime("%b %-d, %Y · %H:%M")


@dataclass(frozen=True)
class FeedbackPage:
    items: list[FeedbackItem]
    next_cursor: Cursor | None


def feedback_counts(assistant: Assistant, date_range: DateRange) -> tuple[int, int]:
    """(positive, negative) ratings given in the range, from the daily counters. One query."""
    totals = DailyFeedback.objects.filter(
        assistant=assistant, day__gte=date_range.start, day__lte=date_range.end
    ).aggregate(positive=Sum("positive"), negative=Sum("negative"))
    return totals["positive"] or 0, totals["negative"] or 0


def feedback_page(
    assistant: Assistant,
    date_range: DateRange,
    *,
    value: str,
    has_comment: bool = False,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> FeedbackPage:
    """One page of the ratings of one value given in the range, newest first, continuing
    after `after` (keyset: the cost is the same on the first page and the thousandth).
    Contact details only where shared; a deleted chat's answer comes back empty. One query
    on the `rating_tab_by_value` index (or its with-comment twin), joining only the page's
    conversations."""
    first, after_last = date_range.bounds(assistant.tzinfo)
    ratings = Rating.objects.filter(
        assistant=assistant, value=value, rated_at__gte=first, rated_at__lt=after_last
    )
    if has_comment:
        ratings = ratings.exclude(comment="")
    if after is not None:
        ratings = ratings.filter(
            Q(rated_at__lt=after.rated_at) | Q(rated_at=after.rated_at, id__lt=after.rating_id)
        )
    rows = list(
        ratings.order_by("-rated_at", "-id")
        .annotate(
            excerpt=Substr("answer", 1, ANSWER_EXCERPT + 1),
            deleted_at=F("conversation__content_deleted_at"),
        )
        .values_list(
            "id",
            "value",
            "rated_at",
            "comment",
            "contact_name",
            "contact_email",
            "excerpt",
            "deleted_at",
            "share_token",
            "text_erased_at",
        )[: size + 1]
    )
    items = [
        FeedbackItem(
            id=rating_id,
            value=rating_value,
            rated_at=rated_at.astimezone(assistant.tzinfo),
            comment=comment,
            contact_name=contact_name,
            contact_email=contact_email,
            answer=answer,
            chat_deleted=deleted_at is not None,
            # A deleted chat's text is gone, so there is nothing left to show.
            share_token=share_token if deleted_at is None else None,
            text_erased=text_erased_at is not None,
        )
        for (
            rating_id,
            rating_value,
            rated_at,
            comment,
            contact_name,
            contact_email,
            answer,
            deleted_at,
            share_token,
            text_erased_at,
        ) in rows[:size]
    ]
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = Cursor(rated_at=last[2], rating_id=last[0])
    return FeedbackPage(items=items, next_cursor=next_cursor)


# --- Shared chats --------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedChat:
    rating: Rating
    messages: list[Message]

    @property
    def shared_by(self) -> str | None:
        """The contact name or e-mail when the author shared them, else None (anonymous)."""
        return self.rating.contact_name or self.rating.contact_email or None


def shared_chat(assistant: Assistant, token: UUID) -> SharedChat:
    """The conversation as it was when shared: its messages up to the share time, oldest
    first. 404 once withdrawn or deleted. Two queries."""
    rating = (
        Rating.objects.filter(
            assistant=assistant,
            share_token=token,
            conversation__content_deleted_at__isnull=True,
        )
        .select_related("conversation")
        .first()
    )
    if rating is None:
        raise Http404("This chat is not shared.")
    messages = list(
        Message.objects.filter(
            assistant=assistant,
            conversation_id=rating.conversation_id,
            created_at__lte=rating.chat_shared_at,
        ).order_by("created_at", "id")
    )
    return SharedChat(rating=rating, messages=messages)
