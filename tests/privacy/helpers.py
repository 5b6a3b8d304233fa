"""What the privacy tests compare: every counter row of an assistant, and its text."""

from assistants import services
from assistants.models import (
    Assistant,
    Conversation,
    DailyActiveUser,
    DailyUsage,
    Message,
    Participant,
    UsageTotals,
)
from assistants.services import NewConversation, NewMessage
from feedback.models import DailyFeedback, Rating


def counter_rows(assistant: Assistant) -> dict[str, list[tuple]]:
    """Every row the figures of SPEC §3 are read from, and the event columns they are
    rebuilt from (roles, times, people): none of it may change when text is erased."""
    return {
        "daily usage": sorted(
            DailyUsage.objects.filter(assistant=assistant).values_list(
                "day", "active_users", "conversations", "user_messages", "assistant_messages"
            )
        ),
        "daily active users": sorted(
            DailyActiveUser.objects.filter(assistant=assistant).values_list("day", "participant")
        ),
        "totals": list(
            UsageTotals.objects.filter(assistant=assistant).values_list(
                "users", "conversations", "messages"
            )
        ),
        "daily feedback": sorted(
            DailyFeedback.objects.filter(assistant=assistant).values_list(
                "day", "positive", "negative"
            )
        ),
        "participants": sorted(
            Participant.objects.filter(assistant=assistant).values_list(
                "pk", "user", "external_id", "first_message_at"
            ),
            key=str,
        ),
        "conversations": sorted(
            Conversation.objects.filter(assistant=assistant).values_list(
                "pk", "participant", "first_message_at", "last_message_at"
            )
        ),
        "messages": sorted(
            Message.objects.filter(assistant=assistant).values_list(
                "pk", "conversation", "role", "created_at"
            )
        ),
        "ratings": sorted(
            Rating.objects.filter(assistant=assistant).values_list(
                "pk", "message", "participant", "value", "rated_at"
            )
        ),
    }


def api_chat(assistant: Assistant, user: str, at, *, question: str, answer: str) -> Message:
    """A question and its answer sent through the events API's write path by a person named
    only by their user string; returns the answer."""
    participant_id = services.ensure_participants(assistant=assistant, external_ids=[user])[user]
    conversation = f"{user}-{at.isoformat()}"
    conversation_id, _ = services.ensure_conversations(
        assistant=assistant,
        conversations=[NewConversation(conversation, participant_id, at)],
    )[conversation]
    services.record_messages(
        assistant=assistant,
        messages=[
            NewMessage(conversation_id, "user", question, at, f"{conversation}-q"),
            NewMessage(conversation_id, "assistant", answer, at, f"{conversation}-a"),
        ],
    )
    return Message.objects.get(assistant=assistant, external_id=f"{conversation}-a")
