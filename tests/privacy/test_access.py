"""SPEC §2 for the privacy URLs: deleting one's own data is "chat with it"; erasing a person
of the events API is the creator's; retention is editing the configuration. A refused write
changes nothing."""

import pytest

from assistants.models import Assistant, Message
from feedback.models import Rating
from tests.privacy.helpers import counter_rows

ROLES = ["creator", "editor", "user", "other", "anonymous"]
USE = {"creator": 200, "editor": 200, "user": 200, "other": 404, "anonymous": "login"}
MANAGE = {"creator": 200, "editor": 200, "user": 404, "other": 404, "anonymous": "login"}
SHARE = {"creator": 200, "editor": 403, "user": 404, "other": 404, "anonymous": "login"}


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif expected == 200:
        # A write that is allowed answers with a redirect back to where it came from.
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == expected


def text_of(assistant):
    return (
        sorted(Message.objects.filter(assistant=assistant).values_list("pk", "content")),
        sorted(
            Rating.objects.filter(assistant=assistant).values_list(
                "pk", "comment", "answer", "contact_name", "share_token"
            )
        ),
        Assistant.objects.filter(pk=assistant.pk).values_list("retention_days", flat=True)[0],
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method, path, data, table",
    [
        ("get", "/assistants/{a}/my-data/delete/", None, USE),
        ("post", "/assistants/{a}/my-data/delete/", {}, USE),
        ("get", "/assistants/{a}/api-keys/erase-person/?user=visitor-42", None, SHARE),
        ("post", "/assistants/{a}/api-keys/erase-person/", {"user": "visitor-42"}, SHARE),
        ("post", "/assistants/{a}/settings/retention/", {"retention_days": "30"}, MANAGE),
        ("get", "/assistants/{a}/settings/", None, MANAGE),
    ],
)
def test_privacy_urls_follow_the_access_table(
    people, client_as, member_data, api_person, role, method, path, data, table
):
    assistant = people["assistant"]
    before = (text_of(assistant), counter_rows(assistant))
    client = client_as(people[role])
    url = path.format(a=assistant.pk)
    response = client.get(url) if method == "get" else client.post(url, data)
    assert_status(response, table[role])
    if method == "post" and table[role] != 200:
        assert (text_of(assistant), counter_rows(assistant)) == before


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
