"""Access to the privacy URLs beyond the matrix of tests/test_access_matrix.py (where deleting
one's own data is "chat with it", erasing a person of the events API is the creator's, and
retention is editing the configuration): only one's own data, only this assistant's people,
the methods each URL refuses."""

import pytest

from assistants.models import Message


@pytest.mark.parametrize("role", ["creator", "editor"])
def test_deleting_my_data_erases_only_mine(people, client_as, member_data, role):
    """The creator and editors delete their own data, never the member's."""
    assistant = people["assistant"]
    client_as(people[role]).post(f"/assistants/{assistant.pk}/my-data/delete/")
    assert (
        Message.objects.filter(conversation__participant__user=people["user"])
        .exclude(content="")
        .count()
        == 4
    )
    mine = Message.objects.filter(conversation__participant__user=people[role])
    assert set(mine.values_list("content", flat=True)) <= {""}


def test_a_person_of_another_assistant_is_not_found(people, client_as, api_person):
    from tests.factories import AssistantFactory

    own = AssistantFactory(creator=people["other"])
    response = client_as(people["other"]).post(
        f"/assistants/{own.pk}/api-keys/erase-person/", {"user": "visitor-42"}
    )
    assert response.status_code == 400
    assert Message.objects.filter(content__startswith="Visitor").count() == 2


@pytest.mark.parametrize(
    "method, path",
    [
        ("put", "/assistants/{a}/my-data/delete/"),
        ("delete", "/assistants/{a}/api-keys/erase-person/"),
        ("get", "/assistants/{a}/settings/retention/"),
    ],
)
def test_other_methods_are_refused(people, client_as, method, path):
    response = getattr(client_as(people["creator"]), method)(path.format(a=people["assistant"].pk))
    assert response.status_code == 405
