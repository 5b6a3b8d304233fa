from datetime import UTC, date, datetime

from insights.comparison import compare_around_changes
from insights.selectors import ConfigurationChange, DayFigures


def _change(number: int, day: int) -> ConfigurationChange:
    return ConfigurationChange(
        number=number,
        changed_at=datetime(2026, 4, day, 9, tzinfo=UTC),
        changed_fields=["instructions"],
        changed_by="casey",
    )


def _day(day: int, users: int, positive: int = 0, negative: int = 0) -> DayFigures:
    return DayFigures(
        day=date(2026, 4, day),
        active_users=users,
        conversations=users,
        user_messages=users,
        assistant_messages=users,
        positive_feedback=positive,
        negative_feedback=negative,
    )


def test_each_change_compares_the_versions_it_separates():
    days = [
        _day(1, 10, positive=1, negative=1),
        _day(2, 20),
        _day(3, 99),  # the day of v2: on neither side
        _day(4, 30, positive=3, negative=1),
        _day(5, 99),  # the day of v3
        _day(6, 60),
    ]
    first, second = compare_around_changes(days, [_change(2, 3), _change(3, 5)])

    assert (first.before.days, first.after.days) == (2, 1)
    users, conversations, messages, positive = first.figures()
    assert (users.before, users.after, users.delta_percent) == (15.0, 30.0, 100.0)
    assert (messages.before, messages.after) == (30.0, 60.0)
    assert (positive.before, positive.after, positive.delta_percent) == (50.0, 75.0, 50.0)

    users, *_, positive = second.figures()
    assert (users.before, users.after, users.delta_percent) == (30.0, 60.0, 100.0)
    assert (positive.before, positive.after, positive.delta_percent) == (75.0, None, None)


def test_a_change_on_the_first_day_has_nothing_before():
    (comparison,) = compare_around_changes([_day(1, 5), _day(2, 7)], [_change(2, 1)])
    assert comparison.before is None
    users = comparison.figures()[0]
    assert (users.before, users.after, users.delta_percent) == (None, 7.0, None)
