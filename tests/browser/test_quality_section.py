"""The Quality and cost section in Chromium, on the demo data: its cards, its four charts
drawn, its table per model, and on a phone a section that fits the screen; its picture at 1280 px
(`make screenshots` keeps it in docs/)."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import PICTURES, open_insights, seed_demo, wait_for_charts

CHARTS = ("chart-failed-replies", "chart-latency", "chart-tokens", "chart-cost")


@pytest.fixture
def demo_assistant(transactional_db):
    return seed_demo(days=30, assistant="HR Policy Helper")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_section_shows_quality_and_cost_by_model(
    page, live_server, demo_assistant, console_errors, width
):
    open_insights(page, live_server, demo_assistant, width=width)
    wait_for_charts(page, CHARTS)
    for card in ("card-failure-rate", "card-median-latency", "card-cost"):
        expect(page.get_by_test_id(card)).to_be_visible()
    models = page.get_by_test_id("quality-models")
    # The demo's configuration change moved it from gpt-4o to gpt-4o-mini.
    expect(models.get_by_role("rowheader", name="gpt-4o", exact=True)).to_be_visible()
    expect(models.get_by_role("rowheader", name="gpt-4o-mini")).to_be_visible()
    # The section fits the screen; its wide table scrolls inside it.
    section = page.get_by_test_id("quality-section")
    box = section.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert console_errors == []
    if width == 1280:
        PICTURES.mkdir(exist_ok=True)
        section.screenshot(path=str(PICTURES / "quality-section.png"))
