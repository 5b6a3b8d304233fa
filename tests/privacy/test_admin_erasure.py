"""Admins erase any person's text: on one assistant (Participant admin) or on every
assistant at once (User admin), after a confirmation page."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from assistants.models import Message, Participant
from feedback.models import Rating
from tests.factories import AssistantFactory, UserFactory, chat_turn
from tests.privacy.conftest import COMMENT, QUESTION
from tests.privacy.helpers import counter_rows


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_an_admin_erases_a_person_on_one_assistant(admin_client, people, member_data):
    assistant = member_data["assistant"]
    participant = member_data["first"].conversation.participant
    before = counter_rows(assistant)
    url = "/admin/assistants/participant/"
    data = {"action": "erase_text", ACTION_CHECKBOX_NAME: [participant.pk]}

    confirm = admin_client.post(url, data)
    assert confirm.status_code == 200
    assert "Yes, erase their text" in confirm.content.decode()
    assert Message.objects.filter(content=QUESTION).exists()

    done = admin_client.post(url, data | {"confirmed": "yes"}, follow=True)
    assert "erased 4 messages" in done.content.decode()
    assert not Message.objects.filter(conversation__participant=participant).exclude(content="")
    assert not Rating.objects.filter(comment=COMMENT).exists()
    assert counter_rows(assistant) == before
    assert Rating.objects.get(message=member_data["kept"]).comment == "Editor's comment"


def test_an_admin_erases_a_person_on_every_assistant(admin_client, people, member_data):
    from django.utils import timezone

    other = AssistantFactory(users=[people["user"]])
    chat_turn(other, people["user"], timezone.now(), question="Elsewhere")
    url = "/admin/auth/user/"
    data = {"action": "erase_text_everywhere", ACTION_CHECKBOX_NAME: [people["user"].pk]}
    assert "on every assistant" in admin_client.post(url, data).content.decode()
    done = admin_client.post(url, data | {"confirmed": "yes"}, follow=True)
    assert "erased on 2 assistant(s)" in done.content.decode()
    assert not Message.objects.filter(conversation__participant__user=people["user"]).exclude(
        content=""
    )
    assert Participant.objects.filter(user=people["user"]).count() == 2


def test_staff_who_may_only_read_participants_cannot_erase(client, people, member_data):
    from django.contrib.auth.models import Permission

    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_participant"))
    client.force_login(reader)
    participant = member_data["first"].conversation.participant
    listing = client.get("/admin/assistants/participant/")
    assert listing.status_code == 200 and "erase_text" not in listing.content.decode()
    client.post(
        "/admin/assistants/participant/",
        {"action": "erase_text", ACTION_CHECKBOX_NAME: [participant.pk], "confirmed": "yes"},
    )
    assert Message.objects.filter(content=QUESTION).exists()
