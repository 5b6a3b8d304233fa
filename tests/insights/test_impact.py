"""The impact of a change: which days each side has, the figures, intervals and verdicts,
and the page that shows them."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from assistants import services
from insights.impact import ImpactDay, Surroundings, Verdict, assess, sides, verdict_of
from insights.selectors import ConfigurationChange
from insights.stats import Estimate, Interval
from tests.factories import UserFactory, chat_turn, rate

DAY = date(2026, 6, 15)
TODAY = date(2026, 7, 31)


def _change(number=2, day=DAY):
    return ConfigurationChange(
        number=number,
        changed_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        changed_fields=["instructions"],
        changed_by="casey",
    )


def _sides(**overrides):
    arguments = dict(
        change_day=DAY,
        window=14,
        previous_change_day=None,
        next_change_day=None,
        first_activity=date(2026, 1, 1),
        today=TODAY,
    )
    (before, before_limit), (after, after_limit, can_grow) = sides(**arguments | overrides)
    return before, before_limit, after, after_limit, can_grow


def test_each_side_has_the_window_and_the_change_day_is_on_neither():
    before, before_limit, after, after_limit, can_grow = _sides()
    assert (before.start, before.end, before_limit) == (date(2026, 6, 1), date(2026, 6, 14), None)
    assert (after.start, after.end, after_limit) == (date(2026, 6, 16), date(2026, 6, 29), None)
    assert not can_grow


def test_sides_are_clipped_by_the_neighbouring_changes():
    before, before_limit, after, after_limit, _ = _sides(
        previous_change_day=date(2026, 6, 10), next_change_day=date(2026, 6, 20)
    )
    assert (before.start, before.length, before_limit) == (
        date(2026, 6, 11),
        4,
        "the previous change",
    )
    assert (after.end, after.length, after_limit) == (date(2026, 6, 19), 4, "the next change")


def test_the_before_side_starts_at_the_first_activity():
    # Months without any activity before the assistant was used are not zero days.
    before, before_limit, *_ = _sides(first_activity=date(2026, 6, 12))
    assert (before.start, before.length, before_limit) == (
        date(2026, 6, 12),
        3,
        "the first activity",
    )
    before, _, after, _, _ = _sides(first_activity=date(2026, 6, 18))
    assert before is None
    assert after.start == date(2026, 6, 18)
    assert _sides(first_activity=None)[0] is None and _sides(first_activity=None)[2] is None


def test_the_after_side_ends_yesterday_and_can_grow():
    _, _, after, after_limit, can_grow = _sides(today=date(2026, 6, 20))
    assert (after.end, after.length, after_limit, can_grow) == (date(2026, 6, 19), 4, "today", True)
    assert _sides(today=date(2026, 6, 16))[2] is None


def _assess(before_days, after_days, **overrides):
    days = {d.day: d for d in before_days + after_days}
    return assess(
        _change(),
        window=overrides.pop("window", 14),
        days=days,
        around=Surroundings(first_activity=min(days) if days else None, today=TODAY),
    )


def _days(start: date, values: list[int], **fields) -> list[ImpactDay]:
    return [
        ImpactDay(
            start + timedelta(days=i), active_users=v, conversations=v, messages=2 * v, **fields
        )
        for i, v in enumerate(values)
    ]


BEFORE = [10, 12, 9, 11, 10, 13, 12, 10, 11, 9, 12, 10, 11, 12]  # Jun 1-14, mean 10.857
AFTER = [15, 14, 16, 17, 13, 15, 16, 14, 15, 17, 16, 15, 14, 16]  # Jun 16-29, mean 15.214


def test_more_users_a_day_is_better_with_welchs_interval():
    impact = _assess(_days(date(2026, 6, 1), BEFORE), _days(date(2026, 6, 16), AFTER))
    users = impact.assessments[0]
    assert (users.before, users.after, users.before_n, users.after_n) == ("10.9", "15.2", 14, 14)
    assert users.verdict == Verdict.BETTER
    assert users.difference == "+4.4"
    # From insights.stats.welch over these days (checked there against scipy).
    assert users.interval == "+3.4 to +5.3"
    assert users.sentence == (
        "More active users a day after this change (better): 10.9 → 15.2 "
        "(+4.4, 95 % interval +3.4 to +5.3), 14 and 14 days."
    )


def test_no_clear_change_when_the_interval_contains_zero():
    impact = _assess(_days(date(2026, 6, 1), BEFORE), _days(date(2026, 6, 16), BEFORE[::-1]))
    assert impact.assessments[0].verdict == Verdict.NO_CLEAR_CHANGE
    assert impact.assessments[0].sentence.startswith("No clear change in active users a day: ")


def test_satisfaction_compares_ratings_in_points_with_newcombes_interval():
    # Newcombe 1998 example (a) spread over the days: 48/80 before, 56/70 after.
    before = _days(date(2026, 6, 1), [1] * 14)
    after = _days(date(2026, 6, 16), [1] * 14)
    before[0] = ImpactDay(before[0].day, 1, 1, 2, positive=48, negative=32)
    after[0] = ImpactDay(after[0].day, 1, 1, 2, positive=56, negative=14)
    satisfaction = _assess(before, after).assessments[-1]
    assert satisfaction.verdict == Verdict.BETTER
    assert (satisfaction.before, satisfaction.after) == ("60 %", "80 %")
    assert satisfaction.sentence == (
        "Answers were rated better after this change: 60 % → 80 % positive "
        "(+20 points, 95 % interval +5 to +33), 80 and 70 ratings."
    )


def test_not_enough_data_says_how_much_more_is_needed():
    few_ratings = _days(date(2026, 6, 1), [1] * 14, positive=1, negative=1)
    impact = _assess(few_ratings, _days(date(2026, 6, 16), [1] * 14, positive=2))
    satisfaction = impact.assessments[-1]
    assert satisfaction.verdict == Verdict.NOT_ENOUGH_DATA
    assert satisfaction.sentence == (
        "Not enough data to judge positive ratings yet (28 and 28 ratings): needs at least 30 "
        "ratings on each side: 2 more ratings before it; 2 more ratings after it."
    )
    short = assess(
        _change(),
        window=14,
        days={},
        around=Surroundings(
            first_activity=date(2026, 1, 1),
            today=date(2026, 6, 20),
            previous_change_day=date(2026, 6, 11),
        ),
    )
    users = short.assessments[0]
    assert users.verdict == Verdict.NOT_ENOUGH_DATA
    assert (users.before_n, users.after_n) == (3, 4)
    assert users.sentence == (
        "Not enough data to judge active users a day yet: needs at least 7 days on each side: "
        "only 3 days before it, cut short by the previous change; "
        "3 more days after it (check back then)."
    )


# --- The page --------------------------------------------------------------------------------

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
CHANGE_AT = datetime(2026, 11, 10, 9, tzinfo=UTC)  # Nov 10 in Paris


def _world(assistant, *, people=2):
    """`people` users chat daily from Oct 27 to Nov 23; each answer is rated, positive after
    the change. Returns the change's version."""
    persons = [UserFactory() for _ in range(people)]
    for person in persons:
        services.set_member_role(assistant=assistant, user=person, role="user")
    with time_machine.travel(CHANGE_AT, tick=False):
        version = services.update_configuration(
            assistant=assistant,
            changed_by=assistant.creator,
            instructions="Answer in two sentences.\nCite the help page.",
            model="gpt-small",
        )
    for offset in range(28):
        moment = datetime(2026, 10, 27, 12, tzinfo=UTC) + timedelta(days=offset)
        for person in persons:
            answer = chat_turn(assistant, person, moment)
            rate(assistant, answer, "positive" if moment > CHANGE_AT else "negative", moment)
    return version


