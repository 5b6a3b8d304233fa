"""Rating an answer in the chat, the follow-up form, withdrawing, and shared chats."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback import views as feedback_views
from feedback.models import DailyFeedback, Rating
from tests.factories import UserFactory, add_messages, chat_turn

HTMX = {"HX-Request": "true"}


@pytest.fixture
def answer(people):
    return chat_turn(people["assistant"], people["user"], timezone.now() - timedelta(minutes=5))


def pressed(html: str) -> list[str]:
    """The accessible names of the thumbs shown pressed."""
    buttons = re.findall(r"<button class=\"thumb[^>]*>", html)
    return [
        re.search(r'aria-label="([^"]+)"', button).group(1)
        for button in buttons
        if 'aria-pressed="true"' in button
    ]


def post(client, answer, action, data=None, htmx=True):
    return client.post(
        f"/assistants/{answer.assistant_id}/feedback/answers/{answer.pk}/{action}/",
        data or {},
        headers=HTMX if htmx else {},
    )


def test_one_click_records_the_rating_and_offers_the_follow_up_form(people, client_as, answer):
    client = client_as(people["user"])
    response = post(client, answer, "rate", {"value": "negative"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert pressed(html) == ["Thumbs down"]
    assert '<details class="rating-details" open>' in html
    rating = Rating.objects.get()
    assert (rating.value, rating.comment, rating.share_contact) == ("negative", "", False)
    assert DailyFeedback.objects.get().negative == 1
    # Prefilled from the account, not shared until ticked.
    user = people["user"]
    assert f'value="{user.get_full_name()}"' in html and f'value="{user.email}"' in html
    assert "<strong>" + people["creator"].get_full_name() + "</strong> (creator)" in html
    assert "<strong>" + people["editor"].get_full_name() + "</strong> (editor)" in html


def test_changing_the_rating_moves_the_counters(people, client_as, answer):
    client = client_as(people["user"])
    post(client, answer, "rate", {"value": "negative"})
    html = post(client, answer, "rate", {"value": "positive"}).content.decode()
    assert pressed(html) == ["Thumbs up"]
    assert Rating.objects.get().value == "positive"
    row = DailyFeedback.objects.get()
    assert (row.positive, row.negative) == (1, 0)


def test_the_follow_up_form_saves_comment_contact_and_shared_chat(people, client_as, answer):
    client = client_as(people["user"])
    post(client, answer, "rate", {"value": "negative"})
    html = post(
        client,
        answer,
        "details",
        {
            "comment": "The menu is called Preferences",
            "share_contact": "on",
            "contact_name": "Mia M.",
            "contact_email": "mia.m@example.com",
            "share_chat": "on",
        },
    ).content.decode()
    assert "Saved." in html
    rating = Rating.objects.get()
    assert rating.comment == "The menu is called Preferences"
    assert (rating.contact_name, rating.contact_email) == ("Mia M.", "mia.m@example.com")
    assert rating.chat_shared and rating.chat_shared_at is not None
    assert "Withdraw my name and e-mail" in html and "Stop sharing this chat" in html
    # The current state shows again on the chat page.
    page = client.get(
        f"/assistants/{answer.assistant_id}/chat/{answer.conversation_id}/"
    ).content.decode()
    assert "The menu is called Preferences" in page and "Stop sharing this chat" in page


@pytest.mark.parametrize(
    "data, error",
    [
        ({"comment": "x" * 2001}, "at most 2000 characters"),
        ({"share_contact": "on", "contact_email": "not-an-address"}, "valid email address"),
        (
            {"share_contact": "on", "contact_name": "", "contact_email": ""},
            "Enter the name or e-mail",
        ),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(people, client_as, answer, data, error):
    client = client_as(people["user"])
    post(client, answer, "rate", {"value": "positive"})
    response = post(client, answer, "details", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.comment, rating.share_contact) == ("", False)


def test_details_before_a_rating_and_a_bad_value_are_400(people, client_as, answer):
    client = client_as(people["user"])
    assert post(client, answer, "details", {"comment": "hi"}).status_code == 400
    assert post(client, answer, "rate", {"value": "meh"}).status_code == 400
    assert not Rating.objects.exists()


def test_without_javascript_the_forms_return_to_the_answer(people, client_as, answer):
    client = client_as(people["user"])
    response = post(client, answer, "rate", {"value": "positive"}, htmx=False)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/chat/{answer.conversation_id}/#message-{answer.pk}")
    assert Rating.objects.get().value == "positive"


def test_feedback_is_rate_limited_per_user_without_writing(
    people, client_as, answer, monkeypatch, fresh_rate_window
):
    monkeypatch.setattr(feedback_views, "FEEDBACK_RATE_LIMIT", 2)
    client = client_as(people["user"])
    assert post(client, answer, "rate", {"value": "positive"}).status_code == 200
    assert post(client, answer, "details", {"comment": "one"}).status_code == 200
    response = post(client, answer, "rate", {"value": "negative"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Try again in" in response.content.decode()
    response = post(client, answer, "details", {"comment": "two"})
    assert response.status_code == 429
    rating = Rating.objects.get()
    assert (rating.value, rating.comment) == ("positive", "one")
    assert DailyFeedback.objects.get().positive == 1
    # Another person is not held back.
    other = chat_turn(answer.assistant, people["editor"], timezone.now())
    assert (
        post(client_as(people["editor"]), other, "rate", {"value": "negative"}).status_code == 200
    )


def test_a_shared_chat_is_the_conversation_as_it_was_when_shared(people, client_as, answer):
    client = client_as(people["user"])
    post(client, answer, "rate", {"value": "negative"})
    post(client, answer, "details", {"share_chat": "on"})
    add_messages(
        answer.assistant,
        answer.conversation,
        ("user", timezone.now() + timedelta(seconds=5), "A later question, not shared"),
    )
    token = Rating.objects.get().share_token
    url = f"/assistants/{answer.assistant_id}/insights/shared-chats/{token}/"
    html = client_as(people["editor"]).get(url).content.decode()
    assert "How do I reset my password?" in html
    assert "<strong>Settings</strong>" in html  # the answer, rendered
    assert "A later question" not in html
    assert "an anonymous user" in html
    # Read-only: nothing to post.
    assert "<textarea" not in html and "hx-post" not in html


def test_withdrawing_makes_the_shared_chat_404_at_once(people, client_as, shared_feedback):
    token = Rating.objects.get().share_token
    url = f"/assistants/{shared_feedback.assistant_id}/insights/shared-chats/{token}/"
    creator = client_as(people["creator"])
    assert creator.get(url).status_code == 200
    response = post(client_as(people["user"]), shared_feedback, "withdraw-chat")
    assert "This chat is no longer shared." in response.content.decode()
    assert client_as(people["creator"]).get(url).status_code == 404
    # Sharing again makes a new link; the old one stays dead.
    post(client_as(people["user"]), shared_feedback, "details", {"share_chat": "on"})
    new_token = Rating.objects.get().share_token
    assert new_token != token
    assert client_as(people["creator"]).get(url).status_code == 404


def test_withdrawing_contact_details_forgets_them(people, client_as, shared_feedback):
    post(client_as(people["user"]), shared_feedback, "withdraw-contact")
    rating = Rating.objects.get()
    assert (rating.share_contact, rating.contact_name, rating.contact_email) == (False, "", "")
    html = (
        client_as(people["creator"])
        .get(f"/assistants/{shared_feedback.assistant_id}/insights/feedback/")
        .content.decode()
    )
    assert "Mia Member" not in html and "Anonymous" in html


def test_a_deleted_chat_cannot_be_rated_or_read(people, client_as, shared_feedback):
    token = Rating.objects.get().share_token
    client = client_as(people["user"])
    client.post(
        f"/assistants/{shared_feedback.assistant_id}/chat/{shared_feedback.conversation_id}/delete/"
    )
    assert post(client, shared_feedback, "rate", {"value": "positive"}).status_code == 404
    url = f"/assistants/{shared_feedback.assistant_id}/insights/shared-chats/{token}/"
    assert client_as(people["creator"]).get(url).status_code == 404
    assert DailyFeedback.objects.get().negative == 1


def test_anonymous_feedback_stays_anonymous_everywhere_a_manager_looks(client_as, people):
    marker = "Zq9MarkerXy"
    person = UserFactory(
        username=f"user{marker}",
        first_name=f"First{marker}",
        last_name=f"Last{marker}",
        email=f"{marker.lower()}@example.com",
    )
    assistant = people["assistant"]
    from assistants import services

    services.set_member_role(assistant=assistant, user=person, role="user")
    client = client_as(person)
    client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": "Where is the menu?"})
    answer = assistant.conversations.get(participant__user=person).messages.get(role="assistant")
    post(client, answer, "rate", {"value": "negative"})
    post(
        client,
        answer,
        "details",
        {
            "comment": "Not helpful",
            "reasons": ["Too long"],
            "contact_name": f"First{marker}",  # prefilled, but the box is not ticked
            "contact_email": f"{marker.lower()}@example.com",
            "share_chat": "on",
        },
    )
    rating = Rating.objects.get()
    assert rating.chat_shared and not rating.share_contact
    assert rating.reasons == ["Too long"] and rating.question == "Where is the menu?"
    client_as(people["editor"]).post(
        f"/assistants/{assistant.pk}/feedback/{rating.pk}/review/",
        {"status": "resolved", "note": "Shortened the instructions"},
    )
    base = f"/assistants/{assistant.pk}/insights"
    urls = [
        f"{base}/feedback/",
        f"{base}/feedback/?rating=negative&has_comment=on",
        f"{base}/feedback/?reason=Too+long&status=resolved&version=1&q=helpf",
        f"{base}/feedback.csv",
        f"{base}/feedback.csv?reason=Too+long&status=resolved&version=1&q=helpf",
        f"{base}/shared-chats/{rating.share_token}/",
        f"{base}/",
        f"{base}/analytics.csv",
    ]
    for manager in ("creator", "editor"):
        manager_client = client_as(people[manager])
        for url in urls:
            for headers in ({}, HTMX):
                response = manager_client.get(url, headers=headers)
                assert response.status_code == 200, url
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                ).decode()
                assert marker.lower() not in body.lower(), url
                assert f">{person.pk}<" not in body
        page = manager_client.get(f"{base}/feedback/").content.decode()
        # What the canary must not leak is beside everything the tab shows of this rating.
        for shown in ("Not helpful", "Where is the menu?", "Too long", "Shortened the"):
            assert shown in page
        response = manager_client.get(f"{base}/feedback.csv?reason=Too+long&q=helpf")
        body = b"".join(response.streaming_content).decode()
        (row,) = csv.DictReader(io.StringIO(body, newline=""))
        assert [row[name] for name in ("question", "reasons", "status", "version")] == [
            "Where is the menu?",
            "Too long",
            "resolved",
            "1",
        ]
