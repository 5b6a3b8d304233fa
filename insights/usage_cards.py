"""The usage cards of the timeframe (SPEC §4): active users, new users, conversations,
messages, messages per user and satisfaction, each against the previous period of the same
length (percent; satisfaction in percentage points). Pure functions: no database."""

from dataclasses import dataclass

from insights.cards import Card, change_text, is_good, percent_change
from insights.people import PeriodPeople
from insights.selectors import DayFigures


@dataclass(frozen=True)
class UsagePeriod:
    """What the cards read of one period."""

    people: PeriodPeople
    conversations: int
    messages: int
    positive: int
    negative: int

    @property
    def ratings(self) -> int:
        return self.positive + self.negative

    @property
    def satisfaction(self) -> float | None:
        """Share of positive ratings, in percent; None without ratings."""
        return 100 * self.positive / self.ratings if self.ratings else None


def usage_period(people: PeriodPeople, days: list[DayFigures]) -> UsagePeriod:
    return UsagePeriod(
        people=people,
        conversations=sum(day.conversations for day in days),
        messages=sum(day.messages for day in days),
        positive=sum(day.positive_feedback for day in days),
        negative=sum(day.negative_feedback for day in days),
    )


def _count_card(key: str, label: str, now: int, before: int, period_days: int) -> Card:
    delta = percent_change(now, before)
    return Card(
        key=key,
        label=label,
        value=f"{now:,}",
        change=change_text(delta, unit="%", period_days=period_days),
        good=is_good(delta, more_is_better=True),
    )


def usage_cards(now: UsagePeriod, before: UsagePeriod, *, period_days: int) -> list[Card]:
    per_user_delta = percent_change(now.people.messages_per_user, before.people.messages_per_user)
    satisfaction_delta = (
        round(now.satisfaction - before.satisfaction, 1)
        if now.satisfaction is not None and before.satisfaction is not None
        else None
    )
    per_user = now.people.messages_per_user
    return [
        _count_card(
            "active-users",
            "Active users",
            now.people.active_users,
            before.people.active_users,
            period_days,
        ),
        _count_card(
            "new-users", "New users", now.people.new_users, before.people.new_users, period_days
        ),
        _count_card(
            "conversations", "Conversations", now.conversations, before.conversations, period_days
        ),
        _count_card("messages", "Messages", now.messages, before.messages, period_days),
        Card(
            key="messages-per-user",
            label="Messages per user",
            value=f"{per_user:,.1f}" if per_user is not None else "—",
            change=change_text(per_user_delta, unit="%", period_days=period_days),
            good=is_good(per_user_delta, more_is_better=True),
            note="user messages ÷ active users",
        ),
        Card(
            key="satisfaction",
            label="Satisfaction",
            value=f"{now.satisfaction:.0f} %" if now.satisfaction is not None else "—",
            change=change_text(satisfaction_delta, unit="points", period_days=period_days),
            good=is_good(satisfaction_delta, more_is_better=True),
            note=f"{now.ratings:,} rating{'' if now.ratings == 1 else 's'}",
        ),
    ]
