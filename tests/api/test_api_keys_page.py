"""The creator's API keys page and create_api_key (who may reach it: test_access_matrix.py)."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assistants import services
from assistants.models import ApiKey


def test_a_new_key_is_shown_once_with_a_copy_button_and_stored_hashed(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    response = client.post(
        f"/assistants/{assistant.pk}/api-keys/", {"name": "Support widget"}, follow=True
    )
    assert response.redirect_chain == [(f"/assistants/{assistant.pk}/api-keys/", 302)]
    page = response.content.decode()
    key = re.search(r'id="new-api-key" value="([^"]+)"', page).group(1)
    assert 'data-copy="#new-api-key"' in page
    assert "no-store" in response["Cache-Control"]
    stored = ApiKey.objects.get(assistant=assistant)
    assert key.startswith(stored.prefix)
    assert key not in str(list(ApiKey.objects.values_list()))
    assert services.authenticate_api_key(key) == stored
    # Shown once: the page never shows it again.
    assert key not in client.get(f"/assistants/{assistant.pk}/api-keys/").content.decode()


def test_the_list_shows_name_created_last_used_and_revoked(people, client_as):
    assistant = people["assistant"]
    used, used_key = services.create_api_key(
        assistant=assistant, name="Used key", created_by=people["creator"]
    )
    revoked, _ = services.create_api_key(assistant=assistant, name="Old key", created_by=None)
    services.authenticate_api_key(used_key)
    services.revoke_api_key(assistant=assistant, key_id=revoked.pk)
    with_queries = client_as(people["creator"])
    page = with_queries.get(f"/assistants/{assistant.pk}/api-keys/").content.decode()
    assert "Used key" in page and "Old key" in page
    assert used.prefix in page
    assert "never" not in page.split("Used key")[1].split("</tr>")[0]
    assert "Revoked" in page.split("Old key")[1].split("</tr>")[0]
    assert "Revoke Used key" in page and "Revoke Old key" not in page


def test_the_page_costs_the_same_with_many_keys(people, client_as, django_assert_max_num_queries):
    assistant = people["assistant"]
    for number in range(20):
        services.create_api_key(
            assistant=assistant, name=f"Key {number}", created_by=people["creator"]
        )
    client = client_as(people["creator"])
    with django_assert_max_num_queries(8):
        response = client.get(f"/assistants/{assistant.pk}/api-keys/")
    assert response.content.decode().count("Revoke Key") == 20


def test_revoking_a_key_refuses_it_at_once(people, client_as, client):
    assistant = people["assistant"]
    api_key, key = services.create_api_key(assistant=assistant, name="Widget", created_by=None)
    assert services.authenticate_api_key(key) is not None
    client_as(people["creator"]).post(f"/assistants/{assistant.pk}/api-keys/{api_key.pk}/revoke/")
    assert services.authenticate_api_key(key) is None


def test_a_key_of_another_assistant_cannot_be_revoked_through_this_one(people, client_as):
    from tests.factories import AssistantFactory

    other = AssistantFactory(creator=people["creator"])
    api_key, key = services.create_api_key(assistant=other, name="Widget", created_by=None)
    client_as(people["creator"]).post(
        f"/assistants/{people['assistant'].pk}/api-keys/{api_key.pk}/revoke/"
    )
    assert services.authenticate_api_key(key) is not None


def test_only_the_creator_sees_the_menu_item_and_the_share_page_links_it(people, client_as):
    assistant = people["assistant"]
    url = f"/assistants/{assistant.pk}/api-keys/"
    assert url in client_as(people["creator"]).get(f"/assistants/{assistant.pk}/").content.decode()
    assert (
        url not in client_as(people["editor"]).get(f"/assistants/{assistant.pk}/").content.decode()
    )
    share = client_as(people["creator"]).get(f"/assistants/{assistant.pk}/share/")
    assert url in share.content.decode()


def test_create_api_key_command_prints_a_working_key(people):
    assistant = people["assistant"]
    out = StringIO()
    call_command("create_api_key", str(assistant.pk), "--name", "Widget", stdout=out)
    key = out.getvalue().strip()
    api_key = services.authenticate_api_key(key)
    assert api_key.assistant == assistant
    assert api_key.name == "Widget"


def test_create_api_key_command_refuses_an_unknown_assistant(db):
    with pytest.raises(CommandError, match="No assistant"):
        call_command("create_api_key", "999999", stdout=StringIO())


@pytest.mark.parametrize(
    "text",
    ["", "Bearer", "ui_1_", "ui_x_abc", "ui_99999999999999999999999_abc", "ui_1_" + "a" * 43, "é"],
)
def test_malformed_or_unknown_keys_are_refused(people, text):
    assert services.authenticate_api_key(text) is None
