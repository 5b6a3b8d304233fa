"""Section `people`: the Analytics tab with every section (People included) for 90 days by
day and 365 days by day and by week, and `people.csv` of an assistant with many people
(100,000 on the full dataset), each next to the same figures counted the naive way from the
raw messages in the same run.

The crowd assistant is made once in the bench database (a conversation of two messages per
person, on the days of the last quarter) and its counters rebuilt; later runs reuse it.
"""

import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from assistants import rollups, services
from assistants.models import Assistant, Participant
from assistants.timeframe import By, DateRange, today_in
from insights.bench import Bench, time_pages, timings_ms
from insights.forms import Source
from insights.people import bucket_people, daily_people

PAGES = ((90, By.DAY), (365, By.DAY), (365, By.WEEK))
PAGE_TARGETS_MS = {90: 30, 365: 50}
CROWD_NAME = "bench crowd"
CROWD_PEOPLE = 100_000
CSV_ROWS_PER_SECOND_TARGET = 100_000

# Per local day of the range, straight from the messages: daily, weekly (7 days) and
# monthly (28 days) active users, and the people whose first message ever is that day.
NAIVE_DAILY_PEOPLE = """
WITH person_days AS (
    SELECT DISTINCT c.participant_id AS person, (m.created_at AT TIME ZONE %(tz)s)::date AS day
    FROM assistants_message m
    JOIN assistants_conversation c ON c.id = m.conversation_id
    WHERE m.assistant_id = %(assistant)s AND m.role = 'user'
),
firsts AS (SELECT person, min(day) AS first_day FROM person_days GROUP BY person)
SELECT d::date,
       (SELECT count(*) FROM person_days WHERE day = d::date),
       (SELECT count(DISTINCT person) FROM person_days
        WHERE day BETWEEN d::date - 6 AND d::date),
       (SELECT count(DISTINCT person) FROM person_days
        WHERE day BETWEEN d::date - 27 AND d::date),
       (SELECT count(*) FROM firsts WHERE first_day = d::date)
FROM generate_series(%(start)s::date, %(end)s::date, '1 day') AS d
ORDER BY 1
"""

# people.csv's figures per person, straight from the messages.
NAIVE_PEOPLE_ROWS = """
SELECT c.participant_id, min((m.created_at AT TIME ZONE %(tz)s)::date),
       max((m.created_at AT TIME ZONE %(tz)s)::date),
       count(DISTINCT (m.created_at AT TIME ZONE %(tz)s)::date), count(*)
FROM assistants_message m
JOIN assistants_conversation c ON c.id = m.conversation_id
WHERE m.assistant_id = %(assistant)s AND m.role = 'user'
  AND m.created_at >= %(first)s AND m.created_at < %(after)s
GROUP BY c.participant_id
"""

# The crowd: one conversation per person, a question and its answer on one of the last 90
# days (the person's number spreads them over the days and hours).
_CROWD_PEOPLE = """
INSERT INTO assistants_participant (assistant_id, external_id, created_at)
SELECT %(assistant)s, 'person-' || n, now() FROM generate_series(1, %(people)s) AS n
"""
_CROWD_CONVERSATIONS = """
INSERT INTO assistants_conversation (assistant_id, participant_id, external_id, title, created_at)
SELECT assistant_id, id, external_id, '', now() FROM assistants_participant
WHERE assistant_id = %(assistant)s
"""
_CROWD_MESSAGES = """
INSERT INTO assistants_message (assistant_id, conversation_id, role, content, created_at)
SELECT c.assistant_id, c.id, role.name, 'hello',
       now() + role.after
           - make_interval(days => (c.id %% 90)::int, mins => ((c.id * 7) %% 1440)::int)
FROM assistants_conversation c
CROSS JOIN (VALUES ('user', interval '0'), ('assistant', interval '2 seconds')) AS role(name, after)
WHERE c.assistant_id = %(assistant)s
"""


