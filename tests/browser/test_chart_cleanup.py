"""Charts swapped out by htmx are purged: switching the timeframe again and again leaves as
many resize listeners on the window as one load of the tab."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.browser.pages import sign_in
from tests.factories import PASSWORD, chat_turn

# Counts the window's resize listeners as the page adds and removes them.
COUNT_RESIZE_LISTENERS = """
window.__resizeListeners = 0;
const add = window.addEventListener, remove = window.removeEventListener;
const live = new Set();
window.addEventListener = function (type, listener, options) {
  if (type === "resize" && !live.has(listener)) { live.add(listener); window.__resizeListeners++; }
  return add.call(this, type, listener, options);
};
window.removeEventListener = function (type, listener, options) {
  if (type === "resize" && live.delete(listener)) window.__resizeListeners--;
  return remove.call(this, type, listener, options);
};
"""


@pytest.mark.django_db(transaction=True)
def test_switching_the_timeframe_purges_the_charts_it_replaces(
    page, live_server, people, console_errors
):
    assistant = people["assistant"]
    chat_turn(assistant, people["user"], timezone.now() - timedelta(days=2))
    page.add_init_script(COUNT_RESIZE_LISTENERS)
    sign_in(page, live_server, "creator", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/insights/")
    charts = page.locator("[data-figure] .main-svg")
    charts.first.wait_for()
    after_one_load = page.evaluate("window.__resizeListeners")
    assert after_one_load > 0  # the charts are responsive: each listens

    for preset in ("Last 7 days", "Last 90 days", "Last 30 days", "Last 7 days"):
        page.get_by_role("link", name=preset).click()
        # The chip looks chosen at once; the panel is swapped when no request is left.
        page.wait_for_function(
            "name => document.querySelector('[aria-label=\"Timeframe\"] [aria-current]')"
            "?.textContent === name && !document.querySelector('.htmx-request')",
            arg=preset,
        )
        charts.first.wait_for()
    # Listeners that piled up would never come back down to one load's.
    page.wait_for_function("count => window.__resizeListeners === count", arg=after_one_load)
    assert console_errors == []
