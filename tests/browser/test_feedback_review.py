"""A team works through feedback in a real browser: a rater picks reasons, a manager
searches, filters, reviews, marks what is shown as reviewed and exports what the filters
show."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Rating
from tests.browser.pages import PICTURES, sign_in, wait_for_htmx
from tests.factories import PASSWORD, chat_turn, rate


@pytest.mark.django_db(transaction=True)
def test_reasons_search_review_and_export(page, live_server, people, console_errors):
    assistant = people["assistant"]
    for hours, comment in ((5, "Great, thanks"), (4, "The settings page moved")):
        answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(hours=hours))
        rate(assistant, answer, "negative", timezone.now() - timedelta(hours=hours - 1),
             comment=comment)  # fmt: skip

    # The member rates an answer down and picks reasons.
    sign_in(page, live_server, "member", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/")
    page.get_by_label("Message", exact=True).fill("Where do I change my e-mail address?")
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".msg-assistant").last
    expect(answer).to_contain_text("offline backend")
    answer.get_by_role("button", name="Thumbs down").click()
    expect(answer.get_by_role("status")).to_have_text("Thanks — your rating is saved.")
    answer.get_by_label("Incomplete").check()
    answer.get_by_label("Did not follow instructions").check()
    answer.get_by_label("Comment (optional)").fill("It never names the settings menu.")
    with page.expect_response("**/details/"):
        answer.get_by_role("button", name="Save").click()
    expect(answer.get_by_text("Saved.")).to_be_visible()
    expect(answer.get_by_label("Did not follow instructions")).to_be_checked()
    # Changed later: one reason less.
    answer.get_by_label("Did not follow instructions").uncheck()
    with page.expect_response("**/details/"):
        answer.get_by_role("button", name="Save").click()
    expect(answer.get_by_label("Did not follow instructions")).not_to_be_checked()
    expect(answer.get_by_label("Incomplete")).to_be_checked()
    rating = Rating.objects.get(question="Where do I change my e-mail address?")
    assert rating.reasons == ["Incomplete"]

    # The creator searches with the start of a word, then narrows by reason.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "creator", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/insights/feedback/")
    expect(page.get_by_test_id("new-count")).to_have_text("3")
    expect(page.locator("#reasons-chart .main-svg").first).to_be_attached()
    page.get_by_label("Search comments").fill("sett")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=sett*")
    wait_for_htmx(page)
    expect(page.get_by_test_id("negative-count")).to_have_text("2")
    items = page.get_by_test_id("negative-feedback").get_by_test_id("feedback-item")
    expect(items).to_have_count(2)
    page.locator("select[name=reason]").select_option("Incomplete")
    page.wait_for_url("**reason=Incomplete*")
    wait_for_htmx(page)
    expect(page.get_by_test_id("negative-count")).to_have_text("1")
    expect(items).to_have_count(1)
    item = items.first
    expect(item).to_contain_text("Where do I change my e-mail address?")
    expect(item.get_by_role("list", name="Reasons")).to_have_text("Incomplete")
    expect(item.get_by_test_id("version")).to_have_text("v1")

    # The filtered export has exactly the item shown, with its new columns.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert [(row["question"], row["reasons"], row["status"], row["version"]) for row in rows] == [
        ("Where do I change my e-mail address?", "Incomplete", "new", "1")
    ]

    # Review it: resolved, with a private note; who and when show at once.
    item.locator("summary", has_text="Review").click()
    item.get_by_label("Resolved").check()
    item.get_by_label("Private note").fill("Added the menu path to the instructions.")
    item.get_by_role("button", name="Save review").click()
    reviewed = page.locator(f"#feedback-{rating.pk}")
    expect(reviewed.get_by_role("status")).to_have_text("Review saved.")
    expect(reviewed.get_by_test_id("status")).to_have_text("Resolved")
    creator = people["creator"].get_full_name()
    expect(reviewed.locator("summary")).to_contain_text(f"resolved by {creator}")

    # The search with a review status: only the resolved match, and none new.
    page.locator("select[name=reason]").select_option("")
    page.wait_for_url(lambda url: "reason=Incomplete" not in url)
    wait_for_htmx(page)
    page.locator("select[name=status]").select_option("resolved")
    page.wait_for_url("**status=resolved*")
    wait_for_htmx(page)
    expect(page.get_by_test_id("negative-count")).to_have_text("1")
    expect(page.get_by_test_id("new-count")).to_have_text("0")
    expect(items).to_have_count(1)
    expect(page.locator("#reasons-chart .main-svg").first).to_be_attached()
    PICTURES.mkdir(exist_ok=True)
    for width in (1280, 390):
        # Loaded at that width, as a phone would.
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        page.locator("#reasons-chart .main-svg").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        name = "feedback-filtered.png" if width == 1280 else "feedback-filtered-390.png"
        page.screenshot(path=str(PICTURES / name), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Back to everything: mark the rest shown as reviewed.
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(lambda url: "q=" not in url)
    wait_for_htmx(page)
    expect(page.get_by_test_id("new-count")).to_have_text("2")
    page.get_by_role("button", name="Mark all shown as reviewed").click()
    expect(page.get_by_text("2 items marked as reviewed.")).to_be_visible()
    expect(page.get_by_test_id("new-count")).to_have_text("0")
    assert sorted(Rating.objects.values_list("status", flat=True)) == [
        "resolved",
        "reviewed",
        "reviewed",
    ]
    assert console_errors == []
