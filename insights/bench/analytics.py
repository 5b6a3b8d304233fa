"""Section `analytics`: the Analytics tab's server time (with its Quality and cost section),
against the same figures counted the naive way from the raw messages and failed replies.

Pages are requested in-process through `django.test.Client` (full middleware, session and
template rendering; no network), signed in as the assistant's creator. The naive figures
are what `rollups.rebuild` computes, but only for one assistant and range, read-only.
"""

import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from assistants.answer_stats import ALPHA
from assistants.models import Assistant, DailyUsage, UsageTotals
from assistants.timeframe import By, DateRange, default_bucket, today_in
from insights.bench import Bench, naive_rows, range_params, time_pages, timings_ms
from insights.quality import quality_figures
from insights.selectors import usage_sums

RANGES = (90, 365)
PAGE_TARGET_MS = 30
LARGEST_OVER_EMPTY_TARGET = 1.5
NAIVE_OVER_PAGE_TARGET = 30

# Per local day: daily active users, user messages, assistant messages.
NAIVE_DAILY = """
SELECT (m.created_at AT TIME ZONE %(tz)s)::date AS day,
       count(DISTINCT c.participant_id) FILTER (WHERE m.role = 'user'),
       count(*) FILTER (WHERE m.role = 'user'),
       count(*) FILTER (WHERE m.role = 'assistant')
FROM assistants_message m
JOIN assistants_conversation c ON c.id = m.conversation_id
WHERE m.assistant_id = %(assistant)s AND m.created_at >= %(first)s AND m.created_at < %(after)s
GROUP BY 1
"""
# Conversations per local day of their first message.
NAIVE_CONVERSATIONS = """
SELECT (first_at AT TIME ZONE %(tz)s)::date, count(*)
FROM (
    SELECT min(created_at) AS first_at FROM assistants_message
    WHERE assistant_id = %(assistant)s AND created_at < %(after)s
    GROUP BY conversation_id
) firsts
WHERE first_at >= %(first)s
GROUP BY 1
"""
# All-time messages, conversations and users, as the page's cards show them.
NAIVE_TOTALS = """
SELECT count(DISTINCT c.participant_id) FILTER (WHERE m.role = 'user'),
       count(DISTINCT m.conversation_id), count(*)
FROM assistants_message m
JOIN assistants_conversation c ON c.id = m.conversation_id
WHERE m.assistant_id = %(assistant)s
"""


# The Quality and cost section's period figures from the raw answers and failed replies:
# answers, failed replies, tokens, cost (given, or tokens × the price at the answer's time),
# and the exact latency median and 95th percentile (nearest rank).
NAIVE_QUALITY = """
WITH answers AS (
    SELECT m.latency_ms, m.input_tokens, m.output_tokens,
           COALESCE(m.cost_usd, (m.input_tokens * p.input_usd_per_million
                                 + m.output_tokens * p.output_usd_per_million) / 1000000) AS cost
    FROM assistants_message m
    LEFT JOIN LATERAL (
        SELECT input_usd_per_million, output_usd_per_million FROM assistants_modelprice
        WHERE model = m.model AND effective_from <= m.created_at
        ORDER BY effective_from DESC LIMIT 1
    ) p ON m.cost_usd IS NULL
    WHERE m.assistant_id = %(assistant)s AND m.role = 'assistant'
      AND m.created_at >= %(first)s AND m.created_at < %(after)s
)
SELECT count(*),
       (SELECT count(*) FROM assistants_failedreply
        WHERE assistant_id = %(assistant)s AND created_at >= %(first)s
          AND created_at < %(after)s),
       COALESCE(sum(input_tokens), 0), COALESCE(sum(output_tokens), 0), COALESCE(sum(cost), 0),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY latency_ms),
       percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_ms)
FROM answers
"""


def naive_quality(assistant: Assistant, date_range: DateRange) -> tuple:
    """(answers, failed replies, input tokens, output tokens, cost, p50, p95) of the range,
    from the raw events in a read-only transaction. One query."""
    ((row,),) = naive_rows([NAIVE_QUALITY], range_params(assistant, date_range))
    return tuple(row)


def quality_matches(assistant: Assistant, date_range: DateRange, naive: tuple) -> bool:
    """The section's period figures equal the naive ones: counts and cost exactly, the
    percentiles within the histograms' bound."""
    period = quality_figures(assistant, date_range, by=By.MONTH).period
    answers, failed, input_tokens, output_tokens, cost, p50, p95 = naive
    exact = (period.answers, period.failed_replies, period.input_tokens, period.output_tokens)
    if exact != (answers, failed, input_tokens, output_tokens) or period.cost_usd != cost:
        return False
    for got, want in ((period.latency_p50_ms, p50), (period.latency_p95_ms, p95)):
        if (got is None) != (want is None) or (want and abs(got - want) > ALPHA * want):
            return False
    return True