@pytest.fixture
def paris(people):
    assistant = people["assistant"]
    services.update_configuration(
        assistant=assistant, changed_by=people["creator"], time_zone="Europe/Paris"
    )
    return assistant


def _url(assistant, number, query=""):
    return f"/assistants/{assistant.pk}/insights/changes/{number}/{query}"


@time_machine.travel(NOW, tick=False)
def test_the_page_shows_what_changed_both_sides_and_the_verdicts(people, paris, client_as):
    version = _world(paris)
    response = client_as(people["editor"]).get(_url(paris, version.number))
    assert response.status_code == 200
    text = response.text
    assert "Impact of version 3" in text
    assert "on Nov 10, 2026 at 10:00 (Europe/Paris)" in text
    assert '<span class="diff-added">+ Answer in two sentences.</span>' in text
    assert "<del>offline</del> → <ins>gpt-small</ins>" in text
    assert "Oct 27 – Nov 9, 2026 (14 days)" in text
    assert "Nov 11 – Nov 23, 2026 (13 days), cut short by today" in text
    assert "The day of the change, Nov 10, is on neither side; days in Europe/Paris." in text
    # Two users a day on both sides, every day alike: no change, known exactly.
    assert "No clear change in active users a day: 2.0 → 2.0 (±0.0" in text
    assert "Not enough data to judge positive ratings yet (28 and 26 ratings)" in text
    assert 'id="impact-overlay-data"' in text


