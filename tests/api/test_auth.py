"""Who may send events: an active key of the assistant, and nothing else."""

import pytest

from assistants import services
from assistants.models import ApiKey, Message
from tests.api.conftest import message
from tests.factories import AssistantFactory


def _assert_unauthorized(response):
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "API key" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Message.objects.exists()


def test_a_missing_key_is_401(post):
    _assert_unauthorized(post([message("m1")], key=None))


@pytest.mark.parametrize(
    "header",
    ["Bearer ui_1_wrong", "Bearer", "Basic dXNlcjpwYXNz", "ui_1_wrong", "Bearer  ", "Token abc"],
)
def test_a_wrong_key_is_401(client, header, db):
    response = client.post(
        "/api/v1/events", {"events": [message("m1")]}, "application/json", HTTP_AUTHORIZATION=header
    )
    _assert_unauthorized(response)


def test_a_key_whose_secret_is_changed_is_401(post, api_key):
    _assert_unauthorized(
        post([message("m1")], key=api_key[:-1] + ("A" if api_key[-1] != "A" else "B"))
    )


def test_a_revoked_key_is_401_at_once(post, assistant, api_key):
    assert post([message("m1")]).status_code == 200
    services.revoke_api_key(assistant=assistant, key_id=ApiKey.objects.get().pk)
    response = post([message("m2")])
    assert response.status_code == 401
    assert list(Message.objects.values_list("external_id", flat=True)) == ["m1"]


def test_a_key_of_assistant_a_never_writes_to_assistant_b(post, assistant, api_key):
    other = AssistantFactory()
    _, other_key = services.create_api_key(assistant=other, name="B", created_by=None)
    # The key names its assistant; pointing it at another one makes it unknown.
    forged = other_key.replace(f"ui_{other.pk}_", f"ui_{assistant.pk}_")
    assert post([message("m1")], key=forged).status_code == 401
    assert post([message("m1", conversation="shared")], key=other_key).status_code == 200
    assert post([message("m1", conversation="shared")]).json()["accepted"] == 1
    assert Message.objects.filter(assistant=other).count() == 1
    assert Message.objects.filter(assistant=assistant).count() == 1
    # Same sender ids, two assistants: two conversations, two people.
    mine = Message.objects.get(assistant=assistant)
    theirs = Message.objects.get(assistant=other)
    assert mine.conversation_id != theirs.conversation_id
    assert mine.conversation.assistant == assistant
    assert mine.conversation.participant.assistant == assistant
    assert theirs.conversation.participant_id != mine.conversation.participant_id


def test_a_used_key_notes_when(post, api_key):
    assert ApiKey.objects.get().last_used_at is None
    post([message("m1")])
    assert ApiKey.objects.get().last_used_at is not None
