"""Who uses an assistant and whether they come back (SPEC §3): active, new and returning
users of every bucket, daily / weekly / monthly active users, stickiness, messages per
user, the adoption funnel and the most active people.

Everything is counted from `DailyActiveUser`, one row per person, day and source with the
messages they sent: a range reads at most people × days rows (plus the 27 days before it
for monthly active users, and one index probe per person for "were they active before?"),
however many messages those people sent. "All sources" counts a person once even when they
used both. Days are calendar days of the assistant's reporting zone.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connection

from assistants.lib.copy_csv import copy_csv_chunks, safe_sql
from assistants.models import Assistant
from assistants.rollups import SOURCE_SQL
from assistants.timeframe import By, DateRange
from insights.forms import Source, sources_of

# How many messages a person sent in the timeframe: the bands of SPEC §4 (upper bound
# inclusive; None: no bound).
MESSAGE_BANDS = (("1", 1, 1), ("2–5", 2, 5), ("6–20", 6, 20), ("21–50", 21, 50), ("51+", 51, None))
WEEK_DAYS = 7
MONTH_DAYS = 28


@dataclass(frozen=True)
class DayPeople:
    day: date
    active_users: int  # sent a message that day
    weekly_active_users: int  # in the 7 days ending that day
    monthly_active_users: int  # in the 28 days ending that day


@dataclass(frozen=True)
class BucketPeople:
    start: date
    end: date
    active_users: int  # distinct over the bucket
    new_users: int  # whose first message ever is in the bucket
    weekly_active_users: int = 0  # as of the bucket's last day
    monthly_active_users: int = 0

    @property
    def returning_users(self) -> int:
        return self.active_users - self.new_users


@dataclass(frozen=True)
class PeriodPeople:
    """A whole range: distinct active and new people, their user messages and how many
    people sent how many messages (`MESSAGE_BANDS`)."""

    active_users: int = 0
    new_users: int = 0
    user_messages: int = 0
    bands: tuple[int, ...] = (0,) * len(MESSAGE_BANDS)

    @property
    def returning_users(self) -> int:
        return self.active_users - self.new_users

    @property
    def messages_per_user(self) -> float | None:
        return self.user_messages / self.active_users if self.active_users else None


@dataclass(frozen=True)
class Adoption:
    """The funnel at the end of a range (SPEC §3)."""

    with_access: int
    tried: int
    returned: int
    regular: int

    def steps(self) -> list[tuple[str, int, float | None]]:
        """(label, count, share of those with access in percent)."""
        base = self.with_access

        def share(count: int) -> float | None:
            return round(100 * count / base, 1) if base else None

        return [
            ("With access", self.with_access, share(self.with_access)),
            ("Tried", self.tried, share(self.tried)),
            ("Returned", self.returned, share(self.returned)),
            ("Regular", self.regular, share(self.regular)),
        ]


@dataclass(frozen=True)
class People:
    days: list[DayPeople]
    buckets: list[BucketPeople]
    period: PeriodPeople
    previous: PeriodPeople  # the previous period of the same length
    adoption: Adoption

    @property
    def stickiness(self) -> float | None:
        """Mean daily active users ÷ mean monthly active users over the days, in percent."""
        monthly = sum(day.monthly_active_users for day in self.days)
        if not monthly:
            return None
        return round(100 * sum(day.active_users for day in self.days) / monthly, 1)


_DAILY = f"""
WITH person_days AS (
    SELECT participant_id AS person, day
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s)
      AND day BETWEEN %(start)s::date - {MONTH_DAYS - 1} AND %(end)s
    GROUP BY participant_id, day
),
spans AS (
    -- A person active on a day counts in the week (month) that begins with it; the span
    -- starts after the one of their previous active day ends, so spans of one person never
    -- overlap and a running sum of starts and ends counts each person once a day.
    SELECT day,
           greatest(day, lag(day) OVER w + {WEEK_DAYS}) AS week_from, day + {WEEK_DAYS} AS week_to,
           greatest(day, lag(day) OVER w + {MONTH_DAYS}) AS month_from,
           day + {MONTH_DAYS} AS month_to
    FROM person_days WINDOW w AS (PARTITION BY person ORDER BY day)
),
steps AS (
    SELECT day, 1 AS daily, 0 AS weekly, 0 AS monthly FROM spans
    UNION ALL SELECT week_from, 0, 1, 0 FROM spans
    UNION ALL SELECT week_to, 0, -1, 0 FROM spans
    UNION ALL SELECT month_from, 0, 0, 1 FROM spans
    UNION ALL SELECT month_to, 0, 0, -1 FROM spans
),
per_day AS (
    SELECT day, sum(daily) AS daily, sum(weekly) AS weekly, sum(monthly) AS monthly
    FROM steps GROUP BY day
),
running AS (
    SELECT d::date AS day, coalesce(p.daily, 0) AS daily,
           sum(coalesce(p.weekly, 0)) OVER (ORDER BY d) AS weekly,
           sum(coalesce(p.monthly, 0)) OVER (ORDER BY d) AS monthly
    FROM generate_series(%(start)s::date - {MONTH_DAYS - 1}, %(end)s::date, '1 day') AS d
    LEFT JOIN per_day p ON p.day = d::date
)
SELECT day, daily, weekly, monthly FROM running WHERE day >= %(start)s ORDER BY day
"""


def daily_people(assistant: Assistant, date_range: DateRange, *, source: str) -> list[DayPeople]:
    """Daily, weekly and monthly active users of every day of the range, oldest first. One
    query over the person-day rows of the range and the 27 days before it."""
    with connection.cursor() as cursor:
        cursor.execute(
            _DAILY,
            {
                "assistant": assistant.pk,
                "sources": sources_of(source),
                "start": date_range.start,
                "end": date_range.end,
            },
        )
        return [DayPeople(*row) for row in cursor.fetchall()]


# The bucket a day falls in: its week or month, clipped to the range's first day.
_BUCKET_OF = "greatest(date_trunc(%(unit)s, {day}::timestamp)::date, %(start)s::date)"

_BUCKETS = f"""
WITH person_days AS (
    SELECT participant_id AS person, day, sum(user_messages) AS messages
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s)
      AND day BETWEEN %(start)s AND %(end)s
    GROUP BY participant_id, day
),
people AS (
    -- New: no row of these sources before the range (daily_active_user_by_person).
    SELECT person, min(day) AS first_day, sum(messages) AS messages,
           NOT EXISTS (
               SELECT 1 FROM assistants_dailyactiveuser before
               WHERE before.assistant_id = %(assistant)s AND before.participant_id = person
                 AND before.day < %(start)s AND before.source = ANY(%(sources)s)
           ) AS new
    FROM person_days GROUP BY person
)
SELECT 'bucket', bucket, count(DISTINCT person), 0, 0, 0, 0, 0, 0, 0
FROM (SELECT person, {_BUCKET_OF.format(day="day")} AS bucket FROM person_days) active
GROUP BY bucket
UNION ALL
SELECT 'new', {_BUCKET_OF.format(day="first_day")}, 0, count(*), 0, 0, 0, 0, 0, 0
FROM people WHERE new GROUP BY 2
UNION ALL
SELECT 'period', NULL, count(*), count(*) FILTER (WHERE new), coalesce(sum(messages), 0),
       {
    ", ".join(
        f"count(*) FILTER (WHERE messages >= {low}" + (f" AND messages <= {high})" if high else ")")
        for _, low, high in MESSAGE_BANDS
    )
}
FROM people
"""


def _bucket_rows(
    assistant: Assistant, date_range: DateRange, *, source: str, by: str
) -> tuple[dict[date, tuple[int, int]], PeriodPeople]:
    with connection.cursor() as cursor:
        cursor.execute(
            _BUCKETS,
            {
                "assistant": assistant.pk,
                "sources": sources_of(source),
                "start": date_range.start,
                "end": date_range.end,
                "unit": by,
            },
        )
        rows = cursor.fetchall()
    buckets: dict[date, tuple[int, int]] = {}
    period = PeriodPeople()
    for kind, bucket, active, new, messages, *bands in rows:
        if kind == "period":
            period = PeriodPeople(active, new, int(messages), tuple(bands))
        else:
            old_active, old_new = buckets.get(bucket, (0, 0))
            buckets[bucket] = (old_active + active, old_new + new)
    return buckets, period


def period_people(assistant: Assistant, date_range: DateRange, *, source: str) -> PeriodPeople:
    """Active and new people of the range, their user messages and the message bands. One
    query."""
    return _bucket_rows(assistant, date_range, source=source, by=By.DAY)[1]


def bucket_people(
    assistant: Assistant,
    date_range: DateRange,
    *,
    source: str,
    by: str,
    days: list[DayPeople] | None = None,
) -> tuple[list[BucketPeople], PeriodPeople]:
    """Active and new people of every bucket of the range (empty ones as 0), oldest first,
    with weekly and monthly active users as of each bucket's last day when `days`
    (`daily_people`) are given; and the whole range's figures. One query."""
    counts, period = _bucket_rows(assistant, date_range, source=source, by=by)
    as_of = {day.day: day for day in days or []}
    buckets = []
    for bucket in date_range.buckets(by):
        active, new = counts.get(bucket.start, (0, 0))
        last = as_of.get(bucket.end)
        buckets.append(
            BucketPeople(
                start=bucket.start,
                end=bucket.end,
                active_users=active,
                new_users=new,
                weekly_active_users=last.weekly_active_users if last else 0,
                monthly_active_users=last.monthly_active_users if last else 0,
            )
        )
    return buckets, period


