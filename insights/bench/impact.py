"""Section `impact`: the impact page of a configuration change on the benchmark's largest
assistant, against the same figures computed the naive way from the raw events.

The largest assistant gets one configuration change 30 days before its last active day
(made through `update_configuration`, then dated there, and its version counters recomputed
so the ratings count for the versions of their answers), kept for the next run. The page is
requested in-process through `django.test.Client`, signed in as the creator. The naive way
counts each side's days from the messages, the failed replies and the ratings of their
answers, costs each answer from its own cost or its model's price, takes each side's exact
median latency (`percentile_disc`), read-only, and runs the same statistics: every difference
must equal the page's, the median latency's within the histograms' 4 %.
"""

import math
import time
from datetime import datetime, timedelta
from datetime import time as clock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse

from assistants import rollups, services
from assistants.models import Assistant, ConfigurationVersion, DailyUsage
from assistants.timeframe import DateRange, today_in
from insights import stats
from insights.bench import Bench, naive_rows, range_params, time_pages, timings_ms
from insights.bench.analytics import NAIVE_CONVERSATIONS
from insights.impact import DEFAULT_WINDOW, Impact, impact_of

PAGE_TARGET_MS = 30
BENCH_INSTRUCTIONS = "Answer in two sentences at most, then offer one next step."

# Per local day of the range: active users, messages, and the ratings of its answers.
NAIVE_DAYS = """
SELECT (m.created_at AT TIME ZONE %(tz)s)::date AS day,
       count(DISTINCT c.participant_id) FILTER (WHERE m.role = 'user'),
       count(*)
FROM assistants_message m
JOIN assistants_conversation c ON c.id = m.conversation_id
WHERE m.assistant_id = %(assistant)s AND m.created_at >= %(first)s AND m.created_at < %(after)s
GROUP BY 1
"""
# Per local day: answers, failed replies, and the cost of the answers that have one.
NAIVE_ANSWERS = """
SELECT day, sum(answers), sum(failed), sum(cost) FROM (
    SELECT (m.created_at AT TIME ZONE %(tz)s)::date AS day, 1 AS answers, 0 AS failed,
           COALESCE(m.cost_usd, (m.input_tokens * price.input_usd_per_million
                                 + m.output_tokens * price.output_usd_per_million) / 1000000)
               AS cost
    FROM assistants_message m
    LEFT JOIN LATERAL (
        SELECT p.input_usd_per_million, p.output_usd_per_million FROM assistants_modelprice p
        WHERE p.model = m.model AND p.effective_from <= m.created_at
        ORDER BY p.effective_from DESC LIMIT 1
    ) price ON m.cost_usd IS NULL
    WHERE m.assistant_id = %(assistant)s AND m.role = 'assistant'
      AND m.created_at >= %(first)s AND m.created_at < %(after)s
    UNION ALL
    SELECT (f.created_at AT TIME ZONE %(tz)s)::date, 0, 1, NULL FROM assistants_failedreply f
    WHERE f.assistant_id = %(assistant)s AND f.created_at >= %(first)s
      AND f.created_at < %(after)s
) events
GROUP BY day
"""
# Each side's exact median latency (nearest rank, as the page's).
NAIVE_MEDIANS = """
SELECT m.created_at >= %(after_first)s AS after,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY m.latency_ms)
FROM assistants_message m
WHERE m.assistant_id = %(assistant)s AND m.role = 'assistant' AND m.latency_ms IS NOT NULL
  AND (m.created_at >= %(before_first)s AND m.created_at < %(before_after)s
       OR m.created_at >= %(after_first)s AND m.created_at < %(after_after)s)
GROUP BY 1
"""
NAIVE_RATINGS = """
SELECT (m.created_at AT TIME ZONE %(tz)s)::date,
       count(*) FILTER (WHERE r.value = 'positive'), count(*) FILTER (WHERE r.value = 'negative')
FROM feedback_rating r JOIN assistants_message m ON m.id = r.message_id
WHERE r.assistant_id = %(assistant)s AND m.created_at >= %(first)s AND m.created_at < %(after)s
GROUP BY 1
"""


def _ensure_change(assistant: Assistant, bench: Bench) -> int:
    """The number of the benchmark's change of this assistant, made when missing."""
    existing = ConfigurationVersion.objects.filter(
        assistant=assistant, instructions=BENCH_INSTRUCTIONS
    ).first()
    if existing:
        return existing.number
    last_day = (
        DailyUsage.objects.filter(assistant=assistant)
        .order_by("-day")
        .values_list("day", flat=True)
    ).first() or today_in(assistant.tzinfo)
    change_day = last_day - timedelta(days=30)
    bench.progress(f"assistant {assistant.pk}: a configuration change on {change_day}")
    with transaction.atomic():
        version = services.update_configuration(
            assistant=assistant,
            changed_by=assistant.creator,
            instructions=BENCH_INSTRUCTIONS,
        )
        changed_at = datetime.combine(change_day, clock(10), tzinfo=assistant.tzinfo)
        ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=changed_at)
        # The answers and ratings after the back-dated change now count for its version.
        rollups.rebuild([assistant.pk])
    return version.number


# Per day: active users, conversations, messages, positive, negative, answers, failed, cost.
_EMPTY_DAY = (0, 0, 0, 0, 0, 0, 0, 0.0)