def naive_figures(assistant: Assistant, date_range: DateRange) -> tuple[dict, tuple]:
    """({day: (active users, conversations, user messages, assistant messages)}, totals)
    counted from the raw messages in a read-only transaction. Three queries."""
    daily, conversations, (totals,) = naive_rows(
        [NAIVE_DAILY, NAIVE_CONVERSATIONS, NAIVE_TOTALS], range_params(assistant, date_range)
    )
    days = {day: [active, 0, user, answers] for day, active, user, answers in daily}
    for day, count in conversations:
        days.setdefault(day, [0, 0, 0, 0])[1] = count
    return {day: tuple(figures) for day, figures in days.items()}, tuple(totals)


def rollup_figures(assistant: Assistant, date_range: DateRange) -> tuple[dict, tuple]:
    """The same figures as `naive_figures`, read from the rollups (to check they agree)."""
    rows = usage_sums(
        DailyUsage.objects.filter(
            assistant=assistant, day__gte=date_range.start, day__lte=date_range.end
        )
    )
    days = {day: tuple(figures) for day, *figures in rows if any(figures)}
    totals = UsageTotals.objects.filter(assistant=assistant).values_list(
        "users", "conversations", "messages"
    )
    return days, tuple(totals.first() or (0, 0, 0))


def time_quality_section(assistant: Assistant, date_range: DateRange, *, runs: int) -> dict:
    """The Quality and cost section's own query and the Python that adds up its rows, as the
    tab runs it (its default bucket), apart from the rest of the page."""
    by = default_bucket(date_range.length)
    quality_figures(assistant, date_range, by=by)  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        quality_figures(assistant, date_range, by=by)
        samples.append(time.perf_counter() - started)
    return timings_ms(samples)


def time_naive(assistant: Assistant, date_range: DateRange, *, runs: int) -> dict:
    """The naive way to the tab's usage figures and its Quality and cost section's."""
    naive_figures(assistant, date_range)  # warm-up, as the pages get
    naive_quality(assistant, date_range)
    samples, quality_samples = [], []
    for _ in range(runs):
        started = time.perf_counter()
        figures = naive_figures(assistant, date_range)
        counted = time.perf_counter()
        quality = naive_quality(assistant, date_range)
        samples.append(time.perf_counter() - started)
        quality_samples.append(time.perf_counter() - counted)
    return timings_ms(samples) | {
        "queries": 4,
        "matches_rollups": figures == rollup_figures(assistant, date_range),
        "quality_median_ms": timings_ms(quality_samples)["median_ms"],
        "quality_matches_rollups": quality_matches(assistant, date_range, quality),
    }


def run(bench: Bench) -> dict:
    options = bench.options
    pages = []
    for label in ("largest", "empty"):
        info = bench.state[label]
        assistant = Assistant.objects.get(pk=info["id"])
        client = Client()
        client.force_login(get_user_model().objects.get(pk=info["creator_id"]))
        today = today_in(assistant.tzinfo)
        for days in RANGES:
            date_range = DateRange.last_days(today, days)
            url = f"{reverse('insights:analytics', args=[assistant.pk])}?{date_range.as_query()}"
            pages.append(
                {
                    "key": f"{label}_{days}d",
                    "client": client,
                    "url": url,
                    "assistant": assistant,
                    "date_range": date_range,
                    "messages": info["messages"],
                }
            )
    bench.progress(f"timing {len(pages)} pages, {options['runs']} loads each")
    time_pages(pages, warmups=options["warmups"], runs=options["runs"])
    cases: dict = {}
    for page in pages:
        assistant, date_range = page["assistant"], page["date_range"]
        bench.progress(f"{page['key']}: counting the same figures from the raw messages")
        cases[page["key"]] = {
            "assistant_id": assistant.pk,
            "messages": page["messages"],
            "time_zone": assistant.time_zone,
            "range": [date_range.start.isoformat(), date_range.end.isoformat()],
            "page": page["page"],
            "quality_section": time_quality_section(assistant, date_range, runs=options["runs"]),
            "naive": time_naive(assistant, date_range, runs=options["naive_runs"]),
        }

    ratios = {}
    for days in RANGES:
        largest, empty = cases[f"largest_{days}d"], cases[f"empty_{days}d"]
        over_empty = largest["page"]["median_ms"] / empty["page"]["median_ms"]
        naive_over_page = largest["naive"]["median_ms"] / largest["page"]["median_ms"]
        ratios[f"largest_over_empty_{days}d"] = round(over_empty, 2)
        ratios[f"naive_over_page_largest_{days}d"] = round(naive_over_page, 1)
    bench.target(
        "largest assistant, 90 days: page median (ms)",
        cases["largest_90d"]["page"]["median_ms"],
        at_most=PAGE_TARGET_MS,
    )
    for days in RANGES:
        bench.target(
            f"largest/empty page median, {days} days",
            ratios[f"largest_over_empty_{days}d"],
            at_most=LARGEST_OVER_EMPTY_TARGET,
        )
    for days in RANGES:
        bench.target(
            f"naive/page median, largest assistant, {days} days",
            ratios[f"naive_over_page_largest_{days}d"],
            at_least=NAIVE_OVER_PAGE_TARGET,
        )
    return {"cases": cases, "ratios": ratios}
