"""The usage and answer figures of SPEC §3 counted naively from a list of chat events, with no
rollup: what the property tests hold the counters to."""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal


def counter_columns(model) -> list[str]:
    """Every column of a counter table but its id and its assistant (the rows compared are
    one assistant's), in the table's order: a column added later is compared too."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "assistant"
    ]


# (conversation, person, role, moment): any hashable conversation and person.
Event = tuple[Hashable, Hashable, str, datetime]


def naive_usage(
    events: Iterable[Event], tz: tzinfo
) -> tuple[dict[date, tuple[int, int, int, int]], tuple[int, int, int]]:
    """({local day: (active users, conversations, user messages, assistant messages)} of
    the busy days, (all-time users, conversations, messages))."""
    events = list(events)
    active, conversations = defaultdict(set), defaultdict(int)
    user_messages, assistant_messages = defaultdict(int), defaultdict(int)
    first_message = {}
    for conversation, person, role, moment in events:
        day = moment.astimezone(tz).date()
        if role == "user":
            active[day].add(person)
            user_messages[day] += 1
        else:
            assistant_messages[day] += 1
        first_message[conversation] = min(moment, first_message.get(conversation, moment))
    for moment in first_message.values():
        conversations[moment.astimezone(tz).date()] += 1
    days = set(active) | set(conversations) | set(user_messages) | set(assistant_messages)
    daily = {
        day: (len(active[day]), conversations[day], user_messages[day], assistant_messages[day])
        for day in days
    }
    users = {person for _, person, role, _ in events if role == "user"}
    return daily, (len(users), len(first_message), len(events))


# (conversation, person, source, role, moment), for the figures that depend on the source.
SourcedEvent = tuple[Hashable, Hashable, str, str, datetime]


def naive_person_days(
    events: Iterable[SourcedEvent], tz: tzinfo, sources: Iterable[str]
) -> dict[Hashable, dict[date, int]]:
    """{person: {local day: user messages}} over the conversations of the given sources."""
    sources = set(sources)
    days: dict[Hashable, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for _, person, source, role, moment in events:
        if role == "user" and source in sources:
            days[person][moment.astimezone(tz).date()] += 1
    return days


def naive_people(
    events: Iterable[SourcedEvent], tz: tzinfo, sources: Iterable[str], days: list[date]
) -> dict[str, object]:
    """The People figures of SPEC §3 for the given days, straight from the events:
    {"daily": [(day, active, weekly active, monthly active)], "active_between": a function
    (first day, last day) → the people active then, "first": {person: first active day ever},
    "messages": {person: user messages in the days}, "person_days": `naive_person_days`}."""
    person_days = naive_person_days(events, tz, sources)
    first = {person: min(active) for person, active in person_days.items()}

    def active_between(low: date, high: date) -> set:
        return {p for p, active in person_days.items() if any(low <= d <= high for d in active)}

    daily = []
    for day in days:
        daily.append(
            (
                day,
                len(active_between(day, day)),
                len(active_between(day - timedelta(days=6), day)),
                len(active_between(day - timedelta(days=27), day)),
            )
        )
    in_range = active_between(days[0], days[-1])
    messages = {
        p: sum(n for d, n in person_days[p].items() if days[0] <= d <= days[-1]) for p in in_range
    }
    return {
        "daily": daily,
        "active_between": active_between,
        "first": first,
        "messages": messages,
        "person_days": person_days,
    }


# (source "app" or "api", "answer" or "failure", moment, latency ms or None, cost or None)
AnswerEvent = tuple[str, str, datetime, int | None, Decimal | None]


def naive_answers(
    events: Iterable[AnswerEvent], tz: tzinfo, *, source: str = "all"
) -> dict[date, tuple[int, int, Decimal, list[int]]]:
    """{local day: (answers, failed replies, cost of the answers that have one, latencies of
    the timed answers)} of the busy days of `source` (all, app or api)."""
    days: dict[date, list] = defaultdict(lambda: [0, 0, Decimal(0), []])
    for event_source, kind, moment, latency_ms, cost_usd in events:
        if source not in ("all", event_source):
            continue
        row = days[moment.astimezone(tz).date()]
        if kind == "failure":
            row[1] += 1
            continue
        row[0] += 1
        row[2] += cost_usd or 0
        if latency_ms is not None:
            row[3].append(latency_ms)
    return {day: tuple(row) for day, row in days.items()}
