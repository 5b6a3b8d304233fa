from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from assistants import services
from feedback.models import Rating
from tests.factories import UserFactory, chat_turn, rate

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def tab(client, assistant, query=""):
    return client.get(f"/assistants/{assistant.pk}/insights/feedback/{query}")


def test_positive_and_negative_feedback_are_shown_apart_with_their_counts(
    people, client_as, frozen
):
    assistant = people["assistant"]
    for hours, value, comment in [
        (1, "positive", "Spot on"),
        (2, "negative", "Wrong menu"),
        (3, "positive", ""),
        (24 * 40, "negative", "Too old to show"),  # before the default 30 days
    ]:
        answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=hours, minutes=5))
        rate(assistant, answer, value, NOW - timedelta(hours=hours), comment=comment)

    response = tab(client_as(people["creator"]), assistant)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="positive-count">2<' in html
    assert 'data-testid="negative-count">1<' in html
    positive, negative = html.split('data-testid="negative-feedback"')
    assert "Spot on" in positive and "Wrong menu" not in positive
    assert "Wrong menu" in negative and "Spot on" not in negative
    assert "Too old to show" not in html
    assert "No comment" in positive
    assert "Anonymous" in html


def test_each_item_shows_when_the_answer_the_comment_and_what_was_shared(
    people, client_as, shared_feedback
):
    response = tab(client_as(people["editor"]), people["assistant"])
    html = response.content.decode()
    token = Rating.objects.get().share_token
    assert "Mia Member" in html and "mia@example.com" in html
    assert "Wrong menu name" in html
    assert "Open Settings and choose Reset password." in html  # the rated answer, as text
    assert f"/insights/shared-chats/{token}/" in html
    assert "View shared chat" in html


def test_without_sharing_there_is_no_contact_and_no_shared_chat_link(people, client_as):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(minutes=3))
    rate(assistant, answer, "negative", timezone.now() - timedelta(minutes=2), comment="Meh")
    html = tab(client_as(people["creator"]), assistant).content.decode()
    assert "Meh" in html
    assert "View shared chat" not in html
    assert 'data-testid="contact"' not in html


def test_items_are_newest_first_and_page_by_keyset(people, client_as, frozen):
    assistant = people["assistant"]
    for minute in range(45):
        answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=5))
        rate(
            assistant, answer, "positive", NOW - timedelta(minutes=minute), comment=f"c{minute:02d}"
        )
    client = client_as(people["creator"])
    html = tab(client, assistant).content.decode()
    shown = [f"c{m:02d}" for m in range(45) if f">c{m:02d}<" in html]
    assert shown == [f"c{m:02d}" for m in range(20)]
    assert html.index(">c00<") < html.index(">c01<")
    more = html.split('class="feedback-more"><a class="button" href="')[1].split('"')[0]
    more = more.replace("&amp;", "&")

    second = client.get(more, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in second
    assert [f"c{m:02d}" for m in range(45) if f">c{m:02d}<" in second] == [
        f"c{m:02d}" for m in range(20, 40)
    ]
    third_url = second.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    third = client.get(third_url, headers={"HX-Request": "true"}).content.decode()
    assert [f"c{m:02d}" for m in range(45) if f">c{m:02d}<" in third] == [
        f"c{m:02d}" for m in range(40, 45)
    ]
    assert "Show older" not in third


def test_filters_by_rating_and_comment(people, client_as, frozen):
    assistant = people["assistant"]
    for hours, value, comment in [
        (1, "positive", "Nice"),
        (2, "negative", ""),
        (3, "negative", "Bad"),
    ]:
        answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=hours, minutes=5))
        rate(assistant, answer, value, NOW - timedelta(hours=hours), comment=comment)
    client = client_as(people["creator"])

    html = tab(client, assistant, "?rating=negative").content.decode()
    assert 'data-testid="positive-feedback"' not in html
    assert "Bad" in html and html.count('data-testid="feedback-item"') == 2
    assert "feedback.csv?start=" in html and "rating=negative" in html

    html = tab(client, assistant, "?rating=negative&has_comment=on").content.decode()
    assert html.count('data-testid="feedback-item"') == 1 and "Bad" in html

    html = tab(client, assistant, "?has_comment=on").content.decode()
    assert html.count('data-testid="feedback-item"') == 2

    # A bad filter value is ignored, never a 500.
    response = tab(client, assistant, "?rating=meh&positive_after=zzz&start=2026-13-01")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="feedback-item"') == 3


