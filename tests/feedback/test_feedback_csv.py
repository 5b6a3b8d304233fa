import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from assistants import services
from assistants.timeframe import DateRange
from feedback.export import FEEDBACK_CSV_HEADER
from feedback.models import Rating
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
HEADER = (
    "submitted_at,rating,comment,contact_name,contact_email,chat_shared,shared_chat_url,"
    "rated_answer,question,reasons,status,version"
)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def export(client, assistant, query="?start=2026-10-01&end=2026-11-24"):
    response = client.get(f"/assistants/{assistant.pk}/insights/feedback.csv{query}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


def test_exact_header_and_rows_newest_first(people, client_as, frozen):
    assistant = people["assistant"]
    first = chat_turn(assistant, people["user"], datetime(2026, 11, 2, 8, tzinfo=UTC), answer="A1")
    second = chat_turn(assistant, people["user"], datetime(2026, 11, 3, 8, tzinfo=UTC), answer="A2")
    rate(assistant, first, "positive", datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC))
    rate(
        assistant,
        second,
        "negative",
        datetime(2026, 11, 3, 9, tzinfo=UTC),
        comment="Not it",
        share_contact=True,
        contact_name="Mia",
        contact_email="mia@example.com",
        share_chat=True,
    )
    token = Rating.objects.get(message=second).share_token
    response, body = export(client_as(people["creator"]), assistant)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{assistant.name.lower().replace(" ", "-")}-feedback-'
        '2026-10-01-to-2026-11-24.csv"'
    )
    assert body == (
        f"{HEADER}\r\n"
        "2026-11-03T09:00:00+00:00,negative,Not it,Mia,mia@example.com,yes,"
        f"http://testserver/assistants/{assistant.pk}/insights/shared-chats/{token}/,A2,"
        "How do I reset my password?,,new,1\r\n"
        "2026-11-02T09:30:15+00:00,positive,,,,no,,A1,How do I reset my password?,,new,1\r\n"
    )
    assert tuple(HEADER.split(",")) == FEEDBACK_CSV_HEADER


def test_the_rating_filter_and_the_timeframe_select_rows(people, client_as, frozen):
    assistant = people["assistant"]
    for day, value in [(1, "positive"), (2, "negative"), (20, "negative")]:
        answer = chat_turn(assistant, people["user"], datetime(2026, 11, day, 8, tzinfo=UTC))
        rate(assistant, answer, value, datetime(2026, 11, day, 9, tzinfo=UTC))
    client = client_as(people["creator"])
    _, body = export(client, assistant, "?start=2026-11-01&end=2026-11-10&rating=negative")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert [(row[0][:10], row[1]) for row in rows] == [("2026-11-02", "negative")]
    response, _ = export(client, assistant, "?start=2026-11-01&end=2026-11-10&rating=negative")
    assert "feedback-negative-2026-11-01-to-2026-11-10.csv" in response["Content-Disposition"]
    # No dates: the last 30 days, as on the tab.
    _, body = export(client, assistant, "")
    assert len(body.splitlines()) == 1 + 3


