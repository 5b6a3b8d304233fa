"""Section `feedback` of the speed benchmark: the Feedback tab and the feedback CSV on the
benchmark's largest assistant with 1,000,000 ratings (`--ratings`; loaded by
`insights.bench.feedback_load`), against the same page with 100 ratings and against the
naive way, in the same run.

The first page is timed unfiltered, with each single filter and with a search term plus a
filter (`page_filters`; under a filter beyond the rating, the counts are a count query whose
cost this proves). The naive way reads every rating of the timeframe as plain rows and
filters, counts and sorts them in Python (`naive_tab`); its counts and first pages must equal
the tab's. The CSV is timed unfiltered and filtered, and once the naive way (ORM objects into
one response); its rows must equal the counts. `table` prints the figures as Markdown.

Pages and exports are requested in-process through `django.test.Client` (full middleware,
session, template rendering; no network), signed in as the creator. Memory is the process's
resident set, sampled every 5 ms while an export runs.
"""

import csv
import io
import re
import statistics
import threading
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max, Min
from django.http import HttpResponse, QueryDict
from django.test import Client
from django.urls import reverse

from assistants import services
from assistants.models import Assistant
from assistants.timeframe import DEFAULT_DAYS, DateRange, today_in
from feedback import selectors
from feedback.export import FEEDBACK_CSV_HEADER
from feedback.forms import FeedbackFilterForm
from feedback.models import DailyFeedback, Rating
from insights.bench import Bench, time_pages
from insights.bench.feedback_load import ensure_ratings

LARGE_RATINGS = 1_000_000
SMALL_RATINGS = 100
CREATOR = "feedback-bench"

# Every single filter of the tab, and a search term with each other filter (SPEC §4); the
# version filters are added by `page_filters`. The search terms are words of the generated
# comments: "menu" in one comment of six, "rest" a prefix (of "restart"). A search of one
# word reads the word facet's counters, alone or with the rating, a review status or a
# version; one of two words, or with a reason, reads the ratings.
PAGE_FILTERS = {
    "unfiltered": "",
    "rating": "rating=negative",
    "has_comment": "has_comment=1",
    "reason": "reason=Too+long",
    "status": "status=new",
    "q": "q=menu",
    "q_and_filter": "q=rest&rating=negative",
    "q_two_words": "q=menu+moved",
    "q_and_status": "q=menu&status=new",
    "q_and_reviewed": "q=menu&status=reviewed",
    "q_and_reason": "q=menu&reason=Helpful",
}
# The filtered export: the ratings with a comment, a third of them.
CSV_FILTER = "has_comment=1"
PAGE_TARGET_MS = 30
SEARCH_AND_FILTER_TARGET_MS = 60
CSV_ROWS_PER_SECOND_TARGET = 400_000


def target_ms(name: str) -> int:
    """The median a first page of `PAGE_FILTERS` must stay under: a search with another
    filter has its own target."""
    return SEARCH_AND_FILTER_TARGET_MS if name.startswith("q_and_") else PAGE_TARGET_MS


def page_filters(assistant: Assistant) -> dict[str, str]:
    """`PAGE_FILTERS` and the version of the newest rating (the one a team looks at)."""
    newest = (
        Rating.objects.filter(assistant=assistant)
        .order_by("-rated_at")
        .values_list("version", flat=True)
        .first()
    )
    filters = dict(PAGE_FILTERS)
    filters["version"] = f"version={newest or 1}"
    filters["q_and_version"] = f"q=menu&version={newest or 1}"
    return filters


def filters_of(query: str) -> selectors.FeedbackFilters:
    """The filters of a query string, as the tab's form cleans them."""
    form = FeedbackFilterForm(QueryDict(query))
    if not form.is_valid():
        raise ValueError(f"the tab refuses {query!r}: {form.errors.as_text()}")
    return form.filters()


# --- The naive way ------------------------------------------------------------------------

_NAIVE_RATINGS = """
SELECT id, value, (extract(epoch FROM rated_at) * 1000000)::bigint, comment, reasons::text[],
       status, version
FROM feedback_rating WHERE assistant_id = %s AND rated_at >= %s AND rated_at < %s
"""


