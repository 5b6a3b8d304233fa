"""Admins see every model through Django admin; event tables are read-only there."""

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.contrib import admin

from assistants import services
from tests.factories import AssistantFactory, UserFactory, add_messages


@pytest.fixture
def admin_client_with_data(client, db):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    assistant = AssistantFactory()
    conversation = services.start_conversation(assistant=assistant, user=UserFactory())
    add_messages(assistant, conversation, ("user", datetime(2026, 1, 1, tzinfo=UTC)))
    client.force_login(admin_user)
    return client


def _registered_models():
    return [model for model in apps.get_models() if admin.site.is_registered(model)]


def test_every_model_of_the_app_is_in_admin():
    ours = {"assistants", "feedback"}
    missing = [
        model.__name__
        for model in apps.get_models()
        if model._meta.app_label in ours and not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.mark.parametrize("model", _registered_models(), ids=lambda model: model._meta.label)
def test_admin_lists_and_searches_every_model(admin_client_with_data, model):
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert admin_client_with_data.get(url).status_code == 200
    assert admin_client_with_data.get(url + "?q=1").status_code == 200


def test_messages_are_read_only_in_admin(admin_client_with_data):
    from assistants.models import Message

    message = Message.objects.get()
    page = admin_client_with_data.get(f"/admin/assistants/message/{message.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert admin_client_with_data.get("/admin/assistants/message/add/").status_code == 403


def test_the_assistant_admin_page_links_to_its_members_instead_of_listing_them(client, db):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    crowd = [UserFactory() for _ in range(40)]
    assistant = AssistantFactory(users=crowd)
    other = AssistantFactory(users=[UserFactory()])
    client.force_login(admin_user)

    page = client.get(f"/admin/assistants/assistant/{assistant.pk}/change/")
    assert page.status_code == 200
    assert "memberships-TOTAL_FORMS" not in page.text
    link = f"/admin/assistants/membership/?assistant__id__exact={assistant.pk}"
    assert f'href="{link}"' in page.text
    assert "40 members" in page.text

    members = client.get(link)
    assert members.status_code == 200
    assert f"{len(crowd)} memberships" in members.text
    assert str(other) not in members.text
