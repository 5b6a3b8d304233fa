"""The Changes section's version table, the readable diff, and the figures that link to the
impact pages."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import plotly.graph_objects as go
import time_machine

from assistants import services
from assistants.models import ConfigurationVersion
from assistants.timeframe import DateRange
from insights import charts
from insights.changes import version_records
from insights.diff import configuration_diff, line_diff
from insights.impact import ImpactDay, Surroundings, assess
from insights.impact_charts import overlay_figure
from insights.selectors import ConfigurationChange, DayFigures, version_history
from tests.factories import UserFactory, chat_turn, rate

CHANGE = ConfigurationChange(
    number=2,
    changed_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    changed_fields=["instructions"],
    changed_by="casey",
    impact_url="/assistants/7/insights/changes/2/",
)


def test_a_chart_marker_links_to_the_changes_impact_page():
    days = [DayFigures(day=date(2026, 3, d)) for d in (1, 2, 3)]
    layout = charts.conversations_figure(days, [CHANGE])["layout"]
    assert layout["annotations"][0]["text"] == (
        '<a href="/assistants/7/insights/changes/2/" target="_top">v2</a>'
    )


def test_the_overlay_is_valid_plotly_and_aligns_both_sides_by_day():
    before = [ImpactDay(date(2026, 3, 1) - timedelta(days=8 - i), active_users=i) for i in range(7)]
    after = [ImpactDay(date(2026, 3, 3) + timedelta(days=i), active_users=10 + i) for i in range(7)]
    impact = assess(
        replace(CHANGE, changed_at=datetime(2026, 3, 2, 9, tzinfo=UTC)),
        window=7,
        days={d.day: d for d in before + after},
        around=Surroundings(first_activity=before[0].day, today=date(2026, 4, 1)),
    )
    figure = overlay_figure(impact)
    go.Figure(figure)  # raises on any invalid property
    first_before, first_after = figure["data"][:2]
    assert first_before["x"] == first_after["x"] == [1, 2, 3, 4, 5, 6, 7]
    assert first_after["y"] == [10, 11, 12, 13, 14, 15, 16]
    assert [b["label"] for b in figure["layout"]["updatemenus"][0]["buttons"]] == [
        "Active users",
        "Conversations",
        "Messages",
        "Satisfaction",
        "Failure rate",
        "Cost",
    ]


def test_a_line_diff_keeps_two_lines_of_context_and_counts_the_rest():
    before = "\n".join(f"line {n}" for n in range(1, 11))
    after = before.replace("line 6", "line six")
    lines = [(line.kind, line.text) for line in line_diff(before, after)]
    assert lines == [
        ("gap", "3 unchanged lines"),
        ("same", "line 4"),
        ("same", "line 5"),
        ("removed", "line 6"),
        ("added", "line six"),
        ("same", "line 7"),
        ("same", "line 8"),
        ("gap", "2 unchanged lines"),
    ]


def test_the_diff_lists_only_the_fields_that_differ(db):
    first = ConfigurationVersion(
        name="A", instructions="Be brief.", model="offline", time_zone="UTC"
    )
    second = ConfigurationVersion(name="A", instructions="Be kind.", model="gpt", time_zone="UTC")
    changes = configuration_diff(first, second)
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("Instructions", "Be brief.", "Be kind."),
        ("Model", "offline", "gpt"),
    ]
    assert changes[1].lines is None


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_every_version_live_in_the_range_with_its_satisfaction(people):
    assistant, creator = people["assistant"], people["creator"]
    person = UserFactory()
    services.set_member_role(assistant=assistant, user=person, role="user")
    with time_machine.travel("2026-11-01 09:00Z", tick=False):
        services.update_configuration(assistant=assistant, changed_by=creator, model="gpt")
    with time_machine.travel("2026-11-05 09:00Z", tick=False):
        services.update_configuration(
            assistant=assistant, changed_by=creator, time_zone="Asia/Tokyo"
        )
    with time_machine.travel("2026-11-10 09:00Z", tick=False):
        services.update_configuration(assistant=assistant, changed_by=creator, name="Helper")
    # v1: 1 of 2 positive on Oct 30; v2 (with v3, time zone only): 3 of 4 on Nov 3 and 6;
    # v4: 0 of 1 on Nov 12. Rated days later: they count for their answers' versions.
    late = datetime(2026, 11, 20, tzinfo=UTC)
    for day, values in ((30, "+-"), (3, "++"), (6, "+-"), (12, "-")):
        month = 10 if day == 30 else 11
        for value in values:
            answer = chat_turn(assistant, person, datetime(2026, month, day, 12, tzinfo=UTC))
            rate(assistant, answer, "positive" if value == "+" else "negative", late)

    versions = version_history(assistant)
    records = version_records(
        assistant,
        versions=versions,
        date_range=DateRange(date(2026, 10, 1), date(2026, 11, 24)),
        source="all",
    )
    assert [(r.numbers, r.positive, r.negative) for r in records] == [
        ([4], 0, 1),
        ([2, 3], 3, 1),
        ([1], 1, 1),
    ]
    assert records[1].satisfaction_text == "75 %"
    # Wilson's interval of 3/4.
    assert records[1].interval_text == "30 – 95 %"
    assert records[0].live_until is None
    assert records[1].live_until == versions[3].changed_at

    # A range after v1 ended leaves it out; the events API's source has none of these.
    later = version_records(
        assistant,
        versions=versions,
        date_range=DateRange(date(2026, 11, 11), date(2026, 11, 24)),
        source="api",
    )
    assert [(r.numbers, r.ratings) for r in later] == [([4], 0)]
