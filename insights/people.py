"""Who uses an assistant and whether they come back (SPEC §3): active, new and returning
users of every bucket, daily / weekly / monthly active users, stickiness, messages per
user, the adoption funnel and the most active people.

A page makes two queries, neither reading a message:

- the people counters (`DailyPeople`, kept by `assistants.people_counters`): one row a day
  of the range and the previous period, per scope of sources, with daily, weekly and monthly
  active users, and the people whose first and second active day it is (new users, and the
  funnel's tried and returned, added up over at most one row a day of the assistant's life);
- one read of the range's person-day rows (`DailyActiveUser`, one per person, day and source,
  with the messages they sent), grouped by person, for what needs each person's own figures:
  the range's distinct people, message bands and most active people, the distinct people of
  each week or month, "regular" (the 28 days ending on the range's last day), and the
  previous period's distinct people. At most people × days rows, however many messages
  those people sent.

"All sources" counts a person once even when they used both. Days are calendar days of the
assistant's reporting zone.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.conf import settings

from assistants.lib.copy_csv import copy_csv_chunks, safe_sql
from assistants.lib.sql import bulk_cursor
from assistants.models import Assistant
from assistants.rollups import SOURCE_SQL
from assistants.timeframe import Bucket, By, DateRange
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
class PersonActivity:
    """One person's activity in a range (SPEC §4's most active people, and people.csv)."""

    name: str  # as SPEC §9 says (`_PERSON_NAME`)
    first_active: date
    last_active: date
    active_days: int
    conversations: int  # conversations with a message in the range
    user_messages: int


@dataclass(frozen=True)
class People:
    days: list[DayPeople]
    buckets: list[BucketPeople]
    period: PeriodPeople
    previous: PeriodPeople  # the previous period of the same length (its bands not counted)
    adoption: Adoption
    top: list[PersonActivity]  # the most active people of the range (`TOP_PEOPLE`)

    @property
    def stickiness(self) -> float | None:
        """Mean daily active users ÷ mean monthly active users over the days, in percent."""
        monthly = sum(day.monthly_active_users for day in self.days)
        if not monthly:
            return None
        return round(100 * sum(day.active_users for day in self.days) / monthly, 1)


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


def _activity_params(assistant, date_range, source) -> dict:
    first, after = date_range.bounds(assistant.tzinfo)
    return {
        "assistant": assistant.pk,
        "sources": sources_of(source),
        "start": date_range.start,
        "end": date_range.end,
        "first": first,
        "after": after,
        "named": settings.INSIGHTS_NAMED_PEOPLE,
    }


TOP_PEOPLE = 20
# The most active people are not listed for fewer people than this: with so few, a
# pseudonym is easily recognised.
FEWEST_PEOPLE_LISTED = 5


_COUNTERS = """
SELECT day, active_users, new_users, weekly_active_users, monthly_active_users
FROM assistants_dailypeople
WHERE assistant_id = %(assistant)s AND source = %(scope)s AND day BETWEEN %(first)s AND %(end)s
UNION ALL
-- Adoption at the range's end (NULL marks the row): with access, the creator and the
-- members (in-app chat) and everyone the events API named; tried and returned, the people
-- whose first (second) active day is by then.
SELECT NULL,
       (CASE WHEN %(app)s THEN 1 + (SELECT count(*) FROM assistants_membership
                                    WHERE assistant_id = %(assistant)s) ELSE 0 END)
       + (CASE WHEN %(api)s THEN (SELECT count(*) FROM assistants_participant
                                  WHERE assistant_id = %(assistant)s
                                    AND external_id IS NOT NULL)
          ELSE 0 END),
       coalesce(sum(new_users), 0), coalesce(sum(returned_users), 0), 0
