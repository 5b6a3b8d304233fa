"""Test data, created through the app's own services so the rollups stay exact."""

from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from assistants import services
from assistants.models import Assistant, Conversation, Message
from assistants.services import NewMessage

PASSWORD = "correct-horse-battery"
# Details of a rating whose person shares both their contact details and the chat
# (`rate(..., **SHARING_ALL)`).
SHARING_ALL = {
    "share_contact": True,
    "contact_name": "Mia Member",
    "contact_email": "mia@example.com",
    "share_chat": True,
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class AssistantFactory(factory.Factory):
    """`AssistantFactory(creator=…, editors=[…], users=[…])` through `create_assistant`."""

    class Meta:
        model = Assistant

    creator = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Assistant {n}")
    instructions = "Answer briefly."
    time_zone = "UTC"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.create_assistant(**kwargs)

    @classmethod
    def _build(cls, model_class, **kwargs):
        return services.create_assistant(**kwargs)


def add_messages(
    assistant: Assistant,
    conversation: Conversation,
    *stamps: tuple[str, datetime] | tuple[str, datetime, str],
) -> None:
    """Record (role, time[, content]) messages in one conversation through the write path."""
    services.record_messages(
        assistant=assistant,
        messages=[
            NewMessage(
                conversation_id=conversation.pk,
                role=stamp[0],
                created_at=stamp[1],
                content=stamp[2] if len(stamp) > 2 else f"{stamp[0]} says hello",
            )
            for stamp in stamps
        ],
    )


def chat_turn(
    assistant: Assistant,
    user,
    at: datetime,
    *,
    conversation: Conversation | None = None,
    question: str = "How do I reset my password?",
    answer: str = "Open **Settings** and choose *Reset password*.",
) -> Message:
    """A question and its answer a second later, through the write path; returns the answer."""
    if conversation is None:
        conversation = services.start_conversation(assistant=assistant, user=user)
    add_messages(
        assistant,
        conversation,
        ("user", at, question),
        ("assistant", at + timedelta(seconds=1), answer),
    )
    return Message.objects.get(
        conversation=conversation,
        role="assistant",
        content=answer,
        created_at=at + timedelta(seconds=1),
    )


def ago(**delta) -> datetime:
    """The moment `timedelta(**delta)` before now (as time-machine may have set it)."""
    return timezone.now() - timedelta(**delta)


def rate(assistant: Assistant, answer: Message, value: str, at: datetime, **details) -> int | None:
    """Rate an answer as the person whose conversation it is, through `record_ratings`;
    returns the rating id (None when nothing was written)."""
    from feedback.services import NewRating, record_ratings

    written = record_ratings(
        assistant=assistant,
        ratings=[
            NewRating(
                message_id=answer.pk,
                participant_id=answer.conversation.participant_id,
                value=value,
                rated_at=at,
                **details,
            )
        ],
    )
    return written[0][0] if written else None