def naive_ratings(assistant: Assistant, date_range: DateRange) -> list[tuple]:
    """Every rating given in the range as plain rows (id, value, rated_at, comment, reasons,
    status, version); the time in microseconds since 1970, as only its order matters here
    (making a million aware datetimes would double the read). One query."""
    first, after = date_range.bounds(assistant.tzinfo)
    with connection.cursor() as cursor:
        cursor.execute(_NAIVE_RATINGS, [assistant.pk, first, after])
        return cursor.fetchall()


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def naive_passes(filters: selectors.FeedbackFilters) -> Callable[[tuple], bool]:
    """Whether a row of `naive_ratings` passes every filter but the rating value, written
    from SPEC §4 without the app's queries: the search needs every word of `q` among the
    comment's words, the last one as a prefix."""
    terms = _words(filters.q)

    def passes(row: tuple) -> bool:
        _, _, _, comment, reasons, status, version = row
        if filters.has_comment and not comment:
            return False
        if filters.reason and filters.reason not in reasons:
            return False
        if filters.status and status != filters.status:
            return False
        if filters.version and version != filters.version:
            return False
        if terms:
            words = set(_words(comment))
            if not set(terms[:-1]) <= words:
                return False
            if not any(word.startswith(terms[-1]) for word in words):
                return False
        return True

    return passes


def naive_tab(rows: list[tuple], filters: selectors.FeedbackFilters) -> dict:
    """The tab's figures from `naive_ratings`: {"counts": (positive, negative, new
    positive, new negative), "pages": {value: ids of its first page, newest first}}."""
    passes = naive_passes(filters)
    kept = [row for row in rows if passes(row)]
    counts = {
        (value, new): sum(1 for row in kept if row[1] == value and (not new or row[5] == "new"))
        for value in ("positive", "negative")
        for new in (False, True)
    }
    pages = {}
    for value in selectors.shown_values(filters):
        column = sorted((row for row in kept if row[1] == value), key=lambda r: (r[2], r[0]))
        pages[value] = [row[0] for row in reversed(column[-selectors.PAGE_SIZE :])]
    return {
        "counts": (
            counts["positive", False],
            counts["negative", False],
            counts["positive", True],
            counts["negative", True],
        ),
        "pages": pages,
    }


def tab_figures(
    assistant: Assistant, date_range: DateRange, filters: selectors.FeedbackFilters
) -> dict:
    """The same figures as `naive_tab`, through the selectors the tab renders."""
    counts = selectors.feedback_counts(assistant, date_range, filters)
    columns = selectors.feedback_columns(assistant, date_range, filters, counts=counts, after={})
    return {
        "counts": (counts.positive, counts.negative, counts.new_positive, counts.new_negative),
        "pages": {column.value: [item.id for item in column.page.items] for column in columns},
    }


def time_naive_tab(
    assistant: Assistant, date_range: DateRange, queries: dict[str, str], *, runs: int
) -> dict:
    """{filter name: naive median (ms), and whether its figures equal the tab's}. Each run
    reads the ratings once (that read is part of every filter's time), then filters them."""
    filters = {name: filters_of(query) for name, query in queries.items()}
    samples: dict[str, list[float]] = {name: [] for name in queries}
    results: dict[str, dict] = {}
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        rows = naive_ratings(assistant, date_range)
        read = time.perf_counter() - started
        for name, chosen in filters.items():
            began = time.perf_counter()
            results[name] = naive_tab(rows, chosen)
            samples[name].append(read + time.perf_counter() - began)
    figures = {}
    for name, chosen in filters.items():
        tab = tab_figures(assistant, date_range, chosen)
        figures[name] = {
            "median_ms": round(statistics.median(samples[name]) * 1000, 1),
            "runs": len(samples[name]),
            "counts": list(results[name]["counts"]),
            "equals_tab": results[name] == tab,
        }
    return figures


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
                rating.question,
                "; ".join(rating.reasons),
                rating.status,
                rating.version,
            ]
        )
    return HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")


def _time_naive_export(assistant: Assistant, date_range: DateRange) -> dict:
    with _PeakMemory() as memory:
        started = time.perf_counter()
        response = naive_export(assistant, date_range)
        elapsed = time.perf_counter() - started
        # Comments hold line breaks: count the records as the CSV reader does.
        rows = sum(1 for _ in csv.reader(io.StringIO(response.content.decode()))) - 1
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


