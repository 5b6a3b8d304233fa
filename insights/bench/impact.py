"""Section `impact`: the impact page of a configuration change on the benchmark's largest
assistant, against the same figures computed the naive way from the raw events.

The largest assistant gets one configuration change 30 days before its last active day
(made through `update_configuration`, then dated there, and its version counters recomputed
so the ratings count for the versions of their answers), kept for the next run. The page is
requested in-process through `django.test.Client`, signed in as the creator. The naive way
counts each side's days from the messages and the ratings of their answers, read-only, and
runs the same statistics.
"""

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
from feedback.version_feedback import rebuild_version_feedback
from insights import stats
from insights.bench import Bench, naive_rows, range_params, time_pages, timings_ms
from insights.bench.analytics import NAIVE_CONVERSATIONS
from insights.impact import DEFAULT_WINDOW, Impact, impacts
from insights.selectors import configuration_history

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
        rollups.lock_counters([assistant.pk])
        rebuild_version_feedback([assistant.pk])
    return version.number


def naive_impact(assistant: Assistant, impact: Impact) -> dict:
    """Each side's daily figures and ratings counted from the raw events, with the same
    statistics as the page. Three queries."""
    sides = [side.range for side in (impact.before, impact.after) if side.range]
    whole = DateRange(min(r.start for r in sides), max(r.end for r in sides))
    daily, conversations, ratings = naive_rows(
        [NAIVE_DAYS, NAIVE_CONVERSATIONS, NAIVE_RATINGS], range_params(assistant, whole)
    )
    days = {day: [active, 0, messages, 0, 0] for day, active, messages in daily}
    for day, count in conversations:
        days.setdefault(day, [0, 0, 0, 0, 0])[1] = count
    for day, positive, negative in ratings:
        days.setdefault(day, [0, 0, 0, 0, 0])[3:] = [positive, negative]
    result = {}
    side_days = {
        name: [days.get(d, [0, 0, 0, 0, 0]) for d in side.range.days()] if side.range else []
        for name, side in (("before", impact.before), ("after", impact.after))
    }
    for index, key in enumerate(("active_users", "conversations", "messages")):
        estimate = stats.welch(
            [d[index] for d in side_days["before"]], [d[index] for d in side_days["after"]]
        )
        result[key] = round(estimate.value, 3) if estimate else None
    totals = {
        name: (sum(d[3] for d in v), sum(d[3] + d[4] for d in v)) for name, v in side_days.items()
    }
    estimate = stats.newcombe(*totals["before"], *totals["after"])
    result["satisfaction"] = round(estimate.value, 3) if estimate else None
    return result


def _page_differences(impact: Impact) -> dict:
    """The same differences as `naive_impact`, from the page's own computation."""
    result = {}
    for index, key in enumerate(("active_users", "conversations", "messages")):
        values = [
            [(d.active_users, d.conversations, d.messages)[index] for d in side.days]
            for side in (impact.before, impact.after)
        ]
        estimate = stats.welch(*values)
        result[key] = round(estimate.value, 3) if estimate else None
    counts = [
        (sum(d.positive for d in side.days), sum(d.positive + d.negative for d in side.days))
        for side in (impact.before, impact.after)
    ]
    estimate = stats.newcombe(*counts[0], *counts[1])
    result["satisfaction"] = round(estimate.value, 3) if estimate else None
    return result


def run(bench: Bench) -> dict:
    options = bench.options
    info = bench.state["largest"]
    assistant = Assistant.objects.get(pk=info["id"])
    number = _ensure_change(assistant, bench)
    client = Client()
    client.force_login(get_user_model().objects.get(pk=info["creator_id"]))
    url = reverse("insights:change_impact", args=[assistant.pk, number])
    pages = [{"key": f"window_{w}", "client": client, "url": f"{url}?window={w}"} for w in (14, 28)]
    bench.progress(f"timing the impact page of v{number}, {options['runs']} loads each")
    time_pages(pages, warmups=options["warmups"], runs=options["runs"])

    history = configuration_history(assistant)
    change = next(c for c in history if c.number == number)
    (impact,) = impacts(
        assistant,
        changes=[change],
        history=history,
        window=DEFAULT_WINDOW,
        today=today_in(assistant.tzinfo),
    )
    bench.progress("the same figures counted from the raw events")
    naive_impact(assistant, impact)  # warm-up, as the page gets
    samples = []
    for _ in range(options["naive_runs"]):
        started = time.perf_counter()
        naive = naive_impact(assistant, impact)
        samples.append(time.perf_counter() - started)
    page_median = pages[0]["page"]["median_ms"]
    naive_figures = timings_ms(samples) | {
        "queries": 3,
        "matches_page": naive == _page_differences(impact),
    }
    bench.target("impact page, largest assistant: median (ms)", page_median, at_most=PAGE_TARGET_MS)
    return {
        "assistant_id": assistant.pk,
        "messages": info["messages"],
        "version": number,
        "days": {"before": impact.before.length, "after": impact.after.length},
        "page": {page["key"]: page["page"] for page in pages},
        "naive": naive_figures,
        "naive_over_page": round(naive_figures["median_ms"] / page_median, 1),
    }
