"""Usage Insights: the page with its Analytics tab, and the analytics CSV."""

from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import slugify

from assistants.lib.csv_stream import csv_download, streaming_csv_response
from assistants.lib.htmx import render_page_or_partial
from assistants.lib.pages import assistant_view
from assistants.selectors import Need
from assistants.timeframe import By, DateRange, timeframe_context, today_in
from insights import charts, quality_charts
from insights.activity import first_activity_day, timeframe_activity
from insights.cards import Card
from insights.changes import version_records
from insights.comparison import compare_around_changes
from insights.forms import AnalyticsForm, Source, bucket_and_source_choices
from insights.people import bucket_people, daily_people, every_person_csv, people_figures
from insights.people_section import people_section
from insights.quality import CSV_HEADER as QUALITY_CSV_HEADER
from insights.quality import csv_cells, quality_cards, quality_figures
from insights.selectors import (
    all_time_totals,
    bucket_figures,
    changes_in,
    daily_figures,
    range_totals,
    real_changes,
    version_history,
)
from insights.usage_cards import usage_cards, usage_period

ANALYTICS_CSV_HEADER = (
    "date",
    "active_users",
    "conversations",
    "messages",
    "user_messages",
    "assistant_messages",
    "positive_feedback",
    "negative_feedback",
    "new_users",
    "returning_users",
    "weekly_active_users",
    "monthly_active_users",
)


def _chart(chart_id: str, title: str, figure: dict) -> dict:
    return {"id": chart_id, "data_id": f"{chart_id}-data", "title": title, "figure": figure}


_BUCKET_WORD = {By.DAY: "day", By.WEEK: "week", By.MONTH: "month"}


@assistant_view(need=Need.MANAGE, methods=("GET",))
def analytics(request, access):
    assistant = access.assistant
    form = AnalyticsForm(request.GET, today=today_in(assistant.tzinfo))
    date_range = form.date_range()
    by, source = form.chosen_bucket(), form.chosen_source()
    people = people_figures(assistant, date_range, source=source, by=by)
    quality = quality_figures(assistant, date_range, by=by, source=source)
    # This period and the previous one of the same length, read together for the cards.
    previous = date_range.previous()
    both = daily_figures(
        assistant,
        DateRange(previous.start, date_range.end),
        source=source,
        active_users={day.day: day.active_users for day in people.days},
    )
    days = [day for day in both if day.day >= date_range.start]
    versions = version_history(assistant)
    history = real_changes(versions)
    changes = changes_in(history, date_range)
    activity = timeframe_activity(
        date_range=date_range, days=days, first_day=first_activity_day(assistant)
    )
    buckets = bucket_figures(days, people.buckets)
    # Days before the first activity are all 0 by definition: the charts start at it.
    chart_buckets = [b for b in buckets if b.last_day >= activity.chart_start]
    tab_url = reverse("insights:analytics", args=[assistant.pk])
    # The row of cards for the timeframe; each section of the tab adds its own.
    timeframe_cards: list[Card] = usage_cards(
        usage_period(people.period, days),
        usage_period(people.previous, [day for day in both if day.day < date_range.start]),
        period_days=date_range.length,
    )
    per = _BUCKET_WORD[by]
    context = timeframe_context(access, form, tab="analytics", tab_url=tab_url) | {
        "totals": all_time_totals(assistant),
        "timeframe_cards": timeframe_cards,
        "range_totals": range_totals(activity.chart_days(days)),
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
            assistant, versions=versions, date_range=date_range, source=source, quality=quality
        ),
        "activity": activity,
        "choices": bucket_and_source_choices(tab_url, date_range, by=by, source=source),
        "csv_query": urlencode({"by": by, "source": source}),
        # The timeframe's presets and custom range keep the chosen source.
        "extra_query": f"&source={source}" if source != Source.ALL else "",
        "extra_fields": [("source", source)] if source != Source.ALL else [],
        "charts": [
            _chart(
                "chart-active-users",
                "Daily active users" if by == By.DAY else f"Active users per {per}",
                charts.daily_active_users_figure(chart_buckets, changes),
            ),
            _chart(
                "chart-conversations",
                f"Conversations per {per}",
                charts.conversations_figure(chart_buckets, changes),
            ),
            _chart(
                "chart-messages",
                f"Messages per {per}",
                charts.messages_figure(chart_buckets, changes),
            ),
            _chart(
                "chart-satisfaction",
                f"Satisfaction: share of positive ratings per {per}",
                charts.satisfaction_figure(chart_buckets, changes),
            ),
        ],
    }
    context["people"] = people_section(
        assistant,
        people,
        date_range,
        source=source,
        changes=changes,
        chart_start=activity.chart_start,
    )
    context["quality"] = _quality_section(quality, date_range, buckets, changes, timeframe_cards)
    return render_page_or_partial(request, "insights/analytics.html", "body", context)


