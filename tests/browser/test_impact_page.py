"""A creator follows a change's marker on a chart to its impact page and widens the window."""

import pytest
from playwright.sync_api import expect

from insights.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import PICTURES, seed_demo, sign_in


@pytest.fixture
def demo_assistant(transactional_db):
    return seed_demo(days=60)


@pytest.mark.django_db(transaction=True)
def test_a_marker_leads_to_the_impact_page(page, live_server, demo_assistant, console_errors):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/insights/")
    marker = page.locator("#chart-active-users a", has_text="v2")
    marker.wait_for()
    # A real click where the marker is drawn (Playwright's own checks stop at the SVG
    # annotation's background box, which the browser itself lets the click through).
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(f"**/assistants/{demo_assistant.pk}/insights/changes/2/")
    expect(page.get_by_role("heading", name="Impact of version 2")).to_be_visible()
    expect(page.locator(".diff-added")).to_contain_text("Ask one clarifying question")
    # The answers' figures: the demo's change has a verdict for each.
    for key in ("failure_rate", "latency", "cost"):
        expect(page.locator(f'[data-figure-key="{key}"] .verdict')).not_to_have_text("")
    page.locator("#impact-overlay .main-svg").first.wait_for()
    PICTURES.mkdir(exist_ok=True)
    page.screenshot(path=str(PICTURES / "impact-page.png"), full_page=True)
    # On a phone the page fits the width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator("#impact-overlay .main-svg").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(PICTURES / "impact-page-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    # The demo's change has a clear effect on usage and ratings.
    expect(page.locator('[data-figure-key="active_users"] .verdict')).to_have_text("better")
    expect(page.locator('[data-figure-key="satisfaction"] .verdict')).to_have_text("better")

    page.get_by_role("link", name="7 days").click()
    page.wait_for_url("**/changes/2/?window=7")
    expect(page.get_by_test_id("sides")).to_contain_text("(7 days)")
    expect(page.locator('[aria-label="Days on each side"] .chip.active')).to_have_text("7 days")
    page.get_by_role("link", name="In-app chat").click()
    page.wait_for_url("**/changes/2/?window=7&source=app")
    expect(page.locator('[aria-label="Source"] .chip.active')).to_have_text("In-app chat")

    # The most recent change is too recent to judge, and says how long to wait.
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/insights/changes/3/")
    expect(page.locator('[data-figure-key="active_users"] .verdict')).to_have_text(
        "not enough data"
    )
    expect(page.locator('[data-figure-key="active_users"]')).to_contain_text("check back then")
    assert console_errors == []
