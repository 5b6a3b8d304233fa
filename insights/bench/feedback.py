"""Section `feedback` of the speed benchmark: the Feedback tab and the feedback CSV on an
assistant with 1,000,000 ratings, against the same page with 100 ratings and against the
export done the naive way (ORM objects into one response), in the same run. The first page
is timed unfiltered, with each single filter and with a search term plus a filter
(`PAGE_FILTERS`: the counts under a filter are a count query, whose cost this proves); the
CSV unfiltered and filtered. About four ratings in ten carry reasons, three in ten a comment,
and most are already reviewed.

`measure(largest=…)` rates every answer of the benchmark's largest assistant once, by the person
it answered (one rating per answer and person is the rule); when it has fewer answers than
ratings to load, answered conversations are added to it first, generated inside PostgreSQL
(`INSERT … SELECT generate_series`), two question/answer pairs each, over the last year. The
ratings are loaded with `COPY … FROM STDIN` in the order they were given, as the app writes
them, and kept for the next run. Only ever run it on a benchmark database.

Pages and exports are requested in-process through `django.test.Client` (full middleware,
session, template rendering; no network), signed in as the creator. Memory is the process's
resident set, sampled every 5 ms while an export runs.
"""

import csv
import io
import math
import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Min
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assistants import rollups, services
from assistants.models import Assistant
from assistants.timeframe import DateRange, today_in
from feedback.export import FEEDBACK_CSV_HEADER
from feedback.models import DEFAULT_REASONS, DailyFeedback, Rating
from insights.bench import Bench, time_pages

LARGE_RATINGS = 1_000_000
SMALL_RATINGS = 100
CREATOR = "feedback-bench"

COMMENTS = (
    "Exactly what I needed.",
    "The steps are out of date, the menu moved.",
    'It said "restart", but that did not help, at all.',
    "=SUM(A1:A9) looks like a formula",
    "Too long; I wanted one line.\nAnd a link.",
    "Clear and friendly.",
)

_GENERATE_CHATS = """
WITH people AS (
    INSERT INTO assistants_participant (assistant_id, external_id, created_at)
    SELECT %(assistant)s, %(prefix)s || g, %(start)s
    FROM generate_series(1, %(people)s) g
    RETURNING id
),
numbered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM people),
conversations AS (
    INSERT INTO assistants_conversation
        (assistant_id, participant_id, title, created_at, first_message_at, last_message_at)
    SELECT %(assistant)s, p.id, 'Question ' || g,
           %(start)s + (g * %(spacing)s)::interval,
           %(start)s + (g * %(spacing)s)::interval,
           %(start)s + (g * %(spacing)s)::interval + interval '3 minutes'
    FROM generate_series(1, %(conversations)s) g
    JOIN numbered p ON p.n = g %% %(people)s
    RETURNING id, created_at
)
INSERT INTO assistants_message (assistant_id, conversation_id, role, content, created_at)
SELECT %(assistant)s, c.id, r.role,
       CASE WHEN r.role = 'user' THEN 'How do I change the setting number ' || c.id || '?'
            ELSE 'Open **Settings**, choose *Account* and then the item ' || c.id
                 || '. If it is not there, ask your administrator to enable it for you.'
       END,
       c.created_at + r.offset_
FROM conversations c
CROSS JOIN (VALUES ('user', interval '0'), ('assistant', interval '1 minute'),
                   ('user', interval '2 minutes'), ('assistant', interval '3 minutes'))
     AS r(role, offset_)
"""

_COUNT_ANSWERS = (
    "SELECT count(*) FROM assistants_message WHERE assistant_id = %s AND role = 'assistant'"
)

# The latest answers, one rating each (an answer is rated by the person it answered).
_ANSWERS = """
SELECT m.id, m.conversation_id, c.participant_id, m.created_at, m.content
FROM assistants_message m JOIN assistants_conversation c ON c.id = m.conversation_id
WHERE m.assistant_id = %s AND m.role = 'assistant'
ORDER BY m.created_at DESC
LIMIT %s
"""

_COPY_RATINGS = """
COPY feedback_rating (assistant_id, message_id, conversation_id, participant_id, value,
                      rated_at, answer, comment, share_contact, contact_name, contact_email,
                      share_token, chat_shared_at, external_id, updated_at, question, version,
                      reasons, status, note)
FROM STDIN
"""

