"""The built-in backend: answers at once, with no network and no key, the same way each time.

It is for trying the app and for tests, and it says what it is, so nobody mistakes its
answers for a language model's.

Its tokens are counted the same way every time, with no tokenizer: one token per
whitespace-separated word. Input: the words of the instructions and of every turn of the
history; output: the words of the answer. Its model name is "offline" (price it in the
admin's model prices to see a cost).
"""

import hashlib
import re

from assistants.backends.base import ChatTurn, Reply

_OPENERS = (
    "Here is what I can tell you.",
    "Let me help with that.",
    "Good question.",
    "Thanks for asking.",
)


def _first_sentence(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def count_tokens(text: str) -> int:
    """The offline backend's token count: whitespace-separated words."""
    return len(text.split())


class OfflineBackend:
    model = "offline"

    def reply(self, *, instructions: str, history: list[ChatTurn]) -> Reply:
        question = next((t.content for t in reversed(history) if t.role == "user"), "")
        digest = hashlib.sha256(f"{instructions}\n{question}".encode()).digest()
        opener = _OPENERS[digest[0] % len(_OPENERS)]
        words = len(question.split())
        lines = [
            f"{opener} You wrote {words} word{'s' if words != 1 else ''}:",
            "",
            f"> {_first_sentence(question) or '(an empty message)'}",
            "",
        ]
        if instructions.strip():
            lines.append(f"My instructions say: *{_first_sentence(instructions)}*")
            lines.append("")
        turns = sum(1 for t in history if t.role == "user")
        if turns > 1:
            lines.append(f"This is message {turns} of our conversation.")
            lines.append("")
        lines.append(
            "_This answer comes from the **offline backend**, built into the app: it needs no "
            "network and no key. Set the assistant's model to a model name of an "
            "OpenAI-compatible server for real answers._"
        )
        content = "\n".join(lines)
        return Reply(
            content=content,
            model=self.model,
            input_tokens=count_tokens(instructions)
            + sum(count_tokens(turn.content) for turn in history),
            output_tokens=count_tokens(content),
        )