@time_machine.travel(NOW, tick=False)
def test_the_window_is_chosen_in_the_query_and_a_bad_one_explains_itself(people, paris, client_as):
    version = _world(paris, people=3)
    client = client_as(people["creator"])
    text = client.get(_url(paris, version.number)).text
    assert (
        "Answers were rated better after this change: 0 % → 100 % positive (+100 points, "
        "95 % interval +88 to +100), 42 and 39 ratings." in text
    )
    text = client.get(_url(paris, version.number, "?window=7")).text
    assert "Nov 3 – Nov 9, 2026 (7 days)" in text
    assert "Nov 11 – Nov 17, 2026 (7 days)" in text
    assert (
        "(21 and 21 ratings): needs at least 30 ratings on each side: 9 more ratings before "
        "it; 9 more ratings after it." in text
    )
    response = client.get(_url(paris, version.number, "?window=99"))
    assert response.status_code == 200
    assert "The window must be 7, 14 or 28 days; showing 14." in response.text


@time_machine.travel(NOW, tick=False)
def test_a_time_zone_only_version_is_kept_but_not_compared(people, paris, client_as):
    # Version 2 only set the reporting zone (the fixture).
    response = client_as(people["creator"]).get(_url(paris, 2))
    assert response.status_code == 200
    assert "only changed the reporting time zone" in response.text
    assert 'id="impact-overlay-data"' not in response.text
    assert "<del>UTC</del> → <ins>Europe/Paris</ins>" in response.text


@time_machine.travel(NOW, tick=False)
def test_the_page_reads_counters_only(people, paris, client_as, django_assert_num_queries):
    client = client_as(people["creator"])
    with time_machine.travel(CHANGE_AT, tick=False):
        services.update_configuration(
            assistant=paris, changed_by=people["creator"], instructions="Short."
        )
    # Session, user, assistant with role, the version and its predecessor, the history,
    # daily usage (with the first active day), version feedback, answer stats, the sides'
    # latency histograms.
    with django_assert_num_queries(9):
        client.get(_url(paris, 3))
    _world(paris, people=3)
    with django_assert_num_queries(9):
        response = client.get(_url(paris, 3))
    assert "Oct 27 – Nov 9, 2026 (14 days)" in response.text


def test_the_direction_rule_of_each_figure():
    up, down, unclear = (
        Estimate(2.0, Interval(0.5, 3.5)),
        Estimate(-2.0, Interval(-3.5, -0.5)),
        Estimate(1.0, Interval(-0.2, 2.2)),
    )
    # Usage and satisfaction: more is better.
    assert (verdict_of(up, True), verdict_of(down, True)) == (Verdict.BETTER, Verdict.WORSE)
    # Failure rate, latency and cost: less is better.
    assert (verdict_of(up, False), verdict_of(down, False)) == (Verdict.WORSE, Verdict.BETTER)
    assert verdict_of(unclear, True) == verdict_of(unclear, False) == Verdict.NO_CLEAR_CHANGE
