"""The People section in Chromium, on the demo data: its cards, its two charts drawn, the
funnel, the message bands and the most active people under pseudonyms; the source filter;
and at a phone's width a section that fits the screen."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PICTURES, open_insights, seed_demo, wait_for_charts

# Pictures to look at while working on the section (the README's go to PICTURES).
SHOTS = Path(os.environ.get("PEOPLE_SHOTS_DIR", "/tmp/people-shots"))


@pytest.fixture
def demo_assistant(transactional_db):
    return seed_demo(days=45)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_people_section_shows_who_uses_it(
    page, live_server, demo_assistant, console_errors, width
):
    open_insights(page, live_server, demo_assistant, width=width)
    wait_for_charts(page, ("chart-new-returning", "chart-dau-wau-mau"))
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
