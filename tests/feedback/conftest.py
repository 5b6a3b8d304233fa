from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import chat_turn, rate


@pytest.fixture
def shared_feedback(people):
    """The member's answer, rated down with a comment, contact details and the chat shared."""
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(hours=2))
    rate(
        assistant,
        answer,
        "negative",
        timezone.now() - timedelta(hours=1),
        comment="Wrong menu name",
        share_contact=True,
        contact_name="Mia Member",
        contact_email="mia@example.com",
        share_chat=True,
    )
    return answer
