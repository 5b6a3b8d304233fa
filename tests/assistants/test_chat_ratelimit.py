"""Chat messages are rate limited per person and assistant (SPEC §8): each is a paid call."""

from assistants import chat_views
from assistants.models import Message
from tests.factories import AssistantFactory

HTMX = {"HX-Request": "true"}


def _send(client, assistant, text, **extra):
    return client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": text}, **extra)


def test_messages_over_the_limit_get_429_and_reach_no_model(
    people, client_as, monkeypatch, fresh_rate_window
):
    monkeypatch.setattr(chat_views, "CHAT_RATE_LIMIT", 3)
    assistant = people["assistant"]
    client = client_as(people["user"])
    statuses = [
        _send(client, assistant, f"Question {n}", headers=HTMX).status_code for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    refused = _send(client, assistant, "One more", headers=HTMX)
    assert refused["Content-Type"].startswith("text/plain")
    assert refused.content.decode().startswith("Too many messages at once. Try again in ")
    assert int(refused["Retry-After"]) > 0
    assert Message.objects.filter(role="user").count() == 3

    # Without JavaScript: back to the chat with the same message.
    page = _send(client, assistant, "No script", follow=True)
    assert "Too many messages at once. Try again in" in page.content.decode()
    assert Message.objects.filter(role="user").count() == 3


def test_the_limit_is_per_person_and_per_assistant(
    people, client_as, monkeypatch, fresh_rate_window
):
    monkeypatch.setattr(chat_views, "CHAT_RATE_LIMIT", 1)
    assistant = people["assistant"]
    other_assistant = AssistantFactory(creator=people["creator"], users=[people["user"]])
    client = client_as(people["user"])
    assert _send(client, assistant, "First", headers=HTMX).status_code == 200
    assert _send(client, assistant, "Second", headers=HTMX).status_code == 429
    assert _send(client, other_assistant, "Elsewhere", headers=HTMX).status_code == 200
    assert _send(client_as(people["editor"]), assistant, "Mine", headers=HTMX).status_code == 200
