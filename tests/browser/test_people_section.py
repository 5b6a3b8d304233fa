"""The People section in Chromium, on the demo data: its cards, its two charts drawn, the
funnel, the message bands and the most active people under pseudonyms; the source filter;
and at a phone's width a section that fits the screen."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from assistants.models import Assistant
from insights.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import PICTURES, sign_in

# Pictures to look at while working on the section (the README's go to PICTURES).
SHOTS = Path(os.environ.get("PEOPLE_SHOTS_DIR", "/tmp/people-shots"))


@pytest.fixture
def demo_assistant(transactional_db):
    call_command("seed_demo", "--days=45", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Assistant.objects.get(name="Travel Planner")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_people_section_shows_who_uses_it(
    page, live_server, demo_assistant, console_errors, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/insights/")
    for chart_id in ("chart-new-returning", "chart-dau-wau-mau"):
        page.locator(f"#{chart_id} .main-svg").first.wait_for()
    for card in ("card-active-users", "card-new-users", "card-messages-per-user"):
        expect(page.get_by_test_id(card)).to_be_visible()
    section = page.get_by_test_id("people-section")
    top = section.get_by_test_id("people-top")
    expect(top.get_by_role("rowheader").first).to_contain_text("Person ")
    expect(section.get_by_test_id("people-adoption")).to_contain_text("Regular")
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SHOTS / f"people-{width}.png"))
    if width == 1280:
        PICTURES.mkdir(exist_ok=True)
        section.screenshot(path=str(PICTURES / "people-section.png"))

    # Only the events API's visitors: the charts are drawn again for them.
    page.get_by_role("link", name="Events API").click()
    expect(page.get_by_role("link", name="Events API")).to_have_attribute("aria-current", "true")
    page.wait_for_url("**source=api**")
    page.wait_for_load_state("networkidle")
    page.locator("#chart-new-returning .main-svg").first.wait_for()
    expect(page.get_by_test_id("people-section")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"people-api-{width}.png"), full_page=True)
    assert console_errors == []
