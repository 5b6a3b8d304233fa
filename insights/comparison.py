"""The Analytics tab's before/after table: the impact of each configuration change made in
the timeframe, by the same rules and the same code as its impact page (`insights.impact`):
the default window either side, clipped by the neighbouring changes, the first activity and
today, with the days of each side, the rates in points and a verdict for each figure."""

from datetime import date

from assistants.models import Assistant
from insights.forms import Source
from insights.impact import DEFAULT_WINDOW, Impact, impacts
from insights.selectors import ConfigurationChange


def compare_around_changes(
    assistant: Assistant,
    *,
    changes: list[ConfigurationChange],
    history: list[ConfigurationChange],
    today: date,
    source: str = Source.ALL,
) -> list[Impact]:
    """One `Impact` per change of the timeframe (`changes`), each clipped by its neighbours
    in the assistant's whole `history`, over `source` (all, app or api). Four queries for any
    number of changes; none without a change."""
    if not changes:
        return []
    return impacts(
        assistant,
        changes=changes,
        history=history,
        window=DEFAULT_WINDOW,
        today=today,
        source=source,
    )
