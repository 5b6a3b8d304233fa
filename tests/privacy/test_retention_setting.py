"""Creators and editors set how long chat text is kept; it is versioned, but is not a
configuration change that Usage Insights marks or compares."""

import pytest

from assistants.models import Assistant
from assistants.versions import is_configuration_change


@pytest.mark.parametrize("role", ["creator", "editor"])
def test_a_manager_sets_and_clears_the_limit(people, client_as, role):
    assistant = people["assistant"]
    client = client_as(people[role])
    url = f"/assistants/{assistant.pk}/settings/retention/"
    page = client.get(f"/assistants/{assistant.pk}/settings/").content.decode()
    assert "Chat text is kept <strong>forever</strong>" in page

    response = client.post(url, {"retention_days": "30"}, follow=True)
    assert Assistant.objects.get(pk=assistant.pk).retention_days == 30
    page = response.content.decode()
    assert "older than <strong>30 days</strong> is erased" in page
    version = assistant.versions.order_by("-number").first()
    assert version.changed_fields == ["retention_days"] and version.retention_days == 30
    assert not is_configuration_change(version.changed_fields)

    client.post(url, {"retention_days": ""})
    assert Assistant.objects.get(pk=assistant.pk).retention_days is None


@pytest.mark.parametrize("value", ["0", "-3", "36501", "soon", "1.5"])
def test_a_bad_limit_is_a_form_error(people, client_as, value):
    assistant = people["assistant"]
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/settings/retention/", {"retention_days": value}
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert Assistant.objects.get(pk=assistant.pk).retention_days is None
    assert assistant.versions.count() == 1


def test_the_configuration_form_leaves_the_limit_alone(people, client_as):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    client.post(f"/assistants/{assistant.pk}/settings/retention/", {"retention_days": "90"})
    client.post(
        f"/assistants/{assistant.pk}/settings/",
        {
            "name": "Renamed",
            "description": "",
            "instructions": "Answer briefly.",
            "model": "offline",
            "time_zone": "UTC",
        },
    )
    saved = Assistant.objects.get(pk=assistant.pk)
    assert (saved.name, saved.retention_days) == ("Renamed", 90)
    assert assistant.versions.order_by("-number").first().changed_fields == ["name"]
