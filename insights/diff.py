"""What one configuration version changed from the one before, for people to read."""

import difflib
from dataclasses import dataclass

from assistants.models import ConfigurationVersion

# Shown line by line; the other fields are short and shown as before → after.
LONG_FIELDS = ("instructions", "description")
LABELS = {
    "name": "Name",
    "description": "Description",
    "instructions": "Instructions",
    "model": "Model",
    "time_zone": "Reporting time zone",
}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed", "same", or "gap" (unchanged lines left out)
    text: str


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    lines: list[DiffLine] | None  # for long fields; None for the short ones


def line_diff(before: str, after: str, *, context: int = 2) -> list[DiffLine]:
    """The changed lines with `context` unchanged lines around each change; longer unchanged
    stretches become one "gap" line saying how many lines were left out."""
    old, new = before.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    lines: list[DiffLine] = []
    shown_until = 0  # index in `old` up to which lines are accounted for
    for group in matcher.get_grouped_opcodes(context):
        first_old = group[0][1]
        if first_old > shown_until:
            skipped = first_old - shown_until
            lines.append(DiffLine("gap", f"{skipped} unchanged line{'s' if skipped != 1 else ''}"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", text) for text in old[i1:i2])
                continue
            lines.extend(DiffLine("removed", text) for text in old[i1:i2])
            lines.extend(DiffLine("added", text) for text in new[j1:j2])
        shown_until = group[-1][2]
    if lines and shown_until < len(old):
        skipped = len(old) - shown_until
        lines.append(DiffLine("gap", f"{skipped} unchanged line{'s' if skipped != 1 else ''}"))
    return lines


def configuration_diff(
    previous: ConfigurationVersion | None, version: ConfigurationVersion
) -> list[FieldChange]:
    """Each field whose value differs from the previous version's, in the configuration's
    order. No query."""
    changes = []
    for field, label in LABELS.items():
        after = getattr(version, field)
        before = getattr(previous, field) if previous else ""
        if before == after:
            continue
        lines = line_diff(before, after) if field in LONG_FIELDS else None
        changes.append(FieldChange(label, before, after, lines))
    return changes
