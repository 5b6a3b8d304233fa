import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistants import services
from tests.browser.pages import PICTURES, sign_in
from tests.factories import PASSWORD, UserFactory, chat_turn, rate

EARLIER = [
    # (hours ago, rating, comment, shared contact)
    (3, "positive", "Clear steps, worked first time.", ("Noah Williams", "noah@example.com")),
    (7, "positive", "", None),
    (20, "negative", "It sent me to a page that no longer exists.", None),
    (30, "positive", "Loved the short answer.", None),
    (50, "negative", "", ("Priya Patel", "priya@example.com")),
    (75, "positive", "Exactly what I needed, thanks!", None),
]


@pytest.fixture
def earlier_feedback(people):
    """Feedback given before the test, so the tab looks like a real week."""
    assistant = people["assistant"]
    services.update_configuration(
        assistant=assistant,
        changed_by=people["creator"],
        name="Help Desk",
        description="Answers questions about accounts and billing.",
    )
    others = [UserFactory() for _ in EARLIER]
    for person, (hours, value, comment, contact) in zip(others, EARLIER, strict=True):
        services.set_member_role(assistant=assistant, user=person, role="user")
        at = timezone.now() - timedelta(hours=hours)
        answer = chat_turn(
            assistant,
            person,
            at - timedelta(minutes=2),
            question="How do I download my invoices?",
            answer="Go to **Billing → Invoices** and choose *Download all*.",
        )
        details = {"comment": comment}
        if contact:
            details |= {
                "share_contact": True,
                "contact_name": contact[0],
                "contact_email": contact[1],
            }
        rate(assistant, answer, value, at, **details)
    return assistant


@pytest.mark.django_db(transaction=True)
def test_a_user_rates_an_answer_down_and_the_creator_reads_it(
    page, live_server, people, earlier_feedback, console_errors
):
    member = people["user"]
    member.first_name, member.last_name = "Mia", "Chen"
    member.save(update_fields=["first_name", "last_name"])
    assistant = earlier_feedback

    # The member chats.
    sign_in(page, live_server, "member", PASSWORD)
    page.get_by_role("link", name="Help Desk").click()
    composer = page.get_by_label("Message", exact=True)
    composer.fill("How do I change the e-mail address of my account?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".msg-assistant").last
    expect(answer).to_contain_text("offline backend")
    page.wait_for_url("**/chat/*/")
    # A second question continues the same conversation; Enter sends it.
    composer.fill("And where do I confirm the new address?")
    composer.press("Enter")
    expect(page.locator(".msg-assistant")).to_have_count(2)
    answer = page.locator(".msg-assistant").last
    expect(answer).to_contain_text("This is message 2 of our conversation.")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    expect(composer).to_have_value("")

    # Thumbs down, then a comment, contact details and the chat shared.
    answer.get_by_role("button", name="Thumbs down").click()
    expect(answer.get_by_role("status")).to_have_text("Thanks — your rating is saved.")
    expect(answer.get_by_role("button", name="Thumbs down")).to_have_attribute(
        "aria-pressed", "true"
    )
    answer.get_by_label("Comment (optional)").fill("It never says where the e-mail setting is.")
    answer.get_by_label("Share my name and e-mail").check()
    expect(answer.get_by_role("textbox", name="Name")).to_have_value("Mia Chen")
    expect(answer.get_by_role("textbox", name="E-mail")).to_have_value("member@example.com")
    answer.get_by_label("Share this chat with the people who manage this assistant").check()
    expect(answer.locator(".audience")).to_contain_text("(creator)")
    answer.get_by_role("button", name="Save").click()
    expect(answer.get_by_text("Saved.")).to_be_visible()
    expect(answer.get_by_role("button", name="Stop sharing this chat")).to_be_visible()

    # The creator opens the Feedback tab.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "creator", PASSWORD)
    page.get_by_role("link", name="Help Desk").click()
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="Usage Insights").click()
    page.locator("#chart-satisfaction .main-svg").first.wait_for()
    page.get_by_role("tab", name="Feedback").click()
    page.wait_for_url("**/insights/feedback/?start=*")
    negative = page.get_by_test_id("negative-feedback")
    newest = negative.get_by_test_id("feedback-item").first
    expect(newest).to_contain_text("It never says where the e-mail setting is.")
    expect(newest.get_by_test_id("contact")).to_contain_text("Mia Chen")
    expect(newest.get_by_test_id("contact")).to_contain_text("member@example.com")
    expect(page.get_by_test_id("negative-count")).to_have_text("3")
    expect(page.get_by_test_id("positive-count")).to_have_text("4")
    expect(page.get_by_test_id("positive-feedback")).not_to_contain_text("Mia Chen")

    page.set_viewport_size({"width": 1280, "height": 1100})
    PICTURES.mkdir(exist_ok=True)
    page.screenshot(path=str(PICTURES / "feedback-tab.png"), full_page=True)

    # The shared chat, read-only.
    newest.get_by_role("link", name="View shared chat").click()
    expect(page.get_by_role("heading", name="Shared chat")).to_be_visible()
    expect(page.locator(".chat-thread")).to_contain_text(
        "How do I change the e-mail address of my account?"
    )
    expect(page.locator(".msg-rated")).to_contain_text("offline backend")
    assert page.locator(".chat-thread textarea, .chat-thread form").count() == 0
    shared_url = page.url
    page.go_back()
    page.wait_for_url("**/insights/feedback/**")

    # Export CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert "help-desk-feedback-" in download.suggested_filename
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == 7
    assert rows[0]["rating"] == "negative"
    assert rows[0]["comment"] == "It never says where the e-mail setting is."
    assert rows[0]["contact_name"] == "Mia Chen" and rows[0]["chat_shared"] == "yes"
    assert rows[0]["shared_chat_url"] == shared_url
    assert console_errors == []

    # An outsider learns nothing.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "outsider", PASSWORD)
    for url in (shared_url, f"{live_server.url}/assistants/{assistant.pk}/insights/feedback/"):
        response = page.goto(url)
        assert response.status == 404
