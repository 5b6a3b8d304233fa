"""Every page works under the Content-Security-Policy: no violation, charts and htmx alive.

The `no_csp_violations` fixture (conftest) fails the test on any violation; this test opens
every kind of page, as the creator of the demo assistant and as an admin.
"""

import pytest
from django.urls import reverse

from assistants.models import Conversation
from feedback.models import Rating
from insights.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import seed_demo, sign_in


@pytest.fixture
def demo(transactional_db):
    assistant = seed_demo(days=14)
    shared = Rating.objects.filter(message__conversation__assistant=assistant).exclude(
        share_token=None
    )
    return {
        "assistant": assistant,
        "conversation": Conversation.objects.filter(
            assistant=assistant, participant__user__username="creator"
        ).first(),
        "share_token": shared.values_list("share_token", flat=True).first(),
    }


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_content_security_policy(
    page, live_server, demo, console_errors, no_csp_violations
):
    assistant = demo["assistant"]
    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    sign_in(page, live_server, "creator", DEMO_PASSWORD)

    page.goto(live_server.url + reverse("insights:analytics", args=[assistant.pk]))
    page.locator("#chart-active-users .main-svg").first.wait_for()
    # htmx still swaps the panel (its script is ours; no eval needed).
    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**/insights/?start=*")
    page.locator("#chart-messages .main-svg").first.wait_for()

    pages = [
        reverse("assistants:list"),
        reverse("assistants:detail", args=[assistant.pk]),
        reverse("assistants:chat", args=[assistant.pk]),
        reverse("assistants:settings", args=[assistant.pk]),
        reverse("assistants:share", args=[assistant.pk]),
        reverse("insights:feedback", args=[assistant.pk]),
        reverse("api_keys:list", args=[assistant.pk]),
        reverse("api-docs"),
    ]
    if demo["conversation"] is not None:
        pages.append(
            reverse("assistants:conversation", args=[assistant.pk, demo["conversation"].pk])
        )
    if demo["share_token"] is not None:
        pages.append(reverse("insights:shared_chat", args=[assistant.pk, demo["share_token"]]))
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "content-security-policy" in response.headers, path
        page.wait_for_load_state("load")

    assert console_errors == []

    # Django admin too, as staff (its pages ask for /favicon.ico, a 404 logged as an error).
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin-csp", "admin@example.com", "s3cret-pass!")
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("admin-csp")
    page.get_by_label("Password").fill("s3cret-pass!")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Site administration").wait_for()
    page.goto(f"{live_server.url}/admin/assistants/assistant/")
    page.wait_for_load_state("load")
    assert no_csp_violations == []