def test_the_timeframe_control_is_the_analytics_one(people, client_as, frozen):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], NOW - timedelta(days=10))
    rate(assistant, answer, "positive", NOW - timedelta(days=10), comment="Ten days ago")
    client = client_as(people["creator"])
    html = tab(client, assistant, "?start=2026-11-20&end=2026-11-24").content.decode()
    assert "Ten days ago" not in html
    assert 'name="start" value="2026-11-20"' in html
    assert "Last 7 days" in html and 'aria-selected="true">Feedback' in html
    html = tab(client, assistant, "?start=2026-11-01&end=2026-11-24").content.decode()
    assert "Ten days ago" in html


def test_htmx_gets_the_tab_body_and_a_direct_load_the_page(people, client_as, shared_feedback):
    client = client_as(people["creator"])
    partial = client.get(
        f"/assistants/{people['assistant'].pk}/insights/feedback/", headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert "<html" not in body and 'id="insights-body"' in body and "Wrong menu name" in body
    full = tab(client, people["assistant"]).content.decode()
    assert "<html" in full and 'id="insights-body"' in full
    assert partial["Vary"] and "HX-Request" in partial["Vary"]


def test_the_analytics_tab_links_to_the_feedback_tab(people, client_as):
    html = client_as(people["creator"]).get(f"/assistants/{people['assistant'].pk}/insights/")
    assert (
        f"/assistants/{people['assistant'].pk}/insights/feedback/?start=" in html.content.decode()
    )


def test_the_tab_costs_the_same_queries_with_many_ratings(
    people, client_as, django_assert_max_num_queries
):
    assistant = people["assistant"]
    client = client_as(people["creator"])

    def add(count):
        for _ in range(count):
            answer = chat_turn(assistant, people["user"], timezone.now() - timedelta(hours=2))
            rate(assistant, answer, "negative", timezone.now() - timedelta(hours=1), comment="x")

    add(1)
    # Session, user, assistant, the counters, the new ones, one page per column, the reason
    # lists, the reasons chart and the versions.
    with django_assert_max_num_queries(10):
        assert tab(client, assistant).status_code == 200
    add(30)
    with django_assert_max_num_queries(10):
        assert tab(client, assistant).status_code == 200


def test_a_deleted_chat_keeps_its_rating_but_not_its_text(people, client_as, shared_feedback):
    conversation = shared_feedback.conversation
    user_client = client_as(people["user"])
    user_client.post(f"/assistants/{people['assistant'].pk}/chat/{conversation.pk}/delete/")
    html = tab(client_as(people["creator"]), people["assistant"]).content.decode()
    assert 'data-testid="negative-count">1<' in html
    assert "Open Settings" not in html
    assert "deleted by its author" in html
    assert "View shared chat" not in html


def test_text_is_escaped_in_the_tab(people, client_as):
    assistant = people["assistant"]
    answer = chat_turn(
        assistant,
        people["user"],
        timezone.now() - timedelta(hours=1),
        answer="<img src=x onerror=alert(1)>",
    )
    rate(
        assistant,
        answer,
        "negative",
        timezone.now() - timedelta(minutes=30),
        comment='<script>alert("c")</script>',
        share_contact=True,
        contact_name="<b>Eve</b>",
        contact_email="eve@example.com",
    )
    html = tab(client_as(people["creator"]), assistant).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert "<b>Eve</b>" not in html and "&lt;b&gt;Eve&lt;/b&gt;" in html


def test_a_rater_outside_the_app_appears_the_same_way(people, client_as):
    """A rating recorded for an outside participant (events API) shows like any other."""
    assistant = people["assistant"]
    someone = UserFactory()
    services.set_member_role(assistant=assistant, user=someone, role="user")
    answer = chat_turn(assistant, someone, timezone.now() - timedelta(hours=1))
    rate(assistant, answer, "positive", timezone.now(), comment="From outside", external_id="e1")
    assert "From outside" in tab(client_as(people["creator"]), assistant).content.decode()


def test_more_of_a_column_that_is_filtered_out_gets_the_whole_tab(people, client_as):
    response = client_as(people["creator"]).get(
        f"/assistants/{people['assistant'].pk}/insights/feedback/"
        "?rating=negative&column=positive&positive_after=1764000000000000-5",
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert 'id="insights-body"' in body and 'data-testid="negative-feedback"' in body
    assert 'data-testid="positive-feedback"' not in body
