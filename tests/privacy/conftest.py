from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import SHARING_ALL, ago, chat_turn, rate
from tests.privacy.helpers import api_chat

QUESTION = "My passport number is X1234567, can I travel?"
ANSWER = "Yes: bring **passport X1234567** to the gate."
COMMENT = "Please delete my passport number"


@pytest.fixture
def member_data(people):
    """The member's chat: an answer rated down with a comment, contact details and the chat
    shared, and a second answer rated up; plus another person's chat, which must stay."""
    assistant = people["assistant"]
    now = timezone.now()
    first = chat_turn(
        assistant, people["user"], now - timedelta(hours=3), question=QUESTION, answer=ANSWER
    )
    second = chat_turn(
        assistant,
        people["user"],
        now - timedelta(hours=2),
        conversation=first.conversation,
        question="And a visa?",
        answer="No visa needed.",
    )
    rate(
        assistant,
        first,
        "negative",
        now - timedelta(hours=1),
        comment=COMMENT,
        **SHARING_ALL,
    )
    rate(assistant, second, "positive", now - timedelta(minutes=50))
    kept = chat_turn(
        assistant, people["editor"], now - timedelta(hours=1), question="Editor's question"
    )
    rate(assistant, kept, "positive", now - timedelta(minutes=30), comment="Editor's comment")
    return {"assistant": assistant, "first": first, "second": second, "kept": kept}


@pytest.fixture
def api_person(people):
    """A person seen only through the events API, with a rated, commented, shared answer."""
    assistant = people["assistant"]
    answer = api_chat(
        assistant,
        "visitor-42",
        ago(hours=2),
        question="Visitor's secret question",
        answer="Visitor's answer",
    )
    rate(assistant, answer, "negative", ago(hours=1), comment="Visitor's comment", share_chat=True)
    return answer
