"""The usage cards against the previous period (no database)."""

from insights.people import PeriodPeople
from insights.usage_cards import UsagePeriod, usage_cards


def _period(active, new, user_messages, conversations, messages, positive, negative):
    return UsagePeriod(
        people=PeriodPeople(active, new, user_messages),
        conversations=conversations,
        messages=messages,
        positive=positive,
        negative=negative,
    )


def test_changes_are_percent_and_satisfaction_moves_in_points():
    now = _period(12, 4, 60, 30, 120, 9, 1)
    before = _period(10, 5, 40, 30, 100, 6, 4)
    cards = {card.key: card for card in usage_cards(now, before, period_days=30)}
    assert cards["active-users"].change == "+20 % vs the previous 30 days"
    assert cards["active-users"].good is True
    assert cards["new-users"].change == "−20 % vs the previous 30 days"
    assert cards["new-users"].good is False
    assert cards["conversations"].change == "±0 % vs the previous 30 days"
    assert cards["messages-per-user"].value == "5.0"
    assert cards["messages-per-user"].change == "+25 % vs the previous 30 days"
    assert cards["satisfaction"].value == "90 %"
    assert cards["satisfaction"].change == "+30 points vs the previous 30 days"
    assert cards["satisfaction"].note == "10 ratings"


def test_nothing_to_compare_with_shows_no_change():
    now = _period(3, 3, 6, 2, 9, 0, 0)
    cards = {
        card.key: card for card in usage_cards(now, _period(0, 0, 0, 0, 0, 0, 0), period_days=7)
    }
    assert cards["active-users"].change is None
    assert cards["messages-per-user"].change is None
    assert cards["satisfaction"].value == "—"
    assert cards["satisfaction"].change is None