def crowd_size(options: dict) -> int:
    """100,000 people on the full dataset; fewer on a small one, so small flags stay quick
    (unless --people asks for a number)."""
    if options.get("people"):
        return options["people"]
    return min(CROWD_PEOPLE, max(1_000, options["messages"] // 100))


def ensure_crowd(bench: Bench, people: int) -> Assistant:
    existing = Assistant.objects.filter(name=CROWD_NAME).first()
    if existing and Participant.objects.filter(assistant=existing).count() == people:
        return existing
    largest = Assistant.objects.get(pk=bench.state["largest"]["id"])
    bench.progress(f"people: making an assistant with {people:,} people")
    with transaction.atomic():
        if existing:
            existing.delete()
        crowd = services.create_assistant(
            creator=largest.creator, name=CROWD_NAME, time_zone=largest.time_zone
        )
        with connection.cursor() as cursor:
            for statement in (_CROWD_PEOPLE, _CROWD_CONVERSATIONS, _CROWD_MESSAGES):
                cursor.execute(statement, {"assistant": crowd.pk, "people": people})
            # The planner must know the new rows, or the rebuild joins them row by row.
            cursor.execute(
                "ANALYZE assistants_participant, assistants_conversation, assistants_message"
            )
        rollups.rebuild([crowd.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return crowd


def _naive_daily(assistant: Assistant, date_range: DateRange) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            NAIVE_DAILY_PEOPLE,
            {
                "assistant": assistant.pk,
                "tz": assistant.time_zone,
                "start": date_range.start,
                "end": date_range.end,
            },
        )
        return [tuple(row) for row in cursor.fetchall()]


def _rollup_daily(assistant: Assistant, date_range: DateRange) -> list[tuple]:
    days = daily_people(assistant, date_range, source=Source.ALL)
    buckets, _ = bucket_people(assistant, date_range, source=Source.ALL, by=By.DAY)
    return [
        (d.day, d.active_users, d.weekly_active_users, d.monthly_active_users, b.new_users)
        for d, b in zip(days, buckets, strict=True)
    ]


def _timed(function, runs: int):
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return timings_ms(samples), result


def _download(client: Client, url: str) -> tuple[float, int, int]:
    """(seconds, rows, peak Python memory in bytes while streaming) of one download."""
    started = time.perf_counter()
    response = client.get(url)
    rows = sum(chunk.count(b"\r\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    tracemalloc.start()
    response = client.get(url)
    for _ in response.streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, rows, peak


def run(bench: Bench) -> dict:
    options = bench.options
    info = bench.state["largest"]
    largest = Assistant.objects.get(pk=info["id"])
    client = Client()
    client.force_login(get_user_model().objects.get(pk=info["creator_id"]))
    today = today_in(largest.tzinfo)
    tab = reverse("insights:analytics", args=[largest.pk])
    pages = []
    for days, by in PAGES:
        date_range = DateRange.last_days(today, days)
        pages.append(
            {
                "key": f"largest_{days}d_by_{by}",
                "client": client,
                "url": f"{tab}?{date_range.as_query()}&by={by}",
                "days": days,
                "date_range": date_range,
            }
        )
    bench.progress(f"people: timing {len(pages)} pages, {options['runs']} loads each")
    time_pages(pages, warmups=options["warmups"], runs=options["runs"])
    cases = {}
    for page in pages:
        date_range = page["date_range"]
        bench.progress(f"people: {page['key']}: the same people figures from the raw messages")
        naive_timing, naive = _timed(
            lambda r=date_range: _naive_daily(largest, r), options["naive_runs"]
        )
        cases[page["key"]] = {
            "page": page["page"],
            "naive": naive_timing
            | {"matches_rollups": naive == _rollup_daily(largest, date_range)},
        }
        bench.target(
            f"largest assistant, {page['key']} with every section: page median (ms)",
            page["page"]["median_ms"],
            at_most=PAGE_TARGETS_MS[page["days"]],
        )

    people = crowd_size(options)
    crowd = ensure_crowd(bench, people)
    quarter = DateRange.last_days(today_in(crowd.tzinfo), 90)
    url = f"{reverse('insights:people_csv', args=[crowd.pk])}?{quarter.as_query()}&source=all"
    crowd_client = Client()
    crowd_client.force_login(crowd.creator)
    bench.progress(f"people: people.csv of {people:,} people")
    _download(crowd_client, url)  # warm-up
    seconds, rows, peak = _download(crowd_client, url)
    first, after = quarter.bounds(crowd.tzinfo)
    naive_timing, naive_rows = _timed(
        lambda: _naive_rows(crowd, first, after), options["naive_runs"]
    )
    rows_per_second = rows / seconds if seconds else 0.0
    bench.target("people.csv rows per second", rows_per_second, at_least=CSV_ROWS_PER_SECOND_TARGET)
    return {
        "pages": cases,
        "people_csv": {
            "assistant_id": crowd.pk,
            "people": people,
            "rows": rows,
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows_per_second),
            "peak_python_memory_kb": round(peak / 1024),
            "naive": naive_timing
            | {"rows": len(naive_rows), "matches_rows": len(naive_rows) == rows},
        },
    }


def _naive_rows(assistant: Assistant, first, after) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            NAIVE_PEOPLE_ROWS,
            {"assistant": assistant.pk, "tz": assistant.time_zone, "first": first, "after": after},
        )
        return cursor.fetchall()