def test_rfc_4180_round_trip_with_quotes_commas_newlines_and_formulas(people, client_as, frozen):
    assistant = people["assistant"]
    nasty = [
        'He said "no", then left',
        "line one\nline two\r\nline three",
        '=HYPERLINK("http://evil")',
        "+1 for this",
        "-minus",
        "@SUM(A1)",
        "\tTabbed",
        "\rCarriage",
        "plain, with comma",
        "",
    ]
    for minute, comment in enumerate(nasty):
        answer = chat_turn(
            assistant, people["user"], NOW - timedelta(hours=1), answer=f'=answer {minute}, "q"'
        )
        rate(
            assistant,
            answer,
            "negative",
            NOW - timedelta(minutes=len(nasty) - minute),
            comment=comment,
            share_contact=True,
            contact_name='-Eve, "E"',
            contact_email="eve@example.com",
        )
    _, body = export(client_as(people["creator"]), assistant)
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == list(FEEDBACK_CSV_HEADER)
    # Newest first: the last comment written comes first.
    expected_comments = [
        ("'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c) for c in reversed(nasty)
    ]
    assert [row[2] for row in rows[1:]] == expected_comments
    assert {row[3] for row in rows[1:]} == {'\'-Eve, "E"'}
    assert rows[1][7] == f'\'=answer {len(nasty) - 1}, "q"'
    # Records end in CRLF; every row has the header's twelve fields.
    assert body.endswith("\r\n") and all(len(row) == 12 for row in rows)


def test_submitted_at_carries_the_reporting_zones_offset_across_dst(db, client_as, frozen):
    creator = UserFactory()
    assistant = AssistantFactory(creator=creator, time_zone="Europe/Paris")
    summer = chat_turn(assistant, creator, datetime(2026, 10, 24, 10, tzinfo=UTC))
    winter = chat_turn(assistant, creator, datetime(2026, 10, 26, 10, tzinfo=UTC))
    rate(assistant, summer, "positive", datetime(2026, 10, 24, 22, 30, tzinfo=UTC))
    rate(assistant, winter, "positive", datetime(2026, 10, 26, 23, 30, tzinfo=UTC))
    _, body = export(client_as(creator), assistant, "?start=2026-10-20&end=2026-10-31")
    stamps = [row[0] for row in csv.reader(io.StringIO(body))][1:]
    assert stamps == ["2026-10-27T00:30:00+01:00", "2026-10-25T00:30:00+02:00"]


def test_a_zone_with_a_negative_half_hour_offset(db, client_as, frozen):
    creator = UserFactory()
    assistant = AssistantFactory(creator=creator, time_zone="America/St_Johns")
    answer = chat_turn(assistant, creator, datetime(2026, 11, 20, 10, tzinfo=UTC))
    rate(assistant, answer, "positive", datetime(2026, 11, 20, 12, tzinfo=UTC))
    _, body = export(client_as(creator), assistant, "?start=2026-11-20&end=2026-11-20")
    assert body.splitlines()[1].startswith("2026-11-20T08:30:00-03:30,")


def test_withdrawn_sharing_leaves_the_export_at_once(people, client_as, shared_feedback):
    rating = Rating.objects.get()
    client = client_as(people["user"])
    assistant = people["assistant"]
    url = f"/assistants/{assistant.pk}/feedback/answers/{rating.message_id}/"
    client.post(url + "withdraw-contact/")
    client.post(url + "withdraw-chat/")
    _, body = export(client_as(people["creator"]), assistant, "")
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[3:7] == ["", "", "no", ""]
    assert "Mia" not in body and "shared-chats" not in body


def test_the_export_is_one_query_whatever_the_rows(
    people, client_as, frozen, django_assert_max_num_queries
):
    assistant = people["assistant"]
    client = client_as(people["creator"])
    for count in (1, 25):
        for _ in range(count):
            answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=2))
            rate(assistant, answer, "positive", NOW - timedelta(hours=1))
        # Session, user, assistant, and the savepoint pair of the export's transaction in a
        # test; the COPY and the time zone around it run on the raw connection.
        with django_assert_max_num_queries(5):
            response, body = export(client, assistant, "")
        assert len(body.splitlines()) == 1 + Rating.objects.count()


def test_an_outside_participants_feedback_is_exported_too(people, client_as, frozen):
    assistant = people["assistant"]
    participant = services.participant_for(assistant=assistant, user=people["user"])
    assert participant.user_id == people["user"].pk
    answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=2))
    rate(assistant, answer, "positive", NOW - timedelta(hours=1), external_id="ev-1")
    _, body = export(client_as(people["editor"]), assistant, "")
    assert len(body.splitlines()) == 2


def test_a_deleted_chat_leaves_its_rating_in_the_export_without_its_text(
    people, client_as, shared_feedback
):
    client_as(people["user"]).post(
        f"/assistants/{people['assistant'].pk}/chat/{shared_feedback.conversation_id}/delete/"
    )
    _, body = export(client_as(people["creator"]), people["assistant"], "")
    (row,) = list(csv.DictReader(io.StringIO(body)))
    assert row["rating"] == "negative" and row["comment"] == "Wrong menu name"
    assert (row["chat_shared"], row["shared_chat_url"], row["rated_answer"]) == ("no", "", "")


