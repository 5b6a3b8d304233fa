"""The chat: sending, answers from the backend, errors with a retry, and deleting a chat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assistants import services
from assistants.backends import ReplyError
from assistants.chat_views import MESSAGE_MAX_LENGTH
from assistants.models import Conversation, DailyUsage, Message, UsageTotals
from tests.assistants.conftest import HTMX
from tests.factories import chat_turn, rate


class Failing:
    model = "failing-model"

    def __init__(self, error):
        self.error = error

    def reply(self, *, instructions, history):
        raise self.error


@pytest.fixture
def failing_backend(monkeypatch):
    def use(error):
        monkeypatch.setattr(services, "backend_for", lambda model: Failing(error))

    return use


@pytest.mark.parametrize("role", ["creator", "editor"])
@pytest.mark.parametrize("action", ["", "reply/", "delete/"])
def test_nobody_opens_or_writes_to_someone_elses_conversation(people, client_as, role, action):
    assistant = people["assistant"]
    conversation = chat_turn(assistant, people["user"], timezone.now()).conversation
    client = client_as(people[role])
    url = f"/assistants/{assistant.pk}/chat/{conversation.pk}/{action}"
    response = client.post(url) if action else client.get(url)
    assert response.status_code == 404
    response = client.post(
        f"/assistants/{assistant.pk}/chat/send/",
        {"content": "sneaky", "conversation": conversation.pk},
    )
    assert response.status_code == 404
    assert not Message.objects.filter(content="sneaky").exists()


def test_the_composer_allows_as_long_a_message_as_the_form(people, client_as):
    response = client_as(people["user"]).get(f"/assistants/{people['assistant'].pk}/chat/")
    assert f'maxlength="{MESSAGE_MAX_LENGTH}"' in response.text


def test_the_first_message_opens_a_conversation_and_is_counted_at_once(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["user"])
    response = client.post(
        f"/assistants/{assistant.pk}/chat/send/", {"content": "Hi there"}, headers=HTMX
    )
    conversation = Conversation.objects.get()
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert response["HX-Retarget"] == "#chat" and response["HX-Reswap"] == "outerHTML"
    assert response["HX-Push-Url"] == f"/assistants/{assistant.pk}/chat/{conversation.pk}/"
    assert "Hi there" in html
    assert f'hx-post="/assistants/{assistant.pk}/chat/{conversation.pk}/reply/"' in html
    assert conversation.title == "Hi there"
    assert UsageTotals.objects.get(assistant=assistant).messages == 1

    response = client.post(
        f"/assistants/{assistant.pk}/chat/{conversation.pk}/reply/", headers=HTMX
    )
    html = response.content.decode()
    assert "offline backend" in html
    assert 'aria-label="Thumbs up"' in html and 'aria-label="Thumbs down"' in html
    assert UsageTotals.objects.get(assistant=assistant).messages == 2
    assert DailyUsage.objects.get(assistant=assistant).assistant_messages == 1


def test_a_next_message_is_appended_to_the_thread(people, client_as):
    assistant = people["assistant"]
    conversation = chat_turn(assistant, people["user"], timezone.now()).conversation
    response = client_as(people["user"]).post(
        f"/assistants/{assistant.pk}/chat/send/",
        {"content": "And **then**?", "conversation": conversation.pk},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "HX-Retarget" not in response
    assert 'class="msg msg-user"' in html and "And **then**?" in html
    assert "data-pending" in html
    assert conversation.messages.count() == 3


def test_a_failing_backend_shows_an_error_with_retry_and_keeps_the_message(
    people, ask, failing_backend
):
    assistant = people["assistant"]
    failing_backend(ReplyError("The assistant took too long to answer."))
    client, conversation, reply_url = ask(None, "Still there?")
    response = client.post(reply_url, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "took too long" in html and "Try again" in html and "Your message is saved." in html
    assert list(conversation.messages.values_list("content", flat=True)) == ["Still there?"]

    # Reloading shows the unanswered question with its retry.
    page = client.get(f"/assistants/{assistant.pk}/chat/{conversation.pk}/").content.decode()
    assert "Still there?" in page and "Try again" in page

    failing_backend(RuntimeError("bug in a backend"))
    response = client.post(reply_url, headers=HTMX)
    assert response.status_code == 200 and "unexpected error" in response.content.decode()


def test_retrying_after_a_failure_answers(ask, failing_backend, monkeypatch):
    failing_backend(ReplyError("down"))
    client, conversation, reply_url = ask(None, "Ping")
    client.post(reply_url, headers=HTMX)
    monkeypatch.undo()
    assert "offline backend" in client.post(reply_url, headers=HTMX).content.decode()
    # A second click finds the question answered and adds nothing.
    assert client.post(reply_url, headers=HTMX).content == b""
    assert conversation.messages.filter(role="assistant").count() == 1


def test_a_slow_model_server_is_an_error_in_the_chat_not_a_500(ask):
    client, conversation, reply_url = ask("slow-model")
    response = client.post(reply_url, headers=HTMX)
    assert response.status_code == 200
    assert "took too long" in response.content.decode()
    assert conversation.messages.count() == 1


def test_a_model_server_answers_in_the_chat(ask):
    client, _, reply_url = ask("good-model")
    html = client.post(reply_url, headers=HTMX).content.decode()
    assert "You said: <strong>Hello?</strong>" in html


def test_without_javascript_sending_answers_and_reloads(people, client_as, failing_backend):
    assistant = people["assistant"]
    client = client_as(people["user"])
    response = client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": "Plain form"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assistants/{assistant.pk}/chat/{conversation.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Plain form" in page and "offline backend" in page and "<html" in page

    failing_backend(ReplyError("Model server down."))
    client.post(
        f"/assistants/{assistant.pk}/chat/send/",
        {"content": "Again", "conversation": conversation.pk},
    )
    page = client.get(f"/assistants/{assistant.pk}/chat/{conversation.pk}/").content.decode()
    assert "Model server down." in page and "Try again" in page


def test_an_empty_or_overlong_message_is_refused_without_a_row(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["user"])
    for content in ("   ", "x" * 8001):
        response = client.post(
            f"/assistants/{assistant.pk}/chat/send/", {"content": content}, headers=HTMX
        )
        assert response.status_code == 422
        assert "8,000" in response.content.decode()
    response = client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": ""})
    assert response.status_code == 302
    assert not Message.objects.exists()


def test_htmx_gets_the_chat_and_a_direct_load_the_page(people, client_as):
    assistant = people["assistant"]
    conversation = chat_turn(assistant, people["user"], timezone.now()).conversation
    client = client_as(people["user"])
    url = f"/assistants/{assistant.pk}/chat/{conversation.pk}/"
    partial = client.get(url, headers=HTMX).content.decode()
    assert "<html" not in partial and 'id="chat"' in partial and "Open <strong>Settings" in partial
    full = client.get(url).content.decode()
    assert "<html" in full and 'id="chat"' in full and 'aria-current="page"' in full
    detail = client.get(f"/assistants/{assistant.pk}/").content.decode()
    assert f'hx-get="/assistants/{assistant.pk}/chat/"' in detail


def test_answers_are_sanitised_markdown_and_questions_escaped(people, client_as):
    assistant = people["assistant"]
    chat_turn(
        assistant,
        people["user"],
        timezone.now(),
        question="<script>alert('q')</script>",
        answer='**ok** <a href="javascript:alert(1)" hx-get="/x" onclick="y()">link</a>'
        "<script>alert('a')</script>",
    )
    conversation = Conversation.objects.get()
    html = (
        client_as(people["user"])
        .get(f"/assistants/{assistant.pk}/chat/{conversation.pk}/")
        .content.decode()
    )
    assert "<strong>ok</strong>" in html
    assert "&lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in html
    assert "alert('a')" not in html and "javascript:" not in html
    assert 'hx-get="/x"' not in html and "onclick" not in html


def test_the_chat_page_costs_the_same_queries_with_a_long_conversation(
    people, client_as, django_assert_max_num_queries
):
    assistant = people["assistant"]
    user = people["user"]
    client = client_as(user)
    answer = chat_turn(assistant, user, timezone.now() - timedelta(hours=3))
    conversation = answer.conversation
    rate(assistant, answer, "positive", timezone.now())
    url = f"/assistants/{assistant.pk}/chat/{conversation.pk}/"
    # Session, user, assistant, conversation, sidebar, messages, ratings, managers, and the
    # reasons a rater may pick.
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    for hour in range(15):
        more = chat_turn(
            assistant,
            user,
            timezone.now() - timedelta(hours=2, minutes=-hour),
            conversation=conversation,
            answer=f"Answer {hour}",
        )
        rate(assistant, more, "negative", timezone.now())
        chat_turn(assistant, user, timezone.now())  # more conversations in the sidebar
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200


def test_deleting_a_chat_removes_its_text_but_never_its_counts(people, client_as):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(hours=1))
    rate(assistant, answer, "positive", timezone.now())
    conversation = answer.conversation
    totals_before = UsageTotals.objects.values().get(assistant=assistant)
    daily_before = list(DailyUsage.objects.filter(assistant=assistant).values())
    client = client_as(people["user"])
    response = client.post(f"/assistants/{assistant.pk}/chat/{conversation.pk}/delete/")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.content_deleted_at is not None and conversation.title == ""
    assert set(conversation.messages.values_list("content", flat=True)) == {""}
    assert UsageTotals.objects.values().get(assistant=assistant) == totals_before
    assert list(DailyUsage.objects.filter(assistant=assistant).values()) == daily_before
    assert client.get(f"/assistants/{assistant.pk}/chat/{conversation.pk}/").status_code == 404
    listing = client.get(f"/assistants/{assistant.pk}/chat/").content.decode()
    assert f"/chat/{conversation.pk}/" not in listing
