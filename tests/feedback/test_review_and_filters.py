"""The Feedback tab's filters, search, reasons and review (SPEC §4 "Feedback tab, more", §5
reasons): the counts, the pages and the CSV agree under every filter; a review never moves a
counter; a rating whose value changes is new again."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from assistants import services as assistant_services
from feedback import services
from feedback.models import DailyFeedback, Rating
from tests.access import ALLOWED, MANAGE, ROLES, assert_status
from tests.factories import UserFactory, chat_turn, rate

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
RANGE = "start=2026-11-01&end=2026-11-24"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rated(people, frozen):
    """Eight ratings of the member's answers, of both values, with and without comments and
    reasons, over two configuration versions; returns their ids, oldest first."""
    assistant = people["assistant"]
    user = people["user"]
    specs = [
        ("positive", "", ("Helpful",)),
        ("positive", "Clear steps, thank you", ("Clear", "Saved me time")),
        ("negative", "The refund menu moved", ("Inaccurate",)),
        ("negative", "", ("Too long",)),
        ("negative", "Refunds take longer than it says", ("Inaccurate", "Incomplete")),
        ("positive", "Très utile, merci", ()),
        ("negative", "Wrong answer about invoices", ()),
        ("negative", "", ()),
    ]
    ids = []
    for day, (value, comment, reasons) in enumerate(specs, start=1):
        at = datetime(2026, 11, day * 2, 9, tzinfo=UTC)
        if day == 5:
            with time_machine.travel(at - timedelta(hours=1), tick=False):
                assistant_services.update_configuration(
                    assistant=assistant,
                    changed_by=people["creator"],
                    **{**_configuration(assistant), "instructions": "Answer in one line."},
                )
        answer = chat_turn(assistant, user, at, question=f"Question {day}", answer=f"Answer {day}")
        ids.append(
            rate(
                assistant, answer, value, at + timedelta(hours=1), comment=comment, reasons=reasons
            )
        )
    return ids


def _configuration(assistant):
    return {
        field: getattr(assistant, field)
        for field in ("name", "description", "instructions", "model", "time_zone")
    }


def _tab(client, assistant, query="", headers=None):
    return client.get(
        f"/assistants/{assistant.pk}/insights/feedback/?{RANGE}&{query}", headers=headers or {}
    )


def _csv_rows(client, assistant, query=""):
    response = client.get(f"/assistants/{assistant.pk}/insights/feedback.csv?{RANGE}&{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body, newline="")))


FILTERS = [
    ("", 3, 5),
    ("rating=negative", None, 5),
    ("has_comment=1", 2, 3),
    ("reason=Inaccurate", 0, 2),
    ("reason=Clear", 1, 0),
    ("status=new", 3, 5),
    ("version=2", 1, 3),
    ("version=1", 2, 2),
    ("q=refund", 0, 2),  # a prefix: "refund" finds "refunds" too
    ("q=refu", 0, 2),
    ("q=utile", 1, 0),  # any language: no stemming, no stop words
    ("q=moved+refund", 0, 1),  # every word
    ("q=refund&reason=Incomplete", 0, 1),
    ("has_comment=1&version=2&rating=negative", None, 2),
    ("status=resolved", 0, 0),
]


@pytest.mark.parametrize("query, positive, negative", FILTERS)
def test_counts_items_and_csv_rows_agree_under_every_filter(
    people, client_as, rated, query, positive, negative
):
    assistant = people["assistant"]
    client = client_as(people["editor"])
    response = _tab(client, assistant, query)
    assert response.status_code == 200
    counts = response.context["counts"]
    columns = {column.value: column for column in response.context["columns"]}
    if positive is not None:
        assert counts.positive == positive == len(columns["positive"].page.items)
    else:
        assert list(columns) == ["negative"]
    assert counts.negative == negative == len(columns["negative"].page.items)
    rows = _csv_rows(client, assistant, query)
    wanted = {"positive": positive or 0, "negative": negative}
    if "rating=negative" in query:
        wanted["positive"] = 0
    assert [row["rating"] for row in rows].count("positive") == wanted["positive"]
    assert [row["rating"] for row in rows].count("negative") == wanted["negative"]
    # The export link of the tab carries every filter.
    for pair in filter(None, query.split("&")):
        assert pair.replace("+", "+") in response.context["csv_url"]


def test_items_show_question_reasons_version_and_status(people, client_as, rated):
    assistant = people["assistant"]
    html = _tab(client_as(people["creator"]), assistant, "q=refunds").content.decode()
    assert "Question 5" in html and "Answer 5" in html
    assert "<li>Inaccurate</li><li>Incomplete</li>" in html
    assert 'data-testid="version">v2<' in html
    assert 'data-testid="status">New<' in html


def test_csv_carries_question_reasons_status_and_version(people, client_as, rated):
    rows = _csv_rows(client_as(people["creator"]), people["assistant"], "reason=Inaccurate")
    assert [(row["question"], row["reasons"], row["status"], row["version"]) for row in rows] == [
        ("Question 5", "Inaccurate; Incomplete", "new", "2"),
        ("Question 3", "Inaccurate", "new", "1"),
    ]


def test_a_bad_filter_is_a_400_on_the_csv_and_left_out_on_the_tab(people, client_as, rated):
    client = client_as(people["creator"])
    assistant = people["assistant"]
    response = client.get(f"/assistants/{assistant.pk}/insights/feedback.csv?status=done")
    assert response.status_code == 400
    assert "status" in response.content.decode()
    response = _tab(client, assistant, "status=done&rating=negative")
    assert response.status_code == 200
    assert response.context["counts"].negative == 5
    assert "This filter is not applied" in response.content.decode()


def test_the_filtered_tab_makes_a_fixed_number_of_queries(
    people, client_as, rated, django_assert_num_queries
):
    client = client_as(people["creator"])
    assistant = people["assistant"]
    # Session, user, assistant and role, how to read the search (the word counters,
    # `planned_search`), the filtered counts with their reasons chart (one read), one page
    # per column with items (none for the positive one: no positive rating has the reason),
    # the reason lists, the versions.
    with django_assert_num_queries(8):
        response = _tab(client, assistant, "has_comment=1&reason=Inaccurate&q=ref")
    assert response.status_code == 200
    columns = {column.value: column for column in response.context["columns"]}
    assert columns["positive"].page.items == [] and columns["positive"].more_query is None
    assert len(columns["negative"].page.items) == 2
    with django_assert_num_queries(9):
        assert _tab(client, assistant, "has_comment=1").status_code == 200
    # Without a filter the counters give the totals, and the new ones are counted apart.
    with django_assert_num_queries(10):
        assert _tab(client, assistant).status_code == 200
    # "Show older" of one column: its page only, no counts.
    with django_assert_num_queries(4):
        response = _tab(client, assistant, "column=negative&negative_after=1-1", HTMX)
    assert response.status_code == 200


def test_review_sets_status_and_note_with_who_and_when_and_no_counter_moves(
    people, client_as, rated
):
    assistant = people["assistant"]
    before = list(DailyFeedback.objects.order_by("day").values())
    editor = people["editor"]
    editor.first_name, editor.last_name = "Eda", "Editor"
    editor.save()
    client = client_as(editor)
    response = client.post(
        f"/assistants/{assistant.pk}/feedback/{rated[2]}/review/",
        {"status": "resolved", "note": "Fixed the menu name"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'id="feedback-{rated[2]}"' in html
    assert "resolved by Eda Editor" in html and "Nov 24, 2026" in html
    rating = Rating.objects.get(pk=rated[2])
    assert (rating.status, rating.note, rating.reviewed_by, rating.reviewed_at) == (
        "resolved",
        "Fixed the menu name",
        editor,
        NOW,
    )
    assert list(DailyFeedback.objects.order_by("day").values()) == before
    tab = _tab(client, assistant, "status=resolved")
    assert tab.context["counts"].negative == 1
    assert "Fixed the menu name" in tab.content.decode()


def test_review_without_htmx_goes_back_to_the_tab_as_it_was(people, client_as, rated):
    assistant = people["assistant"]
    back = f"/assistants/{assistant.pk}/insights/feedback/?{RANGE}&rating=negative"
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/feedback/{rated[0]}/review/",
        {"status": "reviewed", "note": "", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/feedback/{rated[0]}/review/",
        {"status": "reviewed", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/assistants/{assistant.pk}/insights/feedback/"


def test_bad_review_input_is_a_400_and_changes_nothing(people, client_as, rated):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    url = f"/assistants/{assistant.pk}/feedback/{rated[0]}/review/"
    assert client.post(url, {"status": "done"}).status_code == 400
    assert client.post(url, {"status": "reviewed", "note": "x" * 2001}).status_code == 400
    assert Rating.objects.get(pk=rated[0]).status == "new"


def test_mark_all_shown_as_reviewed_marks_only_the_new_ones_shown(people, client_as, rated):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    services.review_rating(
        assistant=assistant, rating_id=rated[3], status="resolved", note="", by=None, at=NOW
    )
    html = _tab(client, assistant, "rating=negative").content.decode()
    shown = [rated[index] for index in (2, 3, 4, 6, 7)]
    for rating_id in shown:
        assert f'name="id" value="{rating_id}" form="mark-reviewed"' in html
    response = client.post(
        f"/assistants/{assistant.pk}/feedback/mark-reviewed/",
        {"id": shown, "next": f"/assistants/{assistant.pk}/insights/feedback/?{RANGE}"},
    )
    assert response.status_code == 302
    statuses = dict(Rating.objects.values_list("id", "status"))
    assert [statuses[i] for i in rated] == [
        "new", "new", "reviewed", "resolved", "reviewed", "new", "reviewed", "reviewed"
    ]  # fmt: skip
    tab = _tab(client, assistant)
    assert tab.context["counts"].new == 3
    assert 'data-testid="new-count">3<' in tab.content.decode()


def test_a_rating_whose_value_changes_is_new_again_and_loses_the_other_lists_reasons(
    people, client_as, rated
):
    assistant = people["assistant"]
    rating = Rating.objects.get(pk=rated[2])
    services.review_rating(
        assistant=assistant, rating_id=rating.pk, status="resolved", note="n", by=None, at=NOW
    )
    client = client_as(people["user"])
    url = f"/assistants/{assistant.pk}/feedback/answers/{rating.message_id}/rate/"
    # The same value again changes nothing.
    client.post(url, {"value": "negative"}, headers=HTMX)
    rating.refresh_from_db()
    assert (rating.status, rating.reasons) == ("resolved", ["Inaccurate"])
    client.post(url, {"value": "positive"}, headers=HTMX)
    rating.refresh_from_db()
    assert (rating.value, rating.status, rating.reasons, rating.note) == (
        "positive",
        "new",
        [],
        "n",
    )


def test_reasons_picked_in_the_chat_can_be_changed_later(people, client_as, frozen):
    assistant = people["assistant"]
    answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=1))
    client = client_as(people["user"])
    base = f"/assistants/{assistant.pk}/feedback/answers/{answer.pk}"
    html = client.post(f"{base}/rate/", {"value": "negative"}, headers=HTMX).content.decode()
    for reason in ("Inaccurate", "Not helpful", "Did not follow instructions", "Other"):
        assert f'value="{reason}"' in html
    assert 'value="Helpful"' not in html
    client.post(f"{base}/details/", {"reasons": ["Too long", "Other"]}, headers=HTMX)
    assert Rating.objects.get().reasons == ["Too long", "Other"]
    html = client.post(f"{base}/details/", {"reasons": ["Incomplete"]}, headers=HTMX).content
    assert Rating.objects.get().reasons == ["Incomplete"]
    assert b'value="Incomplete" checked' in html
    # A reason of the other list is refused with a message, and nothing changes.
    response = client.post(f"{base}/details/", {"reasons": ["Helpful"]}, headers=HTMX)
    assert "Helpful is not one of the available choices" in response.content.decode()
    assert Rating.objects.get().reasons == ["Incomplete"]


def test_editors_edit_both_lists_and_a_removed_reason_stays_on_its_feedback(
    people, client_as, rated
):
    assistant = people["assistant"]
    client = client_as(people["editor"])
    page = client.get(f"/assistants/{assistant.pk}/settings/").content.decode()
    assert "Feedback reasons" in page and "Did not follow instructions" in page
    response = client.post(
        f"/assistants/{assistant.pk}/feedback/reasons/",
        {"positive": "Helpful\nFriendly\n\nHelpful", "negative": "Wrong\nToo long"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/assistants/{assistant.pk}/settings/#reasons"
    from feedback.selectors import reason_lists

    assert reason_lists(assistant.pk) == {
        "positive": ["Helpful", "Friendly"],
        "negative": ["Wrong", "Too long"],
    }
    # "Inaccurate" is no longer listed, but its ratings keep it, and the filter still finds them.
    assert Rating.objects.get(pk=rated[2]).reasons == ["Inaccurate"]
    tab = _tab(client, assistant, "reason=Inaccurate")
    assert tab.context["counts"].negative == 2
    # Its rater still sees it ticked, and keeps it unless they untick it.
    rating = Rating.objects.get(pk=rated[2])
    html = client_as(people["user"]).post(
        f"/assistants/{assistant.pk}/feedback/answers/{rating.message_id}/details/",
        {"reasons": ["Inaccurate", "Wrong"]},
        headers=HTMX,
    )
    assert Rating.objects.get(pk=rated[2]).reasons == ["Inaccurate", "Wrong"]
    assert b'value="Inaccurate" checked' in html.content
    # Not a configuration change: no new version.
    assert assistant.versions.count() == 2


def test_reason_lists_refuse_too_long_a_list(people, client_as, db):
    assistant = people["assistant"]
    response = client_as(people["creator"]).post(
        f"/assistants/{assistant.pk}/feedback/reasons/",
        {"positive": "\n".join(f"R{n}" for n in range(13)), "negative": "x"},
        follow=True,
    )
    assert "At most 12 reasons" in response.content.decode()
    from feedback.models import ReasonLists

    assert not ReasonLists.objects.exists()


def test_reply_by_e_mail_only_where_contact_was_shared(people, client_as, frozen):
    assistant = people["assistant"]
    assistant.name = "Help & Desk"
    assistant.save()
    shared = chat_turn(assistant, people["user"], NOW - timedelta(hours=3))
    anonymous = chat_turn(assistant, people["user"], NOW - timedelta(hours=2))
    rate(assistant, shared, "negative", NOW - timedelta(hours=1), share_contact=True,
         contact_email="mia@example.com")  # fmt: skip
    rate(assistant, anonymous, "negative", NOW - timedelta(minutes=30))
    html = _tab(client_as(people["creator"]), assistant).content.decode()
    assert html.count("Reply by e-mail") == 1
    assert 'href="mailto:mia@example.com?subject=Your%20feedback%20on%20Help%20%26%20Desk"' in html


def test_the_reasons_chart_counts_reasons_of_the_timeframe_apart_by_value(people, client_as, rated):
    response = _tab(client_as(people["creator"]), people["assistant"])
    figure = response.context["reasons_chart"]
    bars = {
        trace["name"]: dict(zip(trace["y"], trace["x"], strict=True)) for trace in figure["data"]
    }
    assert bars == {
        "Negative": {
            "Incomplete (negative)": 1,
            "Too long (negative)": 1,
            "Inaccurate (negative)": 2,
        },
        "Positive": {
            "Saved me time (positive)": 1,
            "Helpful (positive)": 1,
            "Clear (positive)": 1,
        },
    }
    assert 'id="reasons-chart"' in response.content.decode()
    # Outside the timeframe there is nothing to draw.
    empty = client_as(people["creator"]).get(
        f"/assistants/{people['assistant'].pk}/insights/feedback/?start=2026-10-01&end=2026-10-31"
    )
    assert empty.context["reasons_chart"] is None


def test_deleting_the_chat_erases_the_question_copy(people, client_as, rated):
    rating = Rating.objects.get(pk=rated[0])
    client_as(people["user"]).post(
        f"/assistants/{rating.assistant_id}/chat/{rating.conversation_id}/delete/"
    )
    rating.refresh_from_db()
    assert (rating.question, rating.answer, rating.reasons) == ("", "", ["Helpful"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["review", "mark-reviewed", "reasons"])
def test_review_and_reason_urls_follow_the_access_table(people, client_as, rated, role, action):
    assistant = people["assistant"]
    urls = {
        "review": (f"{rated[0]}/review/", {"status": "resolved", "note": "seen"}),
        "mark-reviewed": ("mark-reviewed/", {"id": rated}),
        "reasons": ("reasons/", {"positive": "Only this", "negative": "Only that"}),
    }
    path, data = urls[action]
    before = list(Rating.objects.order_by("id").values("status", "note"))
    response = client_as(people[role]).post(f"/assistants/{assistant.pk}/feedback/{path}", data)
    expected = MANAGE[role]
    assert_status(response, 302 if expected == ALLOWED else expected)
    if expected != ALLOWED:
        assert list(Rating.objects.order_by("id").values("status", "note")) == before
        from feedback.models import ReasonLists

        assert not ReasonLists.objects.exists()


def test_review_of_another_assistants_feedback_is_404(people, client_as, rated):
    from tests.factories import AssistantFactory

    own = AssistantFactory(creator=people["other"])
    response = client_as(people["other"]).post(
        f"/assistants/{own.pk}/feedback/{rated[0]}/review/", {"status": "resolved"}
    )
    assert response.status_code == 404
    marked = client_as(people["other"]).post(
        f"/assistants/{own.pk}/feedback/mark-reviewed/", {"id": rated}
    )
    assert marked.status_code == 302
    assert set(Rating.objects.values_list("status", flat=True)) == {"new"}


def test_review_urls_refuse_get(people, client_as, rated):
    client = client_as(people["creator"])
    base = f"/assistants/{people['assistant'].pk}/feedback"
    for path in (f"{rated[0]}/review/", "mark-reviewed/", "reasons/"):
        assert client.get(f"{base}/{path}").status_code == 405


def test_a_person_named_like_a_manager_never_reaches_the_tab(people, client_as, rated):
    stranger = UserFactory()
    response = client_as(stranger).get(f"/assistants/{people['assistant'].pk}/insights/feedback/")
    assert response.status_code == 404