def naive_impact(assistant: Assistant, impact: Impact) -> dict:
    """Each side's daily figures, ratings and answers counted from the raw events, with the
    same statistics as the page. Five queries; needs both sides."""
    sides = [side.range for side in (impact.before, impact.after)]
    whole = DateRange(min(r.start for r in sides), max(r.end for r in sides))
    params = range_params(assistant, whole)
    (before_first, before_after), (after_first, after_after) = (
        r.bounds(assistant.tzinfo) for r in sides
    )
    side_bounds = {
        "before_first": before_first,
        "before_after": before_after,
        "after_first": after_first,
        "after_after": after_after,
    }
    daily, conversations, ratings, answers = naive_rows(
        [NAIVE_DAYS, NAIVE_CONVERSATIONS, NAIVE_RATINGS, NAIVE_ANSWERS], params
    )
    (medians,) = naive_rows([NAIVE_MEDIANS], params | side_bounds)
    days: dict = {}

    def update(day, start, values):
        row = list(days.get(day, _EMPTY_DAY))
        row[start : start + len(values)] = values
        days[day] = tuple(row)

    for day, active, messages in daily:
        update(day, 0, [active])
        update(day, 2, [messages])
    for day, count in conversations:
        update(day, 1, [count])
    for day, positive, negative in ratings:
        update(day, 3, [positive, negative])
    for day, count, failed, cost in answers:
        update(day, 5, [count, failed, float(cost or 0)])
    medians = dict(medians)
    side_days = [[days.get(d, _EMPTY_DAY) for d in side.days()] for side in sides]
    return _differences(
        [[day[:3] + (day[7],) for day in side] for side in side_days],
        [(sum(d[3] for d in side), sum(d[3] + d[4] for d in side)) for side in side_days],
        [(sum(d[6] for d in side), sum(d[5] + d[6] for d in side)) for side in side_days],
        (medians.get(False), medians.get(True)),
    )


def _differences(daily, ratings, failures, medians) -> dict:
    """after − before of each figure: `daily` per side the days' (active users, conversations,
    messages, cost), `ratings` and `failures` per side (hits, trials), `medians` the sides'
    median latencies."""
    result = {}
    for index, key in enumerate(("active_users", "conversations", "messages", "cost")):
        estimate = stats.welch(*([day[index] for day in side] for side in daily))
        result[key] = round(estimate.value, 6) if estimate else None
    for key, counts in (("satisfaction", ratings), ("failure_rate", failures)):
        estimate = stats.newcombe(*counts[0], *counts[1])
        result[key] = round(estimate.value, 6) if estimate else None
    result["latency_medians"] = medians
    return result


def _page_differences(impact: Impact) -> dict:
    """The same differences as `naive_impact`, from the page's own computation."""
    sides = (impact.before, impact.after)
    return _differences(
        [
            [(d.active_users, d.conversations, d.messages, float(d.cost_usd)) for d in side.days]
            for side in sides
        ],
        [
            (sum(d.positive for d in s.days), sum(d.positive + d.negative for d in s.days))
            for s in sides
        ],
        [
            (
                sum(d.failed_replies for d in s.days),
                sum(d.answers + d.failed_replies for d in s.days),
            )
            for s in sides
        ],
        tuple(
            stats.order_statistic(s.latency, math.ceil(sum(n for _, n in s.latency) / 2))
            if s.latency
            else None
            for s in sides
        ),
    )


def _agree(naive: dict, page: dict) -> bool:
    """Every difference equal; each median latency within the histograms' 4 %."""
    exact = all(naive[key] == page[key] for key in naive if key != "latency_medians")
    close = all(
        (n is None and p is None) or (n is not None and p is not None and abs(p - n) <= 0.04 * n)
        for n, p in zip(naive["latency_medians"], page["latency_medians"], strict=True)
    )
    return exact and close


def run(bench: Bench) -> dict:
    options = bench.options
    info = bench.state["largest"]
    assistant = Assistant.objects.get(pk=info["id"])
    number = _ensure_change(assistant, bench)
    client = Client()
    client.force_login(get_user_model().objects.get(pk=info["creator_id"]))
    url = reverse("insights:change_impact", args=[assistant.pk, number])
    pages = [{"key": f"window_{w}", "client": client, "url": f"{url}?window={w}"} for w in (14, 28)]
    pages.append({"key": "window_14_app", "client": client, "url": f"{url}?source=app"})
    bench.progress(f"timing the impact page of v{number}, {options['runs']} loads each")
    time_pages(pages, warmups=options["warmups"], runs=options["runs"])

    impact = impact_of(assistant, number, window=DEFAULT_WINDOW)
    bench.progress("the same figures counted from the raw events")
    naive_impact(assistant, impact)  # warm-up, as the page gets
    samples = []
    for _ in range(options["naive_runs"]):
        started = time.perf_counter()
        naive = naive_impact(assistant, impact)
        samples.append(time.perf_counter() - started)
    page_median = pages[0]["page"]["median_ms"]
    page = _page_differences(impact)
    naive_figures = timings_ms(samples) | {"queries": 5, "matches_page": _agree(naive, page)}
    bench.target("impact page, largest assistant: median (ms)", page_median, at_most=PAGE_TARGET_MS)
    return {
        "assistant_id": assistant.pk,
        "messages": info["messages"],
        "version": number,
        "days": {"before": impact.before.length, "after": impact.after.length},
        "page": {page["key"]: page["page"] for page in pages},
        "naive": naive_figures,
        "naive_over_page": round(naive_figures["median_ms"] / page_median, 1),
        "differences": {"page": page, "naive": naive},
    }
