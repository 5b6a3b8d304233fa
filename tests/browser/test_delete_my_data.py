import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistants import services
from feedback.models import Rating
from tests.browser.pages import sign_in
from tests.factories import PASSWORD, SHARING_ALL, chat_turn, rate

SECRET = "My passport number is X1234567"


@pytest.mark.django_db(transaction=True)
def test_a_user_deletes_their_data_and_the_creator_sees_it_gone(
    page, live_server, people, console_errors
):
    assistant = people["assistant"]
    now = timezone.now()
    conversation = services.start_conversation(
        assistant=assistant, user=people["user"], title=f"{SECRET}, can I fly?"
    )
    answer = chat_turn(
        assistant,
        people["user"],
        now - timedelta(hours=2),
        conversation=conversation,
        question=f"{SECRET}, can I fly?",
        answer="Yes, with passport X1234567.",
    )
    rate(
        assistant,
        answer,
        "negative",
        now - timedelta(hours=1),
        comment="Please forget X1234567",
        **SHARING_ALL,
    )
    shared_url = (
        f"{live_server.url}/assistants/{assistant.pk}/insights/shared-chats/"
        f"{Rating.objects.get().share_token}/"
    )

    # The member asks for their data to go, reads what goes and what stays, and confirms.
    sign_in(page, live_server, "member", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/chat/")
    expect(page.get_by_role("link", name=f"{SECRET}, can I fly?")).to_be_visible()
    page.get_by_role("link", name="Delete my data").click()
    expect(
        page.get_by_role("heading", name=f"Delete my data with {assistant.name}")
    ).to_be_visible()
    expect(page.locator(".erase-goes")).to_contain_text("2 messages")
    expect(page.locator(".erase-stays")).to_contain_text("The counts in Usage Insights")
    page.get_by_role("button", name="Delete my data").click()
    expect(page.locator(".flash")).to_contain_text(f"Your data with {assistant.name} is deleted")
    expect(page.locator(".chat-sidebar")).to_contain_text("Nothing yet")
    expect(page.locator("body")).not_to_contain_text("X1234567")

    # The creator's Feedback tab still counts the rating, without any of its text.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "creator", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/insights/feedback/")
    expect(page.get_by_test_id("negative-count")).to_have_text("1")
    item = page.get_by_test_id("negative-feedback").get_by_test_id("feedback-item").first
    expect(item).to_contain_text("Deleted by its author")
    expect(item).to_contain_text("Anonymous")
    expect(item.get_by_role("link", name="View shared chat")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("X1234567")
    expect(page.locator("body")).not_to_contain_text("Mia Member")

    # The CSV has the row, with empty cells where the text was.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text()
    assert "X1234567" not in text and "Mia" not in text
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["rating"] == "negative" and row["chat_shared"] == "no"
    assert row["comment"] == row["contact_name"] == row["rated_answer"] == ""

    assert console_errors == []

    # The shared chat is gone.
    response = page.goto(shared_url)
    assert response.status == 404
    assert "X1234567" not in page.content()
