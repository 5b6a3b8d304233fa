"""Delete my data: every text of the person goes at once, everywhere it is shown; every count
stays, and so does what others wrote."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from assistants import rollups, services
from assistants.models import Conversation, Message, Participant, UsageTotals
from feedback.models import Rating
from tests.factories import AssistantFactory, chat_turn
from tests.privacy.conftest import ANSWER, COMMENT, QUESTION
from tests.privacy.helpers import counter_rows


def feedback_csv(client, assistant) -> list[dict[str, str]]:
    response = client.get(f"/assistants/{assistant.pk}/insights/feedback.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_deleting_my_data_erases_every_text_and_keeps_every_count(people, member_data):
    assistant = member_data["assistant"]
    participant = member_data["first"].conversation.participant
    before = counter_rows(assistant)

    erased = services.erase_person_content(assistant=assistant, participant=participant)

    assert erased == {
        "messages": 4,
        "conversations": 1,
        "comments": 1,
        "contact details": 1,
        "shared chats": 1,
        "rated-answer copies": 2,
    }
    assert counter_rows(assistant) == before
    mine = Message.objects.filter(conversation__participant=participant)
    assert set(mine.values_list("content", flat=True)) == {""}
    conversation = Conversation.objects.get(participant=participant)
    assert conversation.title == "" and conversation.content_deleted_at is not None
    assert Participant.objects.get(pk=participant.pk).content_erased_at is not None
    for rating in Rating.objects.filter(participant=participant):
        assert (rating.answer, rating.comment, rating.contact_name, rating.contact_email) == (
            "",
            "",
            "",
            "",
        )
        assert not rating.share_contact and rating.share_token is None
        assert rating.text_erased_at is not None
    # Someone else's chat and feedback stay whole.
    assert Message.objects.filter(content="Editor's question").exists()
    assert Rating.objects.get(message=member_data["kept"]).comment == "Editor's comment"

    # The rebuild writes the very same rows.
    rollups.rebuild([assistant.pk])
    assert counter_rows(assistant) == before


def test_a_second_erasure_erases_nothing(people, member_data):
    assistant = member_data["assistant"]
    participant = member_data["first"].conversation.participant
    services.erase_person_content(assistant=assistant, participant=participant)
    again = services.erase_person_content(assistant=assistant, participant=participant)
    assert set(again.values()) == {0}


def test_a_participant_of_another_assistant_is_refused(people, member_data):
    elsewhere = AssistantFactory()
    participant = member_data["first"].conversation.participant
    with pytest.raises(ValueError):
        services.erase_person_content(assistant=elsewhere, participant=participant)
    assert Message.objects.filter(content=QUESTION).exists()


def test_managers_see_deleted_and_never_the_old_text(people, client_as, member_data):
    assistant = member_data["assistant"]
    token = Rating.objects.get(message=member_data["first"]).share_token
    services.erase_person_content(
        assistant=assistant, participant=member_data["first"].conversation.participant
    )
    client = client_as(people["creator"])

    tab = client.get(f"/assistants/{assistant.pk}/insights/feedback/").content.decode()
    for secret in ("X1234567", COMMENT, "Mia Member", "mia@example.com", "No visa needed"):
        assert secret not in tab
    assert "Deleted by its author" in tab
    assert 'data-testid="negative-count">1<' in tab
    assert 'data-testid="positive-count">2<' in tab
    assert "Editor&#x27;s comment" in tab or "Editor's comment" in tab

    rows = feedback_csv(client, assistant)
    assert len(rows) == 3
    erased = [row for row in rows if row["rating"] == "negative"]
    assert [
        (r["comment"], r["contact_name"], r["contact_email"], r["chat_shared"], r["rated_answer"])
        for r in erased
    ] == [("", "", "", "no", "")]

    shared = client.get(f"/assistants/{assistant.pk}/insights/shared-chats/{token}/")
    assert shared.status_code == 404
    assert "X1234567" not in shared.content.decode()


def test_the_person_no_longer_finds_their_chats(people, client_as, member_data):
    assistant = member_data["assistant"]
    conversation = member_data["first"].conversation
    services.erase_person_content(assistant=assistant, participant=conversation.participant)
    client = client_as(people["user"])
    chat = client.get(f"/assistants/{assistant.pk}/chat/").content.decode()
    assert QUESTION not in chat and "And a visa?" not in chat
    assert client.get(f"/assistants/{assistant.pk}/chat/{conversation.pk}/").status_code == 404
    # They keep chatting, as the same person: no new user.
    users_before = UsageTotals.objects.get(assistant=assistant).users
    client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": "Hello again"})
    assert UsageTotals.objects.get(assistant=assistant).users == users_before == 2
    assert Participant.objects.filter(assistant=assistant, user=people["user"]).count() == 1


def test_an_api_person_is_erased_by_their_user_string(people, client_as, api_person):
    assistant = people["assistant"]
    before = counter_rows(assistant)
    client = client_as(people["creator"])
    page = client.get(f"/assistants/{assistant.pk}/api-keys/erase-person/?user=visitor-42")
    assert page.status_code == 200
    assert "1 conversation" in page.content.decode()
    response = client.post(
        f"/assistants/{assistant.pk}/api-keys/erase-person/", {"user": "visitor-42"}
    )
    assert response.status_code == 302
    assert not Message.objects.filter(content__startswith="Visitor").exists()
    rating = Rating.objects.get(message=api_person)
    assert rating.comment == "" and rating.share_token is None
    assert counter_rows(assistant) == before


def test_an_unknown_user_string_is_a_form_error(people, client_as, api_person):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    for response in (
        client.get(f"/assistants/{assistant.pk}/api-keys/erase-person/?user=nobody"),
        client.post(f"/assistants/{assistant.pk}/api-keys/erase-person/", {"user": "nobody"}),
        client.post(f"/assistants/{assistant.pk}/api-keys/erase-person/", {"user": ""}),
    ):
        assert response.status_code == 400
        assert "errorlist" in response.content.decode()
    assert Message.objects.filter(content__startswith="Visitor").exists()


def test_an_account_cannot_be_erased_as_an_api_person(people, client_as, member_data):
    """The creator erases people of the events API only; an account's data is its own."""
    assistant = member_data["assistant"]
    client = client_as(people["creator"])
    response = client.post(
        f"/assistants/{assistant.pk}/api-keys/erase-person/", {"user": people["user"].username}
    )
    assert response.status_code == 400
    assert Message.objects.filter(content=QUESTION).exists()


