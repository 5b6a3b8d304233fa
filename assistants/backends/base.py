from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ChatTurn:
    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Reply:
    """An answer and how it was made: the model name it is counted and priced under, and its
    tokens (None when the backend does not say)."""

    content: str  # Markdown
    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None


class ReplyError(Exception):
    """The backend gave no answer; the message says why, in words for the person chatting."""


class ReplyBackend(Protocol):
    model: str  # the name its answers and failures are counted and priced under

    def reply(self, *, instructions: str, history: list[ChatTurn]) -> Reply:
        """The answer to the last user turn of `history`; raises ReplyError."""
        ...
