"""Answers from OpenAI or any server with the same chat completions API (a local model
server, for instance), through the official `openai` package.

Configured by the environment, read at each reply so a change needs no code:
- OPENAI_BASE_URL   the server's API root (default: OpenAI's);
- OPENAI_API_KEY    its key (a local server that needs none may leave it empty);
- OPENAI_TIMEOUT_SECONDS  how long to wait for an answer (default 30).
"""

import logging
import os

import openai

from assistants.backends.base import ChatTurn, Reply, ReplyError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 30.0


def _timeout() -> float:
    raw = os.environ.get("OPENAI_TIMEOUT_SECONDS", "").strip()
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        logger.warning("OPENAI_TIMEOUT_SECONDS=%r is not a number; using the default", raw)
        return DEFAULT_TIMEOUT_SECONDS


class OpenAICompatibleBackend:
    def __init__(self, *, model: str):
        self.model = model

    def _client(self) -> openai.OpenAI:
        base_url = os.environ.get("OPENAI_BASE_URL", "").strip() or None
        api_key = os.environ.get("OPENAI_API_KEY", "").strip()
        if not api_key:
            if base_url is None:
                raise ReplyError(
                    f"This assistant uses the model “{self.model}”, but no OPENAI_API_KEY "
                    "is set on the server."
                )
            api_key = "none"  # local servers often need no key, but the client wants one
        # No automatic retries: the person sees the error at once and may try again.
        return openai.OpenAI(base_url=base_url, api_key=api_key, timeout=_timeout(), max_retries=0)

    def reply(self, *, instructions: str, history: list[ChatTurn]) -> Reply:
        """The server's answer, with its tokens from the completion's `usage` (None when the
        server sends none). The model is the assistant's model setting, the name its price is
        kept under, whatever snapshot name the server reports."""
        messages = []
        if instructions.strip():
            messages.append({"role": "system", "content": instructions})
        messages.extend({"role": turn.role, "content": turn.content} for turn in history)
        try:
            completion = self._client().chat.completions.create(model=self.model, messages=messages)
        except openai.APITimeoutError:
            raise ReplyError("The assistant took too long to answer.") from None
        except openai.APIConnectionError:
            raise ReplyError("The assistant's model server could not be reached.") from None
        except openai.APIStatusError as error:
            logger.warning("model server answered %s: %s", error.status_code, error.message)
            raise ReplyError(
                f"The assistant's model server refused the request ({error.status_code})."
            ) from None
        except openai.OpenAIError as error:
            logger.warning("model server error: %s", error)
            raise ReplyError(
                "The assistant's model server sent an answer we could not read."
            ) from None
        choices = completion.choices or []
        content = choices[0].message.content if choices else None
        if not content or not content.strip():
            raise ReplyError("The assistant's model server sent an empty answer.")
        usage = completion.usage
        return Reply(
            content=content,
            model=self.model,
            input_tokens=_tokens(usage.prompt_tokens) if usage else None,
            output_tokens=_tokens(usage.completion_tokens) if usage else None,
        )


def _tokens(value: object) -> int | None:
    """A token count from `usage`, or None when the server sent something else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