def _median_export(client: Client, url: str, runs: int, progress, what: str) -> dict:
    # One export first, untimed, as the pages get warm-up loads: the first read of the rows
    # after the load measured the disk cache, not the export.
    progress(f"feedback CSV {what}, warm-up")
    _time_export(client, url)
    exports = []
    for attempt in range(runs):
        progress(f"feedback CSV {what}, run {attempt + 1} of {runs}")
        exports.append(_time_export(client, url))
    median = sorted(exports, key=lambda e: e["seconds"])[len(exports) // 2]
    return median | {"rows_per_second_of_runs": [e["rows_per_second"] for e in exports]}


def measure(
    *,
    largest: Assistant | None = None,
    progress: Callable[[str], None] = print,
    runs: int = 50,
    warmups: int = 5,
    naive_runs: int = 5,
    export_runs: int = 5,
    large_ratings: int = LARGE_RATINGS,
    small_ratings: int = SMALL_RATINGS,
    reload: bool = False,
) -> dict:
    """Load (or reuse) the ratings, time everything, and return the figures with `targets`:
    [{"target", "value", "limit", "at_most", "goal", "met"}] and `table` (Markdown).

    `largest` is the assistant to rate (the benchmark's largest); without it, one of this
    module's own. The page with few ratings is on an assistant of its own."""
    if largest is None:
        largest = _own_assistant("Feedback bench: the largest")
    small = _own_assistant(f"Feedback bench: {small_ratings:,} ratings")
    ensure_ratings(largest, large_ratings, progress, reload=reload)
    ensure_ratings(small, small_ratings, progress, reload=reload)
    user_model = get_user_model()
    clients = {}
    for assistant in (largest, small):
        clients[assistant.pk] = Client()
        clients[assistant.pk].force_login(user_model.objects.get(pk=assistant.creator_id))

    queries = page_filters(largest)
    pages = []
    ranges = {}
    for label, assistant in (("large", largest), ("small", small)):
        # Every rating in the timeframe: its counts add up the most days, and the first page
        # is the newest of all of them.
        ranges[label] = _rated_days(assistant)
        url = f"{reverse('insights:feedback', args=[assistant.pk])}?{ranges[label].as_query()}"
        for name, query in queries.items():
            key = label if name == "unfiltered" else f"{label}:{name}"
            pages.append(
                {
                    "key": key,
                    "client": clients[assistant.pk],
                    "url": f"{url}&{query}" if query else url,
                }
            )
    # What a manager sees first: the default timeframe (the last DEFAULT_DAYS days).
    pages.append(
        {
            "key": "large:default_timeframe",
            "client": clients[largest.pk],
            "url": reverse("insights:feedback", args=[largest.pk]),
        }
    )
    progress(f"timing the Feedback tab's first page, {len(queries)} filters, {runs} loads each")
    time_pages(pages, warmups=warmups, runs=runs)
    page_figures = {page["key"]: page["page"] for page in pages}
    date_range = ranges["large"]
    progress(f"the same {len(queries)} first pages the naive way, {naive_runs} runs")
    naive = time_naive_tab(largest, date_range, queries, runs=naive_runs)

    export_url = f"{reverse('insights:feedback_csv', args=[largest.pk])}?{date_range.as_query()}"
    client = clients[largest.pk]
    full = _median_export(client, export_url, export_runs, progress, "of every rating")
    filtered = _median_export(
        client, f"{export_url}&{CSV_FILTER}", export_runs, progress, f"with {CSV_FILTER}"
    )
    progress("the same export the naive way (ORM objects into one response)")
    naive_csv = _time_naive_export(largest, date_range)
    # The exports' rows are the ratings the tab counts, unfiltered and under CSV_FILTER.
    csv_filter = next(name for name, query in queries.items() if query == CSV_FILTER)
    csv_counts = {
        "all": sum(naive["unfiltered"]["counts"][:2]),
        "filtered": sum(naive[csv_filter]["counts"][:2]),
    }
    csv_rows_agree = (
        full["rows"] == naive_csv["rows"] == csv_counts["all"]
        and filtered["rows"] == csv_counts["filtered"]
    )

    ratio = page_figures["large"]["median_ms"] / page_figures["small"]["median_ms"]
    label = f"{large_ratings:,} ratings"
    targets = [
        (
            f"Feedback tab, {label}, {name}: first page median (ms)",
            page_figures["large" if name == "unfiltered" else f"large:{name}"]["median_ms"],
            target_ms(name),
            True,
        )
        for name in queries
    ]
    disagreeing = [name for name, figures in naive.items() if not figures["equals_tab"]]
    targets += [
        (
            "Feedback tab: filters whose figures differ from the naive ones",
            len(disagreeing),
            0,
            True,
        ),
        ("Feedback tab first page: large / small", ratio, 1.5, True),
        (
            "feedback CSV: rows per second",
            full["rows_per_second"],
            CSV_ROWS_PER_SECOND_TARGET,
            False,
        ),
        (
            f"filtered feedback CSV ({CSV_FILTER}): rows per second",
            filtered["rows_per_second"],
            CSV_ROWS_PER_SECOND_TARGET,
            False,
        ),
        ("feedback CSV: rows differ from the counts", 0 if csv_rows_agree else 1, 0, True),
        ("feedback CSV: first byte (ms)", full["first_byte_ms"], 200, True),
        ("feedback CSV: peak memory growth (MB)", full["peak_memory_growth_mb"], 100, True),
    ]
    result = {
        "assistants": {
            "large": {"id": largest.pk, "ratings": large_ratings},
            "small": {"id": small.pk, "ratings": small_ratings},
        },
        "range": [date_range.start.isoformat(), date_range.end.isoformat()],
        "filters": queries,
        "feedback_tab_first_page": page_figures | {"large_over_small": round(ratio, 2)},
        "naive_first_page": naive,
        "feedback_csv": {
            "copy": full,
            "filtered": filtered | {"filter": CSV_FILTER},
            "naive": naive_csv,
            "rows_equal_counts": csv_rows_agree,
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
    result["table"] = table(result)
    return result


def _ms(figures: dict) -> str:
    return f"{figures['median_ms']:.1f} / {figures['p95_ms']:.1f} ms"


def table(result: dict) -> str:
    """The section's figures as a Markdown table (for the README)."""
    ratings = result["assistants"]["large"]["ratings"]
    pages, naive = result["feedback_tab_first_page"], result["naive_first_page"]
    lines = [
        f"| Feedback tab, {ratings:,} ratings, {result['range'][0]} to {result['range'][1]} "
        "| median / p95 | queries | naive median "
        "| naive ÷ page | figures equal the naive ones | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, query in result["filters"].items():
        page = pages["large" if name == "unfiltered" else f"large:{name}"]
        limit = target_ms(name)
        naive_ms = naive[name]["median_ms"]
        lines.append(
            f"| first page, {query or 'no filter'} | {_ms(page)} | {page['queries']} "
            f"| {naive_ms:,.0f} ms | {naive_ms / page['median_ms']:,.0f} "
            f"| {'yes' if naive[name]['equals_tab'] else 'NO'} | median ≤ {limit} ms |"
        )
    default = pages["large:default_timeframe"]
    lines.append(
        f"| first page, no filter, the default {DEFAULT_DAYS} days | {_ms(default)} "
        f"| {default['queries']} | | | | |"
    )
    lines.append(
        f"| first page, {result['assistants']['small']['ratings']:,} ratings | "
        f"{_ms(pages['small'])} | {pages['small']['queries']} | | | | |"
    )
    exports = result["feedback_csv"]
    agree = "yes" if exports["rows_equal_counts"] else "NO"
    naive_csv = exports["naive"]
    for what, export in (("every rating", exports["copy"]), (CSV_FILTER, exports["filtered"])):
        speed = (
            f"{export['rows_per_second']:,} rows/s, first byte {export['first_byte_ms']} ms, "
            f"+{export['peak_memory_growth_mb']} MB"
        )
        # The naive export is timed unfiltered only.
        naive_cells = ["", ""]
        if export is exports["copy"]:
            naive_cells = [
                f"{naive_csv['rows_per_second']:,} rows/s, "
                f"+{naive_csv['peak_memory_growth_mb']:,} MB",
                f"{export['rows_per_second'] / naive_csv['rows_per_second']:,.0f}",
            ]
        cells = [f"CSV, {what}: {export['rows']:,} rows", speed, "", *naive_cells, agree]
        cells.append(f"≥ {CSV_ROWS_PER_SECOND_TARGET:,} rows/s")
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def run(bench: Bench) -> dict:
    options = bench.options
    result = measure(
        largest=Assistant.objects.get(pk=bench.state["largest"]["id"]),
        progress=bench.progress,
        runs=options["runs"],
        warmups=options["warmups"],
        naive_runs=options["naive_runs"],
        large_ratings=options["ratings"],
        reload=options["reload"],
    )
    for target in result["targets"]:
        limit = {"at_most": target["limit"]} if target["at_most"] else {"at_least": target["limit"]}
        bench.target(target["target"], target["value"], **limit)
    bench.progress(f"feedback figures:\n{result['table']}")
    return result
