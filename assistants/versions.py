"""Which configuration version an event belongs to (SPEC §3 "Version of an answer").

An answer belongs to the version in force at its timestamp: the version with the greatest
number whose `changed_at` is at or before it. Anything earlier than version 1 (an event sent
through the API with an older timestamp than the assistant's creation) counts for version 1.
The write path's counters and `rebuild_insights` both use `version_at_sql`, so the two
always agree; `version_at` is the same rule in Python, for tests and small lists.
"""

from collections.abc import Sequence
from datetime import datetime


def version_at_sql(*, assistant: str, moment: str) -> str:
    """A SQL expression for the version number in force at `moment` (SQL expressions for the
    assistant's id and a timestamptz). Reads the index version_by_time (assistant,
    changed_at): an assistant has few versions."""
    return (
        "COALESCE((SELECT max(v.number) FROM assistants_configurationversion v"
        f" WHERE v.assistant_id = {assistant} AND v.changed_at <= {moment}), 1)"
    )


def version_at(versions: Sequence[tuple[int, datetime]], moment: datetime) -> int:
    """The same rule over (number, changed_at) pairs."""
    numbers = [number for number, changed_at in versions if changed_at <= moment]
    return max(numbers, default=1)


# A version whose only change is one of these fields is kept in the history but is not a
# configuration change: it is neither marked on charts nor compared (SPEC §3). How long chat
# text is kept changes no answer.
NOT_A_CHANGE = frozenset({"time_zone", "retention_days"})


def is_configuration_change(changed_fields: Sequence[str]) -> bool:
    return bool(set(changed_fields) - NOT_A_CHANGE)
