"""The reporting time zone's default, zones named next to every time, and field names as
people read them."""

import re

import pytest
from django.utils.html import strip_tags

from assistants import services
from tests.factories import UserFactory


def _selected_zone(html: str) -> str:
    select = re.search(r'<select name="time_zone".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)" selected>', select)[0]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_a_new_assistant_defaults_to_the_deployment_time_zone(db, client_as, settings, zone):
    settings.TIME_ZONE = zone
    response = client_as(UserFactory()).get("/assistants/new/")
    assert response.status_code == 200
    assert _selected_zone(response.text) == zone


@pytest.fixture
def tokyo_settings_page(people, client_as, settings):
    """The settings page of an assistant whose reporting zone was changed to Tokyo, on a
    deployment in UTC."""
    settings.TIME_ZONE = "UTC"
    assistant = people["assistant"]
    services.update_configuration(
        assistant=assistant, changed_by=people["creator"], time_zone="Asia/Tokyo"
    )
    return client_as(people["creator"]).get(f"/assistants/{assistant.pk}/settings/")


def test_editing_keeps_the_assistants_own_zone(tokyo_settings_page):
    assert _selected_zone(tokyo_settings_page.text) == "Asia/Tokyo"


def test_the_history_names_its_zone_and_fields_as_people_read_them(tokyo_settings_page):
    response = tokyo_settings_page
    history = re.search(r'<ol class="versions">.*?</ol>', response.text, re.S).group(0)
    text = " ".join(strip_tags(history).split())
    assert "changed reporting time zone" in text
    assert "time_zone" not in text
    times = re.findall(r"<time [^>]*>([^<]+)</time>", history)
    assert len(times) == 2
    assert all(time.endswith(" UTC") for time in times)
