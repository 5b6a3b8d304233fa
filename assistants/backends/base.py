from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ChatTurn:
    role: str  # "user" or "assistant"
    content: str


class ReplyError(Exception):
    """The backend gave no answer; the message says why, in words for the person chatting."""


class ReplyBackend(Protocol):
    def reply(self, *, instructions: str, history: list[ChatTurn]) -> str:
        """The answer (Markdown) to the last user turn of `history`; raises ReplyError."""
        ...