def test_a_download_cut_short_leaves_the_connection_usable(people, frozen, monkeypatch):
    from django.db import connection

    from feedback import export
    from feedback.export import feedback_csv_chunks
    from feedback.selectors import FeedbackFilters

    monkeypatch.setattr(export, "FIRST_CHUNK_BYTES", 1)
    assistant = people["assistant"]
    for _ in range(3):
        answer = chat_turn(assistant, people["user"], NOW - timedelta(hours=2))
        rate(assistant, answer, "positive", NOW - timedelta(hours=1))
    chunks = feedback_csv_chunks(
        assistant=assistant,
        date_range=DateRange(date(2026, 11, 1), date(2026, 11, 24)),
        filters=FeedbackFilters(),
        shared_chat_base="http://testserver/",
    )
    assert next(chunks).startswith(b"submitted_at,")
    assert next(chunks).count(b"\r\n") == 1
    chunks.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), count(*) FROM feedback_rating")
        assert cursor.fetchone() == ("UTC", 3)


def test_a_failing_copy_is_an_error_not_a_stuck_connection(db):
    import psycopg
    from django.db import connection, transaction

    from feedback.export import _copy_rows

    with pytest.raises(psycopg.DatabaseError, match="division by zero"), transaction.atomic():
        connection.ensure_connection()
        list(_copy_rows(connection.connection, b"COPY (SELECT 1 / 0) TO STDOUT"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_the_rows_are_the_same_when_parallel_workers_compute_them(people, client_as, frozen):
    """A large export is computed by parallel workers (`PARALLEL_EXPORT`); they must see the
    reporting zone set for the COPY, and the session's planner settings come back after."""
    from django.db import connection

    assistant = people["assistant"]
    assistant.time_zone = "Asia/Kolkata"
    assistant.save()
    for hour in range(6):
        answer = chat_turn(assistant, people["user"], datetime(2026, 11, 2, hour, tzinfo=UTC))
        rate(assistant, answer, "negative", datetime(2026, 11, 2, hour, 30, tzinfo=UTC))
    client = client_as(people["creator"])
    _, serial = export(client, assistant)
    with connection.cursor() as cursor:
        # Every plan in a worker, the leader only gathering: the rows are the workers' own.
        cursor.execute("SET debug_parallel_query = on")
        cursor.execute("SET parallel_leader_participation = off")
    try:
        _, parallel = export(client, assistant)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('parallel_tuple_cost'), "
                "current_setting('parallel_setup_cost'), current_setting('TimeZone')"
            )
            assert cursor.fetchone() == ("0.1", "1000", "UTC")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET debug_parallel_query")
            cursor.execute("RESET parallel_leader_participation")
    assert parallel == serial
    assert "2026-11-02T11:00:00+05:30,negative" in parallel


def test_the_reasons_cell_is_guarded_by_its_first_reason(people, client_as, frozen):
    """The reasons are joined with "; ", and guarded against formulas as every text cell is:
    the joined text starts as its first reason does."""
    assistant = people["assistant"]
    listed = [["=HYPERLINK(1)", "Too long"], ["Too long", "=HYPERLINK(1)"], ["Wrong"], []]
    for day, reasons in enumerate(listed, start=2):
        answer = chat_turn(assistant, people["user"], datetime(2026, 11, day, 8, tzinfo=UTC))
        rating_id = rate(assistant, answer, "negative", datetime(2026, 11, day, 9, tzinfo=UTC))
        Rating.objects.filter(pk=rating_id).update(reasons=reasons)
    _, body = export(client_as(people["creator"]), assistant)
    cells = [row["reasons"] for row in csv.DictReader(io.StringIO(body))]
    assert cells == ["", "Wrong", "Too long; =HYPERLINK(1)", "'=HYPERLINK(1); Too long"]
