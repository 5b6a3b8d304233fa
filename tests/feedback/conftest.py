import pytest

from tests.factories import SHARING_ALL, ago, chat_turn, rate


@pytest.fixture
def shared_feedback(people):
    """The member's answer, rated down with a comment, contact details and the chat shared."""
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], ago(hours=2))
    rate(assistant, answer, "negative", ago(hours=1), comment="Wrong menu name", **SHARING_ALL)
    return answer