# Every single filter of the tab, and a search term with a filter (SPEC §4). The search
# terms are words of the generated comments: "menu" in one comment of six, "rest" a prefix.
PAGE_FILTERS = {
    "unfiltered": "",
    "rating": "rating=negative",
    "has_comment": "has_comment=1",
    "reason": "reason=Too+long",
    "status": "status=new",
    "version": "version=1",
    "q": "q=menu",
    "q_and_filter": "q=rest&rating=negative",
}
# The filtered export: the ratings with a comment, a third of them.
CSV_FILTER = "has_comment=1"
# Reviewed and resolved most of them, as a team working through its feedback would.
STATUS_WEIGHTS = (("new", 0.2), ("reviewed", 0.6), ("resolved", 0.2))

_CLEAR_RATINGS = [
    "DELETE FROM feedback_rating WHERE assistant_id = %s",
    "DELETE FROM feedback_dailyfeedback WHERE assistant_id = %s",
]


def _ensure_ratings(
    assistant: Assistant, ratings: int, progress: Callable[[str], None], *, reload: bool
) -> bool:
    """Give the assistant exactly `ratings` ratings, one per answer, adding answered
    conversations first when it has too few answers. Returns whether it loaded anything
    (a previous run's ratings are reused)."""
    ratings_now = Rating.objects.filter(assistant=assistant)
    # Ratings of a run before reasons existed are loaded again.
    if not reload and ratings_now.count() == ratings and ratings_now.exclude(reasons=[]).exists():
        progress(f"assistant {assistant.pk}: reusing its {ratings:,} ratings")
        return False
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _CLEAR_RATINGS:
            cursor.execute(statement, [assistant.pk])
        cursor.execute(_COUNT_ANSWERS, [assistant.pk])
        (answers_before,) = cursor.fetchone()
        missing = ratings - answers_before
        if missing > 0:
            conversations = math.ceil(missing / 2)
            progress(
                f"assistant {assistant.pk}: {answers_before:,} answers; adding {conversations:,}"
                f" conversations ({4 * conversations:,} messages) to rate {ratings:,}"
            )
            cursor.execute(
                _GENERATE_CHATS,
                {
                    "assistant": assistant.pk,
                    "prefix": f"feedback-bench-{assistant.pk}-{answers_before}-",
                    "people": max(1, conversations // 10),
                    "conversations": conversations,
                    "start": now - timedelta(days=365),
                    "spacing": timedelta(seconds=(365 * 86400 - 3600) / conversations),
                },
            )
        cursor.execute(_ANSWERS, [assistant.pk, ratings])
        rng = random.Random(ratings)
        # Each answer rated up to ten hours after it was given; written in the order they
        # were given, as the app writes them.
        rows = []
        for message_id, conversation_id, participant_id, answered_at, content in cursor:
            rated_at = min(answered_at + timedelta(minutes=rng.randint(1, 600)), now)
            rows.append((rated_at, message_id, conversation_id, participant_id, content))
        rows.sort(key=lambda row: row[0])
        progress(f"assistant {assistant.pk}: COPY of {len(rows):,} ratings")
        with cursor.cursor.copy(_COPY_RATINGS) as copy:
            for rated_at, message_id, conversation_id, participant_id, content in rows:
                value = "positive" if rng.random() < 0.7 else "negative"
                comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
                # About four ratings in ten come with one or two reasons.
                picked = rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 1, 2))
                reasons = rng.sample(DEFAULT_REASONS[value], k=picked)
                status = rng.choices(
                    [name for name, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS]
                )[0]
                contact = rng.random() < 0.05
                shared = rng.random() < 0.03
                copy.write_row(
                    (
                        assistant.pk,
                        message_id,
                        conversation_id,
                        participant_id,
                        value,
                        rated_at,
                        content,
                        comment,
                        contact,
                        f"Person {participant_id}" if contact else "",
                        f"person{participant_id}@example.com" if contact else "",
                        uuid.UUID(int=rng.getrandbits(128), version=4) if shared else None,
                        rated_at if shared else None,
                        None,
                        rated_at,
                        f"How do I change the setting number {conversation_id}?",
                        1,
                        reasons,
                        status,
                        "",
                    )
                )
        progress(f"assistant {assistant.pk}: rebuilding its counters")
        rollups.rebuild([assistant.pk])
    with connection.cursor() as cursor:
        for table in ("feedback_rating", "feedback_dailyfeedback", "assistants_message"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    progress(f"assistant {assistant.pk}: loaded in {time.perf_counter() - started:.1f} s")
    return True


def _own_assistant(name: str) -> Assistant:
    creator, _ = get_user_model().objects.get_or_create(username=CREATOR)
    existing = Assistant.objects.filter(name=name, creator=creator).first()
    return existing or services.create_assistant(
        creator=creator, name=name, time_zone="Europe/Paris"
    )


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


class _PeakMemory:
    """The process's peak resident memory above what it was at the start."""

    def __enter__(self):
        self.baseline = self.peak = _rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth_mb(self) -> float:
        return round((self.peak - self.baseline) / 1_000_000, 1)


def _time_export(client: Client, url: str) -> dict:
    with _PeakMemory() as memory:
        started = time.perf_counter()
        response = client.get(url)
        first_byte = first_row = None
        size = lines = 0
        for chunk in response.streaming_content:
            now = time.perf_counter()
            if first_byte is None:
                first_byte = now - started
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            if first_row is None and lines > 1:
                first_row = now - started
        elapsed = time.perf_counter() - started
        response.close()
    # Records end in CRLF; a comment with a line break inside quotes ends in LF only.
    rows = lines - 1
    return {
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed),
        "first_byte_ms": round(first_byte * 1000, 1),
        "first_row_ms": round(first_row * 1000, 1) if first_row else None,
        "megabytes": round(size / 1_000_000, 1),
        "peak_memory_growth_mb": memory.growth_mb,
    }