def _quality_section(quality, date_range, buckets, changes, timeframe_cards) -> dict:
    """The Quality and cost section (its cards go to the row of cards) from the timeframe's
    `quality_figures`; `buckets` are the usage of the same buckets (`bucket_figures`)."""
    timeframe_cards.extend(quality_cards(quality, period_days=date_range.length))
    started = {bucket.day: bucket.conversations for bucket in buckets}
    conversations = [started.get(b.start, 0) for b in quality.buckets]
    total_conversations = sum(conversations)
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
                "Cost and cost per conversation",
                quality_charts.cost_figure(quality.buckets, changes, conversations),
            ),
        ],
    }


@assistant_view(need=Need.MANAGE, methods=("GET",))
def analytics_csv(request, access):
    assistant = access.assistant
    form = AnalyticsForm(request.GET, today=today_in(assistant.tzinfo), csv=True)
    if not form.is_valid():
        return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")
    date_range = form.date_range()
    by, source = form.chosen_bucket(), form.chosen_source()
    quality = {
        bucket.start: bucket
        for bucket in quality_figures(assistant, date_range, by=by, source=source).buckets
    }
    days = daily_people(assistant, date_range, source=source)
    people, _ = bucket_people(assistant, date_range, source=source, by=by)
    usage = bucket_figures(
        daily_figures(
            assistant,
            date_range,
            source=source,
            active_users={day.day: day.active_users for day in days},
        ),
        people,
    )
    rows = (
        (
            bucket.day.isoformat(),
            bucket.active_users,
            bucket.conversations,
            bucket.messages,
            bucket.user_messages,
            bucket.assistant_messages,
            bucket.positive_feedback,
            bucket.negative_feedback,
            person.new_users,
            person.returning_users,
            person.weekly_active_users,
            person.monthly_active_users,
            *csv_cells(quality.get(bucket.day)),
        )
        for bucket, person in zip(usage, people, strict=True)
    )
    name = slugify(assistant.name) or "assistant"
    return streaming_csv_response(
        filename=f"{name}-analytics-{date_range.start}-to-{date_range.end}.csv",
        header=ANALYTICS_CSV_HEADER + QUALITY_CSV_HEADER,
        rows=rows,
    )


PEOPLE_CSV_HEADER = (
    "person",
    "first_active",
    "last_active",
    "active_days",
    "conversations",
    "user_messages",
)


@assistant_view(need=Need.MANAGE, methods=("GET",))
def people_csv(request, access):
    """Every person active in the timeframe, most messages first (SPEC §6), named as §9
    says; streamed by `COPY` straight out of PostgreSQL."""
    assistant = access.assistant
    form = AnalyticsForm(request.GET, today=today_in(assistant.tzinfo), csv=True)
    if not form.is_valid():
        return HttpResponseBadRequest(form.error_text(), content_type="text/plain; charset=utf-8")
    date_range = form.date_range()
    chunks = every_person_csv(
        assistant, date_range, source=form.chosen_source(), header=PEOPLE_CSV_HEADER
    )
    name = slugify(assistant.name) or "assistant"
    return csv_download(
        chunks, filename=f"{name}-people-{date_range.start}-to-{date_range.end}.csv"
    )
