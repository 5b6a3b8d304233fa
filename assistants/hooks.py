"""Where other apps plug into this one's writes without this app importing them.

`assistants` is the app every other one builds on, so it may not import them; an app that
keeps counters or copies of chat text of its own registers a function here in its
`AppConfig.ready` (see `feedback.apps`).
"""

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistants.models import Conversation, Participant
    from assistants.retention import ExpiredBatch

# Recompute an app's per-assistant counters from its raw events: `rollups.rebuild` and a
# change of reporting time zone call each one with the assistants' ids.
_rebuilders: list[Callable[[Sequence[int]], None]] = []

# Forget an app's copies of a chat's text (feedback keeps each rated answer with its rating);
# each runs in the transaction that deletes the chat's text.
_content_erasers: list[Callable[["Conversation"], None]] = []


# Erase an app's text of one person with one assistant (feedback: comments, contact details,
# rated-answer copies, shared chats); each runs in the transaction of
# `services.erase_person_content`, and returns {what: how many} for the person's summary.
_person_erasers: list[Callable[["Participant"], dict[str, int]]] = []

# Erase an app's copies of the text that `purge_expired_content` erased in one batch; each
# runs in that batch's short transaction, and returns {what: how many} for its report.
_expired_text_erasers: list[Callable[["ExpiredBatch"], dict[str, int]]] = []


def register_rebuilder(rebuild_counters: Callable[[Sequence[int]], None]) -> None:
    if rebuild_counters not in _rebuilders:
        _rebuilders.append(rebuild_counters)


def register_content_eraser(erase: Callable[["Conversation"], None]) -> None:
    if erase not in _content_erasers:
        _content_erasers.append(erase)


def rebuilders() -> list[Callable[[Sequence[int]], None]]:
    return list(_rebuilders)


def content_erasers() -> list[Callable[["Conversation"], None]]:
    return list(_content_erasers)


def register_person_eraser(erase: Callable[["Participant"], dict[str, int]]) -> None:
    if erase not in _person_erasers:
        _person_erasers.append(erase)


def register_expired_text_eraser(erase: Callable[["ExpiredBatch"], dict[str, int]]) -> None:
    if erase not in _expired_text_erasers:
        _expired_text_erasers.append(erase)


def person_erasers() -> list[Callable[["Participant"], dict[str, int]]]:
    return list(_person_erasers)


def expired_text_erasers() -> list[Callable[["ExpiredBatch"], dict[str, int]]]:
    return list(_expired_text_erasers)
