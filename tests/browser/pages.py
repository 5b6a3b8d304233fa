"""Steps that several browser tests take, and where their pictures go."""

import io
import os
from pathlib import Path

from django.core.management import call_command

from assistants.models import Assistant
from insights.management.commands.seed_demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# The git-ignored test-results/ by default, so that running the tests changes no tracked
# file; `make screenshots` points it at docs/ to refresh the README's pictures.
PICTURES = ROOT / os.environ.get("SCREENSHOTS_DIR", "test-results")


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Assistants").wait_for()


def seed_demo(*, days: int, assistant: str = "Travel Planner") -> Assistant:
    """The demo data (`manage.py seed_demo`) over the last `days` days; returns the demo
    assistant of that name."""
    call_command("seed_demo", f"--days={days}", stdout=io.StringIO())
    return Assistant.objects.get(name=assistant)


def open_insights(page, live_server, assistant: Assistant, *, width: int = 1280) -> None:
    """Usage Insights of `assistant` as the demo's creator, in a window `width` px wide."""
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/insights/")


def wait_for_charts(page, chart_ids) -> None:
    """Until Plotly has drawn each of these charts."""
    for chart_id in chart_ids:
        page.locator(f"#{chart_id} .main-svg").first.wait_for()


def wait_for_htmx(page) -> None:
    """Until htmx has sent, swapped and settled everything: a form it swaps in reacts to a
    change only once it has settled, a moment after the address bar shows its URL."""
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