FROM assistants_dailypeople
WHERE assistant_id = %(assistant)s AND source = %(scope)s AND day <= %(end)s
"""


_NO_DAY = (0, 0, 0, 0)


@dataclass(frozen=True)
class _Counters:
    days: dict[date, tuple[int, int, int, int]]  # day: (active, new, weekly, monthly)
    with_access: int  # at the end
    tried: int  # by the end
    returned: int

    def new_between(self, start: date, end: date) -> int:
        """New users of the days from `start` to `end` (within the counters' days)."""
        return sum(
            self.days.get(start + timedelta(days=offset), _NO_DAY)[1]
            for offset in range((end - start).days + 1)
        )

    def daily(self, date_range: DateRange) -> list[DayPeople]:
        days = []
        for day in date_range.days():
            active, _, weekly, monthly = self.days.get(day, _NO_DAY)
            days.append(DayPeople(day, active, weekly, monthly))
        return days


def _counters(assistant: Assistant, *, source: str, first: date, end: date) -> _Counters:
    """The people counters (`DailyPeople`) of the days from `first` to `end`: one row a day,
    plus the adoption funnel's counts at `end` (adding up one row a day of the assistant's
    life until then), whatever the people and messages. One query."""
    sources = sources_of(source)
    params = {"assistant": assistant.pk, "scope": source, "first": first, "end": end}
    with bulk_cursor() as cursor:
        cursor.execute(
            _COUNTERS, params | {"app": Source.APP in sources, "api": Source.API in sources}
        )
        rows = cursor.fetchall()
    days, until = {}, (0, 0, 0)
    for day, *figures in rows:
        if day is None:
            until = tuple(int(figure) for figure in figures[:3])
        else:
            days[day] = tuple(figures)
    return _Counters(days, *until)


def daily_people(assistant: Assistant, date_range: DateRange, *, source: str) -> list[DayPeople]:
    """Daily, weekly and monthly active users of every day of the range, oldest first, from
    the people counters (one row a day). One query."""
    counters = _counters(assistant, source=source, first=date_range.start, end=date_range.end)
    return counters.daily(date_range)


# The bucket a day falls in: its week or month, clipped to the range's first day.
_BUCKET_OF = "greatest(date_trunc(%(unit)s, {day}::timestamp)::date, %(start)s::date)"
# A person's weeks of the 4 ending on the range's last day with an active day, as bits.
_WEEK_BITS = f"bit_or(1 << ((%(end)s::date - day) / {WEEK_DAYS}))"
_REGULAR_WEEKS = 3

_ZEROS = ", ".join("0" for _ in MESSAGE_BANDS)

_SCAN = f"""
WITH person_days AS (
    -- One pass over the person-day rows (read index only: daily_active_user_unique covers
    -- them) from the previous period's first day, or the 28 days ending on the range's
    -- last day when they start earlier, grouped by person: their user messages of the range
    -- and of the previous period (NULL: not active then; a person's messages of both sources
    -- add up, so nothing groups by day), and their weeks of the 4 ending on the range's last
    -- day with an active day, as bits (regulars).
    SELECT sum(user_messages) FILTER (WHERE day >= %(start)s) AS messages,
           sum(user_messages) FILTER (WHERE day BETWEEN %(previous_start)s AND %(previous_end)s)
               AS previous_messages,
           {_WEEK_BITS} FILTER (WHERE day > %(end)s::date - {MONTH_DAYS}) AS weeks,
           participant_id AS person
    FROM assistants_dailyactiveuser
    WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s)
      AND day BETWEEN least(%(previous_start)s, %(end)s::date - {MONTH_DAYS - 1}) AND %(end)s
    GROUP BY participant_id
),
people AS (
    SELECT person, messages FROM person_days WHERE messages IS NOT NULL
),
top AS (
    -- Ranked before anything is joined, so the most active people join only themselves.
    SELECT person, messages FROM people ORDER BY messages DESC, person LIMIT {TOP_PEOPLE}
)
-- kind, person, a name, two days, five figures, the message bands.
SELECT 'period', NULL::bigint, NULL, NULL::date, NULL::date,
       count(*) FILTER (WHERE messages IS NOT NULL), coalesce(sum(messages), 0),
       count(*) FILTER (
           WHERE (weeks & 1) + (weeks >> 1 & 1) + (weeks >> 2 & 1) + (weeks >> 3 & 1)
                 >= {_REGULAR_WEEKS}),
       count(*) FILTER (WHERE previous_messages IS NOT NULL),
       coalesce(sum(previous_messages), 0),
       {
    ", ".join(
        f"count(*) FILTER (WHERE messages >= {low}" + (f" AND messages <= {high})" if high else ")")
        for _, low, high in MESSAGE_BANDS
    )
}
FROM person_days
UNION ALL
-- Distinct people of the weeks or months the counters do not give (`_scanned_days`).
SELECT 'bucket', NULL, NULL, {_BUCKET_OF.format(day="day")}, NULL, count(DISTINCT participant_id),
       0, 0, 0, 0, {_ZEROS}
FROM assistants_dailyactiveuser
WHERE assistant_id = %(assistant)s AND source = ANY(%(sources)s) AND day = ANY(%(days)s)
GROUP BY 4
UNION ALL
SELECT 'top', r.person, {_PERSON_NAME}, days.first_active, days.last_active, days.active_days,
       r.messages,
       -- Through conversation_by_participant: their conversations, not their messages.
       (SELECT count(*) FROM assistants_conversation c
        WHERE c.participant_id = r.person AND {_CONVERSATION_IN_RANGE}),
       0, 0, {_ZEROS}
FROM top r
-- Through daily_active_user_by_person: their days of the range (of both sources once).
CROSS JOIN LATERAL (
    SELECT min(d.day) AS first_active, max(d.day) AS last_active,
           count(DISTINCT d.day) AS active_days
    FROM assistants_dailyactiveuser d
    WHERE d.assistant_id = %(assistant)s AND d.participant_id = r.person
      AND d.day BETWEEN %(start)s AND %(end)s AND d.source = ANY(%(sources)s)
) days
JOIN assistants_participant p ON p.id = r.person
LEFT JOIN auth_user u ON %(named)s AND u.id = p.user_id
"""


@dataclass(frozen=True)
class _Scan:
    period: PeriodPeople  # without new users (the counters have them)
    regular: int
    previous: PeriodPeople  # distinct people and user messages only
    buckets: dict[date, int]  # distinct people of the weeks or months of `_scanned_days`
    top: list[PersonActivity]


def _scanned_days(date_range: DateRange, by: str) -> list[date]:
    """The days whose buckets' distinct people need the person-day rows: a day's are the
    counters', and so are a whole week's (its Sunday's weekly active users); a month's, or
    a week clipped by the range, are not."""
    if by == By.DAY:
        return []
    days = []
    for bucket in date_range.buckets(by):
        if by == By.MONTH or bucket.length < WEEK_DAYS:
            days.extend(bucket.start + timedelta(days=n) for n in range(bucket.length))
    return days


def _scan(assistant: Assistant, date_range: DateRange, *, source: str, by: str) -> _Scan:
    """What needs each person's own figures: the range's distinct people, message bands,
    most active people and regulars, the previous period's distinct people, and the distinct
    people of the buckets the counters do not give. One query, reading the person-day rows
    of the range, of the previous period, of the 28 days ending on the range's last day and
    of clipped weeks (or months): at most people × days rows, never the messages; and one
    probe of their days and conversations per person listed."""
    previous = date_range.previous()
    params = _activity_params(assistant, date_range, source) | {
        "unit": by,
        "days": _scanned_days(date_range, by),
        "previous_start": previous.start,
        "previous_end": previous.end,
    }
    # Prepared once a connection (`bulk_cursor`): planning it costs more than running it.
    with bulk_cursor() as cursor:
        cursor.execute(_SCAN, params)
        rows = cursor.fetchall()
    period, previous_people, regular, buckets, top = PeriodPeople(), PeriodPeople(), 0, {}, []
    for kind, person, name, first, last, a, b, c, d, e, *bands in rows:
        if kind == "period":
            period = PeriodPeople(a, 0, int(b), tuple(bands))
            regular = c
            previous_people = PeriodPeople(d, 0, int(e))
        elif kind == "bucket":
            buckets[first] = a
        else:
            top.append((-b, person, PersonActivity(name, first, last, a, c, int(b))))
    listed = [activity for *_, activity in sorted(top, key=lambda ranked: ranked[:2])]
    return _Scan(period, regular, previous_people, buckets, listed)


def _bucket_active(bucket: Bucket, by: str, counters: _Counters, distinct: dict) -> int:
    """Distinct people of a bucket: a day's active users, a whole week's weekly active users
    on its Sunday, or those the scan counted (`_scanned_days`)."""
    if by == By.DAY:
        return counters.days.get(bucket.start, _NO_DAY)[0]
    if by == By.WEEK and bucket.length == WEEK_DAYS:
        return counters.days.get(bucket.end, _NO_DAY)[2]
    return distinct.get(bucket.start, 0)


def _buckets(
    date_range: DateRange, by: str, counters: _Counters, distinct: dict[date, int]
) -> list[BucketPeople]:
    buckets = []
    for bucket in date_range.buckets(by):
        last = counters.days.get(bucket.end, _NO_DAY)
        buckets.append(
            BucketPeople(
                start=bucket.start,
                end=bucket.end,
                active_users=_bucket_active(bucket, by, counters, distinct),
                new_users=counters.new_between(bucket.start, bucket.end),
                weekly_active_users=last[2],
                monthly_active_users=last[3],
            )
        )
    return buckets


def _new_users(period: PeriodPeople, counters: _Counters, date_range: DateRange) -> PeriodPeople:
    return replace(period, new_users=counters.new_between(date_range.start, date_range.end))


def people_figures(assistant: Assistant, date_range: DateRange, *, source: str, by: str) -> People:
    """Every figure of the People section and the people cards, with the most active people.
    Two queries: the people counters of this period and the previous one (one row a day,
    `_counters`), and one read of the range's person-day rows (`_scan`)."""
    previous = date_range.previous()
    counters = _counters(assistant, source=source, first=previous.start, end=date_range.end)
    scan = _scan(assistant, date_range, source=source, by=by)
    return People(
        days=counters.daily(date_range),
        buckets=_buckets(date_range, by, counters, scan.buckets),
        period=_new_users(scan.period, counters, date_range),
        previous=_new_users(scan.previous, counters, previous),
        # Someone who wrote but is no longer a member had access when they wrote.
        adoption=Adoption(
            max(counters.with_access, counters.tried),
            counters.tried,
            counters.returned,
            scan.regular,
        ),
        top=scan.top,
    )


def bucket_people(
    assistant: Assistant, date_range: DateRange, *, source: str, by: str
) -> tuple[list[BucketPeople], PeriodPeople]:
    """Active and new people of every bucket of the range (empty ones as 0), oldest first,
    with weekly and monthly active users as of each bucket's last day; and the whole range's
    figures. Two queries (`_counters`, `_scan`)."""
    counters = _counters(assistant, source=source, first=date_range.start, end=date_range.end)
    scan = _scan(assistant, date_range, source=source, by=by)
    buckets = _buckets(date_range, by, counters, scan.buckets)
    return buckets, _new_users(scan.period, counters, date_range)


def adoption(assistant: Assistant, date_range: DateRange, *, source: str) -> Adoption:
    """The adoption funnel at the end of the range. Two queries."""
    return people_figures(assistant, date_range, source=source, by=By.DAY).adoption


def every_person_csv(
    assistant: Assistant, date_range: DateRange, *, source: str, header: tuple[str, ...]
) -> Iterator[bytes]:
    """people.csv in chunks: every person active in the range, most messages first, as
    `PersonActivity`'s fields, streamed by `COPY` (memory does not grow with the people). One
    query, over the range's person-day rows and the assistant's conversations of the range."""
    params = _activity_params(assistant, date_range, source)
    return copy_csv_chunks(header, _EVERY_PERSON, params)
