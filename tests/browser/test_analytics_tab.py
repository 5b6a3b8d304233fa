from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from assistants.models import UsageTotals
from assistants.timeframe import today_in
from insights.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import PICTURES, seed_demo, sign_in, wait_for_charts

CHARTS = ("chart-active-users", "chart-conversations", "chart-messages", "chart-satisfaction")


@pytest.fixture
def demo_assistant(transactional_db):
    return seed_demo(days=60)


@pytest.mark.django_db(transaction=True)
def test_creator_opens_usage_insights_and_exports(
    page, live_server, demo_assistant, console_errors
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.get_by_role("link", name="Travel Planner").click()
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Usage Insights").click()

    wait_for_charts(page, CHARTS)
    totals = UsageTotals.objects.get(assistant=demo_assistant)
    expect(page.get_by_test_id("total-messages")).to_have_text(f"{totals.messages:,}")
    expect(
        page.get_by_role("heading", name="Before and after configuration changes")
    ).to_be_visible()
    PICTURES.mkdir(exist_ok=True)
    page.screenshot(path=str(PICTURES / "analytics-tab.png"), full_page=True)

    # A preset swaps the panel and pushes its URL.
    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**/insights/?start=*")
    expect(page.locator('[aria-label="Timeframe"] .chip.active')).to_have_text("Last 7 days")
    page.locator("#chart-messages .main-svg").first.wait_for()

    # A custom range too.
    today = today_in(demo_assistant.tzinfo)
    start = today - timedelta(days=13)
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("to", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**/insights/?start={start.isoformat()}&end={today.isoformat()}")
    expect(page.locator(".range-note")).to_contain_text("14 days")
    custom_url = page.url

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"travel-planner-analytics-{start}-to-{today}.csv"
    lines = Path(download.path()).read_text().splitlines()
    assert lines[0].startswith("date,active_users,conversations,messages")
    assert len(lines) == 1 + 14

    # Back goes to the previous timeframe, then to the default one.
    page.go_back()
    expect(page.locator('[aria-label="Timeframe"] .chip.active')).to_have_text("Last 7 days")
    page.go_back()
    expect(page.locator('[aria-label="Timeframe"] .chip.active')).to_have_text("Last 30 days")
    page.locator("#chart-active-users .main-svg").first.wait_for()

    # Loading a shared URL shows the same view.
    page.goto(custom_url)
    expect(page.locator(".range-note")).to_contain_text("14 days")
    page.locator("#chart-active-users .main-svg").first.wait_for()
    assert console_errors == []