_ADOPTION = f"""
WITH person_days AS (
    SELECT participant_id AS person, day
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s) AND day <= %(end)s
    GROUP BY participant_id, day
),
people AS (
    -- The weeks ending on the range's last day in which the person was active.
    SELECT person, count(*) AS active_days,
           count(DISTINCT (%(end)s::date - day) / {WEEK_DAYS})
               FILTER (WHERE day > %(end)s::date - {MONTH_DAYS}) AS recent_weeks
    FROM person_days GROUP BY person
)
SELECT
    -- With access: the creator and the members (in-app chat), everyone the events API named.
    (CASE WHEN %(app)s THEN 1 + (SELECT count(*) FROM assistants_membership
                                 WHERE assistant_id = %(assistant)s) ELSE 0 END)
    + (CASE WHEN %(api)s THEN (SELECT count(*) FROM assistants_participant
                               WHERE assistant_id = %(assistant)s AND external_id IS NOT NULL)
       ELSE 0 END),
    count(*), count(*) FILTER (WHERE active_days >= 2), count(*) FILTER (WHERE recent_weeks >= 3)
FROM people
"""


def adoption(assistant: Assistant, date_range: DateRange, *, source: str) -> Adoption:
    """The adoption funnel at the end of the range. One query, over the person-day rows up
    to the range's end (every active day of every person until then, not their messages)."""
    sources = sources_of(source)
    with connection.cursor() as cursor:
        cursor.execute(
            _ADOPTION,
            {
                "assistant": assistant.pk,
                "sources": sources,
                "end": date_range.end,
                "app": Source.APP in sources,
                "api": Source.API in sources,
            },
        )
        with_access, tried, returned, regular = cursor.fetchone()
    # Someone who wrote but is no longer a member had access when they wrote.
    return Adoption(max(with_access, tried), tried, returned, regular)


