"""Styled 403, 404 and 500 pages (SPEC §2): the app's layout, words, a link back."""

import re

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.factories import AssistantFactory


def _without_tokens(html: str) -> str:
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_404_is_styled_and_links_back(people, client_as):
    response = client_as(people["creator"]).get("/assistants/999999/")
    assert response.status_code == 404
    assert 'class="topbar"' in response.text
    assert "Page not found" in response.text
    assert 'href="/assistants/"' in response.text


def test_404_does_not_say_whether_the_assistant_exists(people, client_as):
    someone_elses = AssistantFactory()
    client = client_as(people["other"])
    hidden = client.get(f"/assistants/{someone_elses.pk}/insights/")
    missing = client.get(f"/assistants/{someone_elses.pk + 1000}/insights/")
    assert hidden.status_code == missing.status_code == 404
    assert _without_tokens(hidden.text) == _without_tokens(missing.text)
    assert someone_elses.name not in hidden.text


def test_403_keeps_its_message(people, client_as):
    response = client_as(people["editor"]).get(f"/assistants/{people['assistant'].pk}/share/")
    assert response.status_code == 403
    assert 'class="topbar"' in response.text
    assert "Only the creator of this assistant can do this." in response.text
    assert 'href="/assistants/"' in response.text


def test_500_renders_without_a_database_or_a_request_context():
    # No `db` fixture: any query would fail the test.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "/static/css/app" in html


@pytest.mark.parametrize("path", ["/assistants/999999/", "/no-such-page/"])
def test_404_for_a_signed_out_visitor_offers_to_sign_in(client, db, path):
    response = client.get(path)
    if response.status_code == 302:  # views that need an account send to the sign-in first
        assert response["Location"].startswith("/accounts/login/")
        return
    assert response.status_code == 404
    assert "Sign in" in response.text
