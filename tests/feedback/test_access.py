"""SPEC §2 for every feedback URL: rating answers is "chat with it"; the Feedback tab, its CSV
and shared chats are Usage Insights."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Rating
from tests.factories import chat_turn

ROLES = ["creator", "editor", "user", "other", "anonymous"]
MANAGE = {"creator": 200, "editor": 200, "user": 404, "other": 404, "anonymous": "login"}
USE = {"creator": 200, "editor": 200, "user": 200, "other": 404, "anonymous": "login"}


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path",
    [
        "/assistants/{a}/insights/feedback/",
        "/assistants/{a}/insights/feedback/?rating=negative&has_comment=on",
        "/assistants/{a}/insights/feedback.csv",
        "/assistants/{a}/insights/feedback.csv?rating=positive",
        "/assistants/{a}/insights/shared-chats/{token}/",
    ],
)
def test_usage_insights_feedback_urls_follow_the_access_table(
    people, client_as, shared_feedback, role, path
):
    token = Rating.objects.get().share_token
    url = path.format(a=people["assistant"].pk, token=token)
    response = client_as(people[role]).get(url)
    assert_status(response, MANAGE[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "action, data",
    [
        ("rate", {"value": "negative"}),
        ("details", {"comment": "Thanks"}),
        ("withdraw-contact", {}),
        ("withdraw-chat", {}),
    ],
)
def test_rating_follows_the_access_table(people, client_as, role, action, data):
    """Each person rates an answer in their own chat; an outsider tries the member's."""
    assistant = people["assistant"]
    owner = people[role] if role in ("creator", "editor", "user") else people["user"]
    answer = chat_turn(assistant, owner, timezone.now() - timedelta(minutes=5))
    client = client_as(people[role])
    if action != "rate" and role in USE and USE[role] == 200:
        client.post(
            f"/assistants/{assistant.pk}/feedback/answers/{answer.pk}/rate/",
            {"value": "positive"},
            headers={"HX-Request": "true"},
        )
    response = client.post(
        f"/assistants/{assistant.pk}/feedback/answers/{answer.pk}/{action}/",
        data,
        headers={"HX-Request": "true"},
    )
    assert_status(response, USE[role])


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
