"""Reply backends: where an assistant's answers come from, chosen by its `model` setting.

"offline" (the default) is the built-in deterministic backend, which needs no network and no
key; any other value is a model name on the OpenAI-compatible server configured by the
environment (see `openai_compatible`).
"""

from assistants.backends.base import ChatTurn, Reply, ReplyBackend, ReplyError
from assistants.backends.offline import OfflineBackend
from assistants.backends.openai_compatible import OpenAICompatibleBackend

OFFLINE = "offline"

__all__ = ["ChatTurn", "Reply", "ReplyBackend", "ReplyError", "backend_for"]


def backend_for(model: str) -> ReplyBackend:
    name = model.strip()
    if not name or name.lower() == OFFLINE:
        return OfflineBackend()
    return OpenAICompatibleBackend(model=name)