def naive_export(assistant: Assistant, date_range: DateRange) -> HttpResponse:
    """The export as one might first write it: every rating as an ORM object, the whole CSV
    built in memory, one response."""
    first, after = date_range.bounds(assistant.tzinfo)
    ratings = (
        Rating.objects.filter(assistant=assistant, rated_at__gte=first, rated_at__lt=after)
        .select_related("message", "conversation")
        .order_by("-rated_at", "-id")
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FEEDBACK_CSV_HEADER)
    for rating in ratings:
        shared = rating.chat_shared and rating.conversation.content_deleted_at is None
        writer.writerow(
            [
                rating.rated_at.astimezone(assistant.tzinfo).isoformat(timespec="seconds"),
                rating.value,
                rating.comment,
                rating.contact_name,
                rating.contact_email,
                "yes" if shared else "no",
                f"/shared-chats/{rating.share_token}/" if shared else "",
                rating.message.content,
            ]
        )
    return HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def _time_naive_export(assistant: Assistant, date_range: DateRange) -> dict:
    with _PeakMemory() as memory:
        started = time.perf_counter()
        response = naive_export(assistant, date_range)
        elapsed = time.perf_counter() - started
        rows = response.content.count(b"\r\n") - 1
        size = len(response.content)
        del response
    return {
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed),
        # Nothing is sent before the whole file is built.
        "first_byte_ms": round(elapsed * 1000, 1),
        "megabytes": round(size / 1_000_000, 1),
        "peak_memory_growth_mb": memory.growth_mb,
    }


def _rated_days(assistant: Assistant) -> DateRange:
    """The days, in the reporting zone, from the first rating to the last (or today)."""
    days = DailyFeedback.objects.filter(assistant=assistant).aggregate(
        first=Min("day"), last=Max("day")
    )
    today = today_in(assistant.tzinfo)
    return DateRange(days["first"] or today, days["last"] or today)


