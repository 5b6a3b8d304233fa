"""Usage Insights pages, shared chats, every export and the API keys page are never cached."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from feedback.models import Rating
from tests.factories import chat_turn, rate


@pytest.fixture
def shared_token(people):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], datetime(2026, 11, 20, 10, tzinfo=UTC))
    rating_id = rate(
        assistant, answer, "negative", datetime(2026, 11, 20, 11, tzinfo=UTC), share_chat=True
    )
    return Rating.objects.get(pk=rating_id).share_token


def test_insights_pages_exports_and_shared_chats_are_private_and_not_stored(
    client_as, people, shared_token
):
    assistant_id = people["assistant"].pk
    urls = [
        reverse("insights:analytics", args=[assistant_id]),
        reverse("insights:analytics_csv", args=[assistant_id]),
        reverse("insights:feedback", args=[assistant_id]),
        reverse("insights:feedback_csv", args=[assistant_id]),
        reverse("insights:shared_chat", args=[assistant_id, shared_token]),
        reverse("api_keys:list", args=[assistant_id]),
    ]
    client = client_as(people["creator"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_a_refused_insights_page_is_not_stored_either(client_as, people):
    response = client_as(people["user"]).get(
        reverse("insights:analytics", args=[people["assistant"].pk])
    )
    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]