def test_erasing_everywhere_covers_every_assistant(people, member_data):
    other = AssistantFactory(users=[people["user"]])
    chat_turn(other, people["user"], timezone.now(), question="Elsewhere " + QUESTION)
    erased = services.erase_person_everywhere(user=people["user"])
    assert set(erased) == {member_data["assistant"], other}
    assert not Message.objects.filter(content__contains="X1234567").exists()
    assert not Message.objects.filter(content=ANSWER).exists()


def test_the_confirmation_pages_cost_the_same_whatever_the_data(
    people, client_as, member_data, api_person, django_assert_num_queries
):
    assistant = member_data["assistant"]
    member = client_as(people["user"])
    # Session, user, assistant with role, participant, two counts.
    with django_assert_num_queries(6):
        assert member.get(f"/assistants/{assistant.pk}/my-data/delete/").status_code == 200
    for hour in range(5):
        chat_turn(
            assistant, people["user"], timezone.now().replace(minute=0) - timedelta(hours=hour)
        )
    with django_assert_num_queries(6):
        page = member.get(f"/assistants/{assistant.pk}/my-data/delete/")
    assert "14 messages" in page.content.decode()
    creator = client_as(people["creator"])
    with django_assert_num_queries(6):
        assert (
            creator.get(
                f"/assistants/{assistant.pk}/api-keys/erase-person/?user=visitor-42"
            ).status_code
            == 200
        )


def test_the_look_up_form_opens_empty(people, client_as):
    response = client_as(people["creator"]).get(
        f"/assistants/{people['assistant'].pk}/api-keys/erase-person/"
    )
    assert response.status_code == 200
    assert "errorlist" not in response.content.decode()
