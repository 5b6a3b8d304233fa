"""Usage Insights: the page with its Analytics tab, and the analytics CSV."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from assistants.lib.csv_stream import streaming_csv_response
from assistants.lib.htmx import render_page_or_partial
from assistants.selectors import Need, get_assistant_for
from assistants.timeframe import DateRange, timeframe_context, today_in
from insights import charts, quality_charts
from insights.activity import first_activity_day, timeframe_activity
from insights.cards import Card
from insights.changes import version_records
from insights.comparison import compare_around_changes
from insights.forms import AnalyticsForm, Source
from insights.quality import CSV_HEADER as QUALITY_CSV_HEADER
from insights.quality import csv_cells, quality_cards, quality_figures
from insights.selectors import (
    all_time_totals,
    changes_in,
    daily_figures,
    range_totals,
    real_changes,
    version_history,
)

ANALYTICS_CSV_HEADER = (
    "date",
    "active_users",
    "conversations",
    "messages",
    "user_messages",
    "assistant_messages",
    "positive_feedback",
    "negative_feedback",
)


def _chart(chart_id: str, title: str, figure: dict) -> dict:
    return {"id": chart_id, "data_id": f"{chart_id}-data", "title": title, "figure": figure}


@login_required
@require_GET
def analytics(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.MANAGE)
    assistant = access.assistant
    form = AnalyticsForm(request.GET, today=today_in(assistant.tzinfo))
    date_range = form.date_range()
    days = daily_figures(assistant, date_range)
    versions = version_history(assistant)
    history = real_changes(versions)
    changes = changes_in(history, date_range)
    activity = timeframe_activity(
        date_range=date_range, days=days, first_day=first_activity_day(assistant)
    )
    # Days before the first activity are all 0 by definition: the charts start at it.
    days = activity.chart_days(days)
    tab_url = reverse("insights:analytics", args=[assistant.pk])
    # The row of cards for the timeframe; each section of the tab adds its own.
    timeframe_cards: list[Card] = []
    context = timeframe_context(access, form, tab="analytics", tab_url=tab_url) | {
        "totals": all_time_totals(assistant),
        "timeframe_cards": timeframe_cards,
        "range_totals": range_totals(days),
        "changes": changes,
        "comparisons": compare_around_changes(
            assistant,
            changes=changes,
            history=history,
            today=form.today,
            source=form.chosen_source(),
        ),
        "source": form.chosen_source(),
        "versions": version_records(
            assistant, versions=versions, date_range=date_range, source=form.chosen_source()
        ),
        "activity": activity,
        "charts": [
            _chart(
                "chart-active-users",
                "Daily active users",
                charts.daily_active_users_figure(days, changes),
            ),
            _chart(
                "chart-conversations",
                "Conversations per day",
                charts.conversations_figure(days, changes),
            ),
            _chart("chart-messages", "Messages per day", charts.messages_figure(days, changes)),
            _chart(
                "chart-satisfaction",
                "Satisfaction: share of positive ratings per day",
                charts.satisfaction_figure(days, changes),
            ),
        ],
    }
    context["quality"] = _quality_section(
        assistant, form, date_range, days, changes, timeframe_cards
    )
    return render_page_or_partial(request, "insights/analytics.html", "body", context)


def _quality_section(assistant, form, date_range, days, changes, timeframe_cards) -> dict:
    """The Quality and cost section (its cards go to the row of cards), for the form's
    buckets and source. One query (`quality_figures`)."""
    by, source = form.chosen_bucket(), form.chosen_source()
    quality = quality_figures(assistant, date_range, by=by, source=source)
    timeframe_cards.extend(quality_cards(quality, period_days=date_range.length))
    # Conversations per bucket are the usage rollup's, which counts every source: cost per
    # conversation is shown for all sources only.
    conversations = None
    if source == Source.ALL:
        started = {day.day: day.conversations for day in days}
        conversations = [
            sum(started.get(day, 0) for day in DateRange(b.start, b.end).days())
            for b in quality.buckets
        ]
    total_conversations = sum(conversations) if conversations is not None else 0
    return {
        "figures": quality,
        "cost_per_conversation": quality.period.cost_usd / total_conversations
        if total_conversations and quality.period.priced_answers
        else None,
        "charts": [
            _chart(
                "chart-failed-replies",
                "Failed replies and failure rate",
                quality_charts.failed_replies_figure(quality.buckets, changes),
            ),
            _chart(
                "chart-latency",
                "Latency: median and 95th percentile",
                quality_charts.latency_figure(quality.buckets, changes),
            ),
            _chart(
                "chart-tokens",
                "Tokens: input and output",
                quality_charts.tokens_figure(quality.buckets, changes),
            ),
            _chart(
                "chart-cost",
                "Cost" + (" and cost per conversation" if conversations is not None else ""),
                quality_charts.cost_figure(quality.buckets, changes, conversations),
            ),
        ],
    }


@login_required
@require_GET
def analytics_csv(request, assistant_id: int):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.MANAGE).assistant
    form = AnalyticsForm(request.GET, today=today_in(assistant.tzinfo), csv=True)
    if not form.is_valid():
        return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")
    date_range = form.date_range()
    quality = {
        bucket.start: bucket
        for bucket in quality_figures(
            assistant, date_range, by=form.chosen_bucket(), source=form.chosen_source()
        ).buckets
    }
    rows = (
        (
            day.day.isoformat(),
            day.active_users,
            day.conversations,
            day.messages,
            day.user_messages,
            day.assistant_messages,
            day.positive_feedback,
            day.negative_feedback,
            *csv_cells(quality.get(day.day)),
        )
        for day in daily_figures(assistant, date_range)
    )
    name = slugify(assistant.name) or "assistant"
    return streaming_csv_response(
        filename=f"{name}-analytics-{date_range.start}-to-{date_range.end}.csv",
        header=ANALYTICS_CSV_HEADER + QUALITY_CSV_HEADER,
        rows=rows,
    )
