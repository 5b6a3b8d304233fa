"""Access to feedback beyond the matrix of tests/test_access_matrix.py: someone else's answer,
another assistant's objects, the methods each URL refuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Rating
from tests.factories import chat_turn


@pytest.mark.parametrize("role", ["creator", "editor", "other"])
def test_nobody_rates_an_answer_in_someone_elses_chat(people, client_as, role):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(minutes=5))
    response = client_as(people[role]).post(
        f"/assistants/{assistant.pk}/feedback/answers/{answer.pk}/rate/", {"value": "positive"}
    )
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_a_message_of_another_assistant_is_404(people, client_as):
    from tests.factories import AssistantFactory

    elsewhere = AssistantFactory(users=[people["user"]])
    answer = chat_turn(elsewhere, people["user"], timezone.now() - timedelta(minutes=5))
    response = client_as(people["user"]).post(
        f"/assistants/{people['assistant'].pk}/feedback/answers/{answer.pk}/rate/",
        {"value": "positive"},
    )
    assert response.status_code == 404


def test_a_shared_chat_of_another_assistant_is_404(people, client_as, shared_feedback):
    from tests.factories import AssistantFactory

    own = AssistantFactory(creator=people["other"])
    token = Rating.objects.get().share_token
    response = client_as(people["other"]).get(
        f"/assistants/{own.pk}/insights/shared-chats/{token}/"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_read_only_urls_refuse_writes(people, client_as, shared_feedback, method):
    client = client_as(people["creator"])
    for path in ("insights/feedback/", "insights/feedback.csv"):
        response = getattr(client, method)(f"/assistants/{people['assistant'].pk}/{path}")
        assert response.status_code == 405


def test_rating_urls_refuse_get(people, client_as):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], timezone.now())
    response = client_as(people["user"]).get(
        f"/assistants/{assistant.pk}/feedback/answers/{answer.pk}/rate/"
    )
    assert response.status_code == 405
