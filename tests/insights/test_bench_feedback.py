"""The benchmark's feedback section: its ratings are loaded as the app keeps them (same
indexes, counters equal to a recount), and its naive figures equal the Feedback tab's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assistants import services
from assistants.models import ConfigurationVersion, Message
from assistants.timeframe import DateRange, today_in
from assistants.versions import version_at
from feedback.models import DEFAULT_REASONS, Rating
from insights.bench import feedback, recount
from insights.bench.feedback_load import ensure_ratings
from tests.factories import chat_turn

# Enough that every filter of the benchmark finds ratings (a search with a reason: about 13).
RATINGS = 3000


def _indexes() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'feedback_rating' "
            "ORDER BY indexname"
        )
        return cursor.fetchall()


@pytest.fixture
def rated(people):
    """An assistant with two chats of its own and a second version half a year ago, rated
    by the benchmark's loader."""
    assistant, creator = people["assistant"], people["creator"]
    now = timezone.now()
    for days in (300, 2):
        chat_turn(assistant, people["user"], now - timedelta(days=days))
    version = services.update_configuration(
        assistant=assistant, changed_by=creator, instructions="Answer in one line."
    )
    ConfigurationVersion.objects.filter(pk=version.pk).update(changed_at=now - timedelta(days=180))
    before = _indexes()
    assert ensure_ratings(assistant, RATINGS, lambda _: None, reload=False)
    assert _indexes() == before
    return assistant


# VACUUM runs outside a transaction, as in the benchmark.
@pytest.mark.django_db(transaction=True)
def test_the_loader_rates_each_answer_once_as_the_app_keeps_ratings(rated):
    ratings = list(Rating.objects.filter(assistant=rated).select_related("message"))
    assert len(ratings) == RATINGS
    assert len({rating.message_id for rating in ratings}) == RATINGS
    versions = list(
        ConfigurationVersion.objects.filter(assistant=rated).values_list("number", "changed_at")
    )
    for rating in ratings:
        answer = rating.message
        question = (
            Message.objects.filter(
                conversation_id=answer.conversation_id,
                role="user",
                created_at__lte=answer.created_at,
            )
            .order_by("-created_at")
            .first()
        )
        assert rating.question == question.content
        assert rating.answer == answer.content
        assert rating.version == version_at(versions, answer.created_at)
        assert set(rating.reasons) <= set(DEFAULT_REASONS[rating.value])
        assert len(rating.reasons) == len(set(rating.reasons)) <= 2
        assert answer.created_at < rating.rated_at <= timezone.now()
    assert {rating.version for rating in ratings} == {1, 2}
    assert recount.counters(rated.pk) == recount.recounted(rated.pk)
    # The next run reuses them.
    assert not ensure_ratings(rated, RATINGS, lambda _: None, reload=False)


@pytest.mark.django_db(transaction=True)
def test_the_naive_figures_equal_the_tabs_under_every_filter(rated):
    today = today_in(rated.tzinfo)
    date_range = DateRange(today - timedelta(days=400), today)
    queries = feedback.page_filters(rated) | {
        "two_words": "q=menu+mov",
        "all_filters": "q=the&has_comment=1&status=reviewed&version=2&reason=Other",
        "last_days": "rating=positive&has_comment=1",
    }
    rows = feedback.naive_ratings(rated, date_range)
    assert len(rows) == RATINGS
    for name, query in queries.items():
        filters = feedback.filters_of(query)
        naive = feedback.naive_tab(rows, filters)
        assert naive == feedback.tab_figures(rated, date_range, filters), name
    # Each filter of the benchmark finds ratings, so its first page is a real one.
    for name in feedback.page_filters(rated):
        counts = feedback.naive_tab(rows, feedback.filters_of(queries[name]))["counts"]
        assert sum(counts[:2]) > 0, name