def measure(
    *,
    largest: Assistant | None = None,
    progress: Callable[[str], None] = print,
    runs: int = 50,
    warmups: int = 5,
    export_runs: int = 3,
    large_ratings: int = LARGE_RATINGS,
    small_ratings: int = SMALL_RATINGS,
    reload: bool = False,
) -> dict:
    """Load (or reuse) the ratings, time everything, and return the figures with `targets`:
    [{"target", "value", "limit", "at_most", "goal", "met"}].

    `largest` is the assistant to rate (the benchmark's largest); without it, one of this
    module's own. The page with few ratings is on an assistant of its own."""
    if largest is None:
        largest = _own_assistant("Feedback bench: the largest")
    small = _own_assistant(f"Feedback bench: {small_ratings:,} ratings")
    _ensure_ratings(largest, large_ratings, progress, reload=reload)
    _ensure_ratings(small, small_ratings, progress, reload=reload)
    user_model = get_user_model()
    clients = {}
    for assistant in (largest, small):
        clients[assistant.pk] = Client()
        clients[assistant.pk].force_login(user_model.objects.get(pk=assistant.creator_id))

    pages = []
    ranges = {}
    for label, assistant in (("large", largest), ("small", small)):
        # Every rating in the timeframe: its counts add up the most days, and the first page
        # is the newest of all of them.
        ranges[label] = _rated_days(assistant)
        url = f"{reverse('insights:feedback', args=[assistant.pk])}?{ranges[label].as_query()}"
        for name, query in PAGE_FILTERS.items():
            key = label if name == "unfiltered" else f"{label}:{name}"
            pages.append(
                {
                    "key": key,
                    "client": clients[assistant.pk],
                    "url": f"{url}&{query}" if query else url,
                }
            )
    progress(
        f"timing the Feedback tab's first page, {len(PAGE_FILTERS)} filters, {runs} loads each"
    )
    time_pages(pages, warmups=warmups, runs=runs)
    page_figures = {page["key"]: page["page"] for page in pages}

    date_range = ranges["large"]
    export_url = f"{reverse('insights:feedback_csv', args=[largest.pk])}?{date_range.as_query()}"
    exports = []
    for attempt in range(export_runs):
        progress(f"feedback CSV of {large_ratings:,} ratings through COPY, run {attempt + 1}")
        exports.append(_time_export(clients[largest.pk], export_url))
    fast = sorted(exports, key=lambda e: e["seconds"])[len(exports) // 2]
    filtered_exports = []
    for attempt in range(export_runs):
        progress(f"feedback CSV filtered by {CSV_FILTER}, run {attempt + 1}")
        filtered_exports.append(_time_export(clients[largest.pk], f"{export_url}&{CSV_FILTER}"))
    filtered = sorted(filtered_exports, key=lambda e: e["seconds"])[len(filtered_exports) // 2]
    progress("the same export the naive way (ORM objects into one response)")
    naive = _time_naive_export(largest, date_range)

    ratio = page_figures["large"]["median_ms"] / page_figures["small"]["median_ms"]
    large_median = page_figures["large"]["median_ms"]
    filter_targets = [
        (
            f"Feedback tab, 1M ratings, {name}: first page median (ms)",
            page_figures[f"large:{name}"]["median_ms"],
            60 if name == "q_and_filter" else 30,
            True,
        )
        for name in PAGE_FILTERS
        if name != "unfiltered"
    ]
    targets = [
        ("Feedback tab, 1M ratings: first page median (ms)", large_median, 30, True),
        *filter_targets,
        ("filtered feedback CSV: rows per second", filtered["rows_per_second"], 400_000, False),
        ("Feedback tab first page: 1M ratings / 100 ratings", ratio, 1.5, True),
        ("feedback CSV: rows per second", fast["rows_per_second"], 400_000, False),
        ("feedback CSV: first byte (ms)", fast["first_byte_ms"], 200, True),
        ("feedback CSV: peak memory growth (MB)", fast["peak_memory_growth_mb"], 100, True),
    ]
    return {
        "assistants": {
            "large": {"id": largest.pk, "ratings": large_ratings},
            "small": {"id": small.pk, "ratings": small_ratings},
        },
        "range": [date_range.start.isoformat(), date_range.end.isoformat()],
        "feedback_tab_first_page": page_figures | {"large_over_small": round(ratio, 2)},
        "feedback_csv": {
            "copy": fast,
            "copy_runs": exports,
            "filtered": filtered | {"filter": CSV_FILTER},
            "naive": naive,
        },
        "targets": [
            {
                "target": name,
                "value": value,
                "limit": limit,
                "at_most": at_most,
                "goal": f"{'<=' if at_most else '>='} {limit:g}",
                "met": value <= limit if at_most else value >= limit,
            }
            for name, value, limit, at_most in targets
        ],
    }


def run(bench: Bench) -> dict:
    options = bench.options
    result = measure(
        largest=Assistant.objects.get(pk=bench.state["largest"]["id"]),
        progress=bench.progress,
        runs=options["runs"],
        warmups=options["warmups"],
        reload=options["reload"],
    )
    for target in result["targets"]:
        limit = {"at_most": target["limit"]} if target["at_most"] else {"at_least": target["limit"]}
        bench.target(target["target"], target["value"], **limit)
    return result
