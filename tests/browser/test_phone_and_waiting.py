"""At a phone's width nothing scrolls sideways; while an htmx answer is on its way the page
says so; after a swap the new panel's heading has the focus; error and empty pages speak in
words. Debian's Chromium, real server, real database."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assistants import services
from insights.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.pages import PICTURES, seed_demo, sign_in
from tests.factories import PASSWORD, AssistantFactory, UserFactory, chat_turn

PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/phone")
LONG_TITLE = "What should I pack for a week of hiking in the Scottish Highlands in late October?"


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _shot(page, name: str, *, readme: bool = False) -> None:
    """A picture to look at; the README's (`readme=True`) go where `make screenshots` puts
    pictures, so it refreshes them in docs/."""
    folder = PICTURES if readme else SHOTS
    folder.mkdir(parents=True, exist_ok=True)
    prefix = "phone" if readme else "test"
    page.screenshot(path=str(folder / f"{prefix}-{name}.png"), full_page=True)


@pytest.fixture
def demo_assistant(transactional_db):
    return seed_demo(days=45)


@pytest.fixture
def busy_chat(transactional_db):
    """A person with 30 long-titled conversations, the newest with an answer to rate."""
    person = UserFactory(username="walker")
    assistant = AssistantFactory(name="Travel Planner", users=[person])
    start = timezone.now() - timedelta(days=30)
    for number in range(30):
        conversation = services.start_conversation(
            assistant=assistant, user=person, title=f"{LONG_TITLE} ({number + 1})"
        )
        chat_turn(
            assistant,
            person,
            start + timedelta(days=number),
            conversation=conversation,
            question=LONG_TITLE,
            answer="Layers: a base layer, a fleece and a waterproof shell.",
        )
    return assistant, conversation


@pytest.mark.django_db(transaction=True)
def test_the_chat_fits_a_phone(page, live_server, busy_chat, console_errors):
    assistant, newest = busy_chat
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "walker", PASSWORD)
    page.goto(f"{live_server.url}/assistants/{assistant.pk}/chat/{newest.pk}/")
    thumbs_up = page.get_by_role("button", name="Thumbs up")
    thumbs_up.wait_for()

    assert _fits_the_width(page)
    # The list of conversations is folded away behind its toggle; the chat comes first.
    drawer = page.locator("[data-drawer]")
    expect(drawer).not_to_have_attribute("open", "")
    expect(page.get_by_role("link", name=f"{LONG_TITLE} (1)", exact=True)).to_be_hidden()
    _shot(page, "chat-390", readme=True)
    page.get_by_text("Conversations (30)").click()
    first = page.get_by_role("link", name=f"{LONG_TITLE} (30)", exact=True)
    expect(first).to_be_visible()
    # Long titles end in an ellipsis instead of widening the page.
    assert first.evaluate("el => el.scrollWidth > el.clientWidth")
    assert first.evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    assert _fits_the_width(page)

    # The thumbs are finger-sized and apart, so a tap lands on the one meant.
    box_up = thumbs_up.bounding_box()
    box_down = page.get_by_role("button", name="Thumbs down").bounding_box()
    assert box_up["width"] >= 44 and box_up["height"] >= 44
    assert box_down["x"] >= box_up["x"] + box_up["width"] + 4
    thumbs_up.click()
    expect(page.get_by_text("Thanks — your rating is saved.")).to_be_visible()
    # The swap replaced the focused thumb; its replacement has the focus.
    expect(page.get_by_role("button", name="Thumbs up")).to_be_focused()

    # Opening another conversation (the list is still unfolded) folds the list again and
    # focuses the chat's heading.
    page.get_by_role("link", name=f"{LONG_TITLE} (7)", exact=True).click()
    heading = page.locator(".chat-head h2")
    expect(heading).to_have_text(f"{LONG_TITLE} (7)")
    expect(heading).to_be_focused()
    expect(page.locator("[data-drawer]")).not_to_have_attribute("open", "")
    assert _fits_the_width(page)
    assert console_errors == []


@pytest.mark.django_db(transaction=True)
def test_analytics_and_feedback_tabs_fit_a_phone(page, live_server, demo_assistant, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/insights/")
    page.locator("#chart-satisfaction .main-svg").first.wait_for()
    expect(
        page.get_by_role("heading", name="Before and after configuration changes")
    ).to_be_visible()
    assert _fits_the_width(page)
    # The timeframe form wraps: Apply is whole and inside the screen.
    apply = page.get_by_role("button", name="Apply")
    box = apply.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    # The before/after table stays inside its card: it fits, or it scrolls within the card.
    card = page.locator("section.card", has=page.locator("table.comparison"))
    assert card.evaluate(
        "el => el.scrollWidth <= el.clientWidth || getComputedStyle(el).overflowX === 'auto'"
    )
    # No Plotly mode bar over the version markers on a touch-sized screen.
    expect(page.locator("#chart-active-users .modebar")).to_have_count(0)
    _shot(page, "analytics-390", readme=True)

    page.get_by_role("tab", name="Feedback").click()
    page.get_by_test_id("positive-feedback").wait_for()
    assert _fits_the_width(page)
    _shot(page, "feedback-390")
    assert console_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_slow_answer_shows_loading_at_once_then_focuses_and_announces(
    page, live_server, demo_assistant, console_errors
):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/insights/")
    page.locator("#chart-active-users .main-svg").first.wait_for()

    held = []
    # Hold every htmx request until the test lets it go: the page must already say it waits.
    page.route(
        "**/insights/**",
        lambda route: (
            held.append(route) if route.request.headers.get("hx-request") else route.continue_()
        ),
    )
    page.get_by_role("link", name="Last 7 days").click()
    expect(page.locator("#insights-body")).to_have_attribute("aria-busy", "true")
    expect(page.locator(".loading-note")).to_be_visible()
    expect(page.locator('[aria-label="Timeframe"] .chip.active')).to_have_text("Last 7 days")
    assert len(held) == 1
    held.pop().continue_()

    page.wait_for_url("**/insights/?start=*")
    expect(page.locator("#insights-body")).not_to_have_attribute("aria-busy", "true")
    heading = page.locator("#panel-heading")
    expect(heading).to_contain_text("7 days")
    expect(heading).to_be_focused()
    expect(page.locator("#panel-announcer")).to_contain_text("Analytics, ")
    expect(page.locator("#panel-announcer")).to_contain_text("7 days")

    # A tab looks chosen at once too, and its panel's heading takes the focus.
    page.get_by_role("tab", name="Feedback").click()
    expect(page.get_by_role("tab", name="Feedback")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#insights-body")).to_have_attribute("aria-busy", "true")
    held.pop().continue_()
    page.get_by_test_id("positive-feedback").wait_for()
    expect(page.locator("#panel-heading")).to_be_focused()
    expect(page.locator("#panel-announcer")).to_contain_text("Feedback, ")
    assert console_errors == []


@pytest.mark.django_db(transaction=True)
def test_the_more_options_menu_works_from_the_keyboard(page, live_server, demo_assistant):
    sign_in(page, live_server, "creator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/share/")
    button = page.get_by_role("button", name="More options")
    button.focus()
    page.keyboard.press("Enter")
    items = page.get_by_role("menuitem")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(items.last).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(items.last).to_be_focused()
    page.keyboard.press("Home")
    expect(items.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_be_focused()
    expect(page.get_by_role("menu")).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")


@pytest.mark.django_db(transaction=True)
def test_error_pages_and_an_empty_timeframe_speak_in_words(page, live_server, demo_assistant):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "editor", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/assistants/999999/insights/")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.get_by_role("link", name="← Back to your assistants").click()
    page.get_by_role("heading", name="Assistants").wait_for()

    page.goto(f"{live_server.url}/assistants/{demo_assistant.pk}/share/")
    expect(page.get_by_role("heading", name="You cannot do this here")).to_be_visible()
    expect(page.get_by_text("Only the creator of this assistant can do this.")).to_be_visible()
    assert _fits_the_width(page)
    _shot(page, "403-390")

    page.goto(
        f"{live_server.url}/assistants/{demo_assistant.pk}/insights/?start=2001-01-01&end=2001-12-31"
    )
    expect(page.get_by_role("heading", name="No activity")).to_be_visible()
    expect(page.get_by_test_id("first-activity")).to_be_visible()
    expect(page.locator("[data-figure]")).to_have_count(0)
    assert _fits_the_width(page)
    _shot(page, "no-activity-390")
