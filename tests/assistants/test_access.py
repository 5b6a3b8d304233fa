"""Access beyond the matrix of tests/test_access_matrix.py: unknown assistants and versions,
the list, the menu."""


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


def test_the_impact_page_of_a_version_that_does_not_exist_is_404_for_everyone(people, client_as):
    path = f"/assistants/{people['assistant'].pk}/insights/changes/9/"
    for role in ("creator", "editor", "user", "other"):
        assert client_as(people[role]).get(path).status_code == 404
    response = client_as(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
