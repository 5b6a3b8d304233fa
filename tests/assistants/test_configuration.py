from datetime import UTC, datetime

import pytest

from assistants import services
from assistants.models import DailyUsage, Membership
from tests.factories import AssistantFactory, UserFactory, add_messages


def _form(assistant, **changes):
    data = {
        "name": assistant.name,
        "description": assistant.description,
        "instructions": assistant.instructions,
        "model": assistant.model,
        "time_zone": assistant.time_zone,
    }
    return data | changes


def test_each_change_is_a_new_version_with_who_and_what(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["editor"])
    response = client.post(
        f"/assistants/{assistant.pk}/settings/", _form(assistant, instructions="Be kind.")
    )
    assert response.status_code == 302
    version = assistant.versions.order_by("-number").first()
    assert version.number == 2
    assert version.instructions == "Be kind."
    assert version.changed_fields == ["instructions"]
    assert version.changed_by == people["editor"]


def test_saving_without_changes_keeps_a_single_version(people, client_as):
    assistant = people["assistant"]
    client_as(people["creator"]).post(f"/assistants/{assistant.pk}/settings/", _form(assistant))
    assert assistant.versions.count() == 1


def test_unknown_time_zone_is_a_form_error(people, client_as):
    assistant = people["assistant"]
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/settings/", _form(assistant, time_zone="Mars/Olympus")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert assistant.versions.count() == 1


def test_changing_the_time_zone_moves_events_to_their_new_days(db):
    assistant = AssistantFactory(time_zone="UTC")
    someone = UserFactory()
    conversation = services.start_conversation(assistant=assistant, user=someone)
    # 23:30 UTC on Mar 1 is 08:30 on Mar 2 in Tokyo.
    add_messages(assistant, conversation, ("user", datetime(2026, 3, 1, 23, 30, tzinfo=UTC)))
    assert list(DailyUsage.objects.values_list("day", flat=True)) == [datetime(2026, 3, 1).date()]

    services.update_configuration(
        assistant=assistant, changed_by=assistant.creator, time_zone="Asia/Tokyo"
    )
    assert list(DailyUsage.objects.values_list("day", flat=True)) == [datetime(2026, 3, 2).date()]


def test_creator_adds_and_removes_members(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    client.post(
        f"/assistants/{assistant.pk}/share/", {"person": "outsider@example.com", "role": "editor"}
    )
    assert Membership.objects.get(assistant=assistant, user=people["other"]).role == "editor"
    client.post(f"/assistants/{assistant.pk}/share/{people['other'].pk}/remove/")
    assert not Membership.objects.filter(assistant=assistant, user=people["other"]).exists()
    assert client_as(people["other"]).get(f"/assistants/{assistant.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("person", "error"),
    [
        ("nobody-here", "No single account has that username or e-mail."),
        ("creator", "That is the creator, who already has every right."),
    ],
)
def test_share_form_explains_bad_input(people, client_as, person, error):
    assistant = people["assistant"]
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/share/", {"person": person, "role": "user"}
    )
    assert response.status_code == 200
    assert error in response.text
