"""SPEC §2, cell by cell, for every URL of the assistant pages and the Analytics tab."""

import pytest

ALLOWED = 200
LOGIN = "login"

# (url pattern, method, expected status for creator, editor, user, other, anonymous)
ACCESS_TABLE = [
    ("/assistants/{id}/", "get", ALLOWED, ALLOWED, ALLOWED, 404, LOGIN),
    ("/assistants/{id}/settings/", "get", ALLOWED, ALLOWED, 404, 404, LOGIN),
    ("/assistants/{id}/settings/", "post", 302, 302, 404, 404, LOGIN),
    ("/assistants/{id}/share/", "get", ALLOWED, 403, 404, 404, LOGIN),
    ("/assistants/{id}/share/", "post", 302, 403, 404, 404, LOGIN),
    ("/assistants/{id}/share/{member_id}/remove/", "post", 302, 403, 404, 404, LOGIN),
    ("/assistants/{id}/insights/", "get", ALLOWED, ALLOWED, 404, 404, LOGIN),
    ("/assistants/{id}/insights/analytics.csv", "get", ALLOWED, ALLOWED, 404, 404, LOGIN),
    ("/assistants/{id}/insights/changes/1/", "get", ALLOWED, ALLOWED, 404, 404, LOGIN),
    ("/assistants/{id}/insights/changes/1/?window=28", "get", ALLOWED, ALLOWED, 404, 404, LOGIN),
    ("/assistants/{id}/insights/changes/9/", "get", 404, 404, 404, 404, LOGIN),
]
ROLES = ["creator", "editor", "user", "other", "anonymous"]


def _cases():
    for url, method, *expected in ACCESS_TABLE:
        for role, status in zip(ROLES, expected, strict=True):
            yield pytest.param(url, method, role, status, id=f"{method} {url} as {role}")


def _post_data(url: str) -> dict:
    if url.endswith("/settings/"):
        return {
            "name": "Renamed",
            "description": "",
            "instructions": "Be brief.",
            "model": "offline",
            "time_zone": "UTC",
        }
    if url.endswith("/share/"):
        return {"person": "outsider", "role": "user"}
    return {}


@pytest.mark.parametrize(("url", "method", "role", "expected"), list(_cases()))
def test_access_table(people, client_as, url, method, role, expected):
    assistant = people["assistant"]
    path = url.format(id=assistant.pk, member_id=people["user"].pk)
    client = client_as(people[role])
    data = _post_data(url) if method == "post" else {}
    response = getattr(client, method)(path, data)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected


def test_an_unknown_assistant_is_404_for_everyone_signed_in(people, client_as):
    response = client_as(people["creator"]).get("/assistants/999999/insights/")
    assert response.status_code == 404


def test_the_list_shows_only_reachable_assistants(people, client_as):
    from tests.factories import AssistantFactory

    AssistantFactory(creator=people["other"], name="Private notes")
    response = client_as(people["user"]).get("/assistants/")
    assert people["assistant"].name in response.text
    assert "Private notes" not in response.text


def test_more_options_menu_is_shown_to_managers_only(people, client_as):
    assistant = people["assistant"]
    insights_url = f"/assistants/{assistant.pk}/insights/"
    assert insights_url in client_as(people["editor"]).get(f"/assistants/{assistant.pk}/").text
    assert insights_url not in client_as(people["user"]).get(f"/assistants/{assistant.pk}/").text