def people_figures(assistant: Assistant, date_range: DateRange, *, source: str, by: str) -> People:
    """Every figure of the People section and the people cards. Four queries."""
    days = daily_people(assistant, date_range, source=source)
    buckets, period = bucket_people(assistant, date_range, source=source, by=by, days=days)
    return People(
        days=days,
        buckets=buckets,
        period=period,
        previous=period_people(assistant, date_range.previous(), source=source),
        adoption=adoption(assistant, date_range, source=source),
    )


@dataclass(frozen=True)
class PersonActivity:
    """One person's activity in a range (SPEC §4's most active people, and people.csv)."""

    name: str  # as SPEC §9 says (`_PERSON_NAME`)
    first_active: date
    last_active: date
    active_days: int
    conversations: int  # conversations with a message in the range
    user_messages: int


# The person as SPEC §9 names them: a pseudonym stable within the assistant ("Person 17"),
# unless the deployment names people (`INSIGHTS_NAMED_PEOPLE`): then the account's name, or
# the events API's user string. Written in SQL so an export's rows need no Python per row.
_PERSON_NAME = """
CASE WHEN %(named)s
     THEN coalesce(nullif(trim(concat_ws(' ', u.first_name, u.last_name)), ''), u.username,
                   p.external_id, 'Person ' || p.number)
     ELSE 'Person ' || p.number END
"""


