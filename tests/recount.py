"""The usage figures of SPEC §3 counted naively from a list of chat events, with no rollup:
what the property tests hold the counters to."""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import date, datetime, tzinfo

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
