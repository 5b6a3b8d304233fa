from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistants import services
from tests.browser.pages import sign_in
from tests.factories import PASSWORD, add_messages

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def busy_assistant(people):
    assistant = people["assistant"]
    now = timezone.now()
    for days_ago in range(0, 20, 2):
        conversation = services.start_conversation(assistant=assistant, user=people["user"])
        moment = now - timedelta(days=days_ago, hours=1)
        add_messages(
            assistant,
            conversation,
            ("user", moment),
            ("assistant", moment + timedelta(seconds=5)),
        )
    services.update_configuration(
        assistant=assistant, changed_by=people["creator"], instructions="Answer kindly."
    )
    return assistant


@pytest.mark.django_db(transaction=True)
def test_creator_opens_usage_insights_and_exports(
    page, live_server, people, busy_assistant, console_errors
):
    sign_in(page, live_server, "creator", PASSWORD)
    page.get_by_role("link", name=busy_assistant.name).click()
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Usage Insights").click()

    for chart_id in ("chart-active-users", "chart-conversations", "chart-messages"):
        page.locator(f"#{chart_id} .main-svg").first.wait_for()
    assert page.get_by_test_id("total-messages").inner_text() == "20"
    page.set_viewport_size({"width": 1280, "height": 1400})
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "analytics-tab.png"), full_page=True)

    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**/insights/?start=*")
    expect(page.locator(".chip.active")).to_have_text("Last 7 days")
    page.locator("#chart-messages .main-svg").first.wait_for()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    lines = Path(download_info.value.path()).read_text().splitlines()
    assert lines[0].startswith("date,active_users,conversations,messages")
    assert len(lines) == 1 + 7

    page.go_back()
    page.wait_for_url("**/insights/")
    expect(page.locator(".chip.active")).to_have_text("Last 30 days")
    page.locator("#chart-active-users .main-svg").first.wait_for()
    assert console_errors == []
