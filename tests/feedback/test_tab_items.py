"""The Feedback tab's items, written as HTML in Python: what each state of a rating shows, and
that every text a rater or a manager wrote is escaped."""

from datetime import UTC, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from feedback.selectors import EXCERPT_CHARACTERS, FeedbackItem
from feedback.tab_items import ItemLinks, excerpt, feedback_item_html

PARIS = ZoneInfo("Europe/Paris")
TOKEN = UUID("12345678-1234-5678-1234-567812345678")


def item(**changes) -> FeedbackItem:
    fields = {
        "id": 7,
        "value": "negative",
        "rated_at": datetime(2026, 11, 24, 11, 5, tzinfo=UTC).astimezone(PARIS),
        "comment": "",
        "contact_name": "",
        "contact_email": "",
        "answer": "The **answer**",
        "question": "The question?",
        "chat_deleted": False,
        "share_token": None,
        "reasons": [],
        "version": 3,
        "status": "new",
        "note": "",
        "reviewed_by": "",
        "reviewed_at": None,
        "reply_url": "",
    }
    return FeedbackItem(**(fields | changes))


def html_of(feedback_item: FeedbackItem, *, saved: bool = False) -> str:
    return feedback_item_html(feedback_item, links=ItemLinks.of(4), csrf_token="tok", saved=saved)


def test_an_anonymous_new_item_shows_when_its_status_version_question_and_answer():
    html = html_of(item())
    assert html.startswith('<li class="feedback-item status-new" id="feedback-7"')
    assert '<time datetime="2026-11-24T12:05:00+01:00">Nov 24, 2026 · 12:05 CET</time>' in html
    assert 'data-testid="status">New</span>' in html and 'data-testid="version">v3<' in html
    assert '<span class="anonymous">Anonymous</span>' in html
    assert 'data-testid="question">The question?</span>' in html
    assert '<span class="rated-text">The answer</span>' in html  # Markdown marks dropped
    assert '<p class="no-comment">No comment</p>' in html
    assert 'value="new" checked> New' in html and 'value="reviewed"> Reviewed' in html
    assert 'action="/assistants/4/feedback/7/review/"' in html
    assert 'name="csrfmiddlewaretoken" value="tok"' in html
    assert "shared-link" not in html and "reason-tags" not in html and "Review saved" not in html


def test_what_raters_and_managers_wrote_is_escaped():
    html = html_of(
        item(
            comment='<script>alert("x")</script>\nsecond line',
            contact_name="<b>Ann</b>",
            contact_email="ann@example.com",
            reply_url="mailto:ann@example.com?subject=Your%20feedback",
            reasons=["<i>Too long</i>"],
            note="</textarea><script>",
            question="<img src=x>",
        )
    )
    assert "<script>" not in html and "<img" not in html and "<b>Ann" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>second line" in html
    assert "<strong>&lt;b&gt;Ann&lt;/b&gt;</strong> ann@example.com" in html
    assert '<a class="reply" href="mailto:ann@example.com?subject=Your%20feedback">' in html
    assert "<li>&lt;i&gt;Too long&lt;/i&gt;</li>" in html
    assert ">&lt;/textarea&gt;&lt;script&gt;</textarea>" in html


def test_a_reviewed_item_names_its_reviewer_and_says_it_has_a_note():
    reviewed_at = datetime(2026, 11, 25, 8, 30, tzinfo=UTC).astimezone(PARIS)
    html = html_of(
        item(status="resolved", reviewed_by="Rita Editor", reviewed_at=reviewed_at, note="Fixed"),
        saved=True,
    )
    assert (
        "Review · resolved by Rita Editor, "
        '<time datetime="2026-11-25T09:30:00+01:00">Nov 25, 2026 · 09:30</time> · has a note'
    ) in html
    assert '<details class="review" open>' in html and "Review saved." in html
    assert 'value="resolved" checked> Resolved' in html


def test_a_shared_chat_is_linked_and_a_deleted_chat_shows_no_text():
    shared = html_of(item(share_token=TOKEN))
    assert f'href="/assistants/4/insights/shared-chats/{TOKEN}/"' in shared
    deleted = html_of(item(chat_deleted=True, answer="", question=""))
    assert "Deleted: the chat was deleted by its author" in deleted
    assert "rated-text" not in deleted


def test_an_erased_author_s_words_say_deleted():
    html = html_of(item(text_erased=True, answer="", question=""))
    assert '<p class="no-comment erased">Deleted by its author</p>' in html
    assert 'data-testid="question"><em class="erased">Deleted</em>' in html


def test_an_excerpt_stops_at_its_length_with_an_ellipsis():
    assert excerpt("short *text*") == "short text"
    long = excerpt("word " * EXCERPT_CHARACTERS)
    assert len(long) == EXCERPT_CHARACTERS and long.endswith("word…")