# A conversation of the sources with a message in the range: its first before the range's
# end, its last after its start.
_CONVERSATION_IN_RANGE = f"""
c.assistant_id = %(assistant)s AND {SOURCE_SQL} = ANY(%(sources)s)
AND c.first_message_at < %(after)s AND c.last_message_at >= %(first)s
"""

_ACTIVITY = f"""
WITH person_days AS (
    SELECT participant_id AS person, day, sum(user_messages) AS messages
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s)
      AND day BETWEEN %(start)s AND %(end)s
    GROUP BY participant_id, day
),
ranked AS (
    -- Ranked before anything is joined, so the most active people join only themselves.
    SELECT person, min(day) AS first_active, max(day) AS last_active,
           count(*) AS active_days, sum(messages) AS messages
    FROM person_days GROUP BY person
    ORDER BY sum(messages) DESC, person
    LIMIT %(limit)s
)
SELECT {_PERSON_NAME},
       r.first_active, r.last_active, r.active_days,
       -- Through conversation_by_participant: their conversations, not their messages.
       (SELECT count(*) FROM assistants_conversation c
        WHERE c.participant_id = r.person AND {_CONVERSATION_IN_RANGE}),
       r.messages
FROM ranked r
JOIN assistants_participant p ON p.id = r.person
LEFT JOIN auth_user u ON %(named)s AND u.id = p.user_id
ORDER BY r.messages DESC, r.person
"""

# people.csv's rows as its cells (`safe_sql` names, ISO dates), for `COPY`: every person of
# the range, so the person-day rows and the conversations are each counted per person once
# and hash-joined, instead of one conversation probe per person. The person-day rows are
# grouped by person in one step (a day of both sources counted once by DISTINCT): grouped
# by day first, the planner guesses 200 people and probes the participants one by one.
_EVERY_PERSON = f"""
WITH people AS (
    SELECT participant_id AS person, min(day) AS first_active, max(day) AS last_active,
           count(DISTINCT day) AS active_days, sum(user_messages) AS messages
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s)
      AND day BETWEEN %(start)s AND %(end)s
    GROUP BY participant_id
),
conversations AS (
    SELECT c.participant_id AS person, count(*) AS conversations
    FROM assistants_conversation c WHERE {_CONVERSATION_IN_RANGE}
    GROUP BY c.participant_id
)
SELECT {safe_sql(_PERSON_NAME)},
       to_char(r.first_active, 'YYYY-MM-DD'), to_char(r.last_active, 'YYYY-MM-DD'),
       r.active_days, coalesce(n.conversations, 0), r.messages
FROM people r
JOIN assistants_participant p ON p.id = r.person
LEFT JOIN auth_user u ON %(named)s AND u.id = p.user_id
LEFT JOIN conversations n ON n.person = r.person
ORDER BY r.messages DESC, r.person
"""


def _activity_params(assistant, date_range, source, limit) -> dict:
    first, after = date_range.bounds(assistant.tzinfo)
    return {
        "assistant": assistant.pk,
        "sources": sources_of(source),
        "start": date_range.start,
        "end": date_range.end,
        "first": first,
        "after": after,
        "named": settings.INSIGHTS_NAMED_PEOPLE,
        "limit": limit,
    }


TOP_PEOPLE = 20
# The most active people are not listed for fewer people than this: with so few, a
# pseudonym is easily recognised.
FEWEST_PEOPLE_LISTED = 5


def most_active_people(
    assistant: Assistant, date_range: DateRange, *, source: str, limit: int | None = TOP_PEOPLE
) -> list[PersonActivity]:
    """The people active in the range, most user messages first (`limit` of them; None: all).
    One query over the range's person-day rows and the assistant's conversations."""
    with connection.cursor() as cursor:
        cursor.execute(_ACTIVITY, _activity_params(assistant, date_range, source, limit))
        return [PersonActivity(*row) for row in cursor.fetchall()]


def every_person_csv(
    assistant: Assistant, date_range: DateRange, *, source: str, header: tuple[str, ...]
) -> Iterator[bytes]:
    """people.csv in chunks: every person active in the range, most messages first, as
    `PersonActivity`'s fields, streamed by `COPY` (memory does not grow with the people). One
    query, over the range's person-day rows and the assistant's conversations of the range."""
    params = _activity_params(assistant, date_range, source, None)
    return copy_csv_chunks(header, _EVERY_PERSON, params)
