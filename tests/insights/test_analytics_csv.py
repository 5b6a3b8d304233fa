import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.http import StreamingHttpResponse

from assistants import services
from assistants.lib.csv_stream import csv_lines, safe_cell
from assistants.models import Conversation
from tests.factories import AssistantFactory, UserFactory, add_messages, chat_turn, rate

HEADER = (
    "date,active_users,conversations,messages,user_messages,assistant_messages,"
    "positive_feedback,negative_feedback,"
    "new_users,returning_users,weekly_active_users,monthly_active_users,"
    "failed_replies,latency_p50_ms,latency_p95_ms,input_tokens,output_tokens,cost_usd"
)


def test_one_row_per_day_oldest_first_with_empty_days(db, client_as):
    assistant = AssistantFactory(name="Travel = Fun", time_zone="UTC")
    person = UserFactory()
    conversation = services.start_conversation(assistant=assistant, user=person)
    add_messages(
        assistant,
        conversation,
        ("user", datetime(2026, 2, 2, 8, tzinfo=UTC)),
        ("assistant", datetime(2026, 2, 2, 8, 1, tzinfo=UTC)),
        ("user", datetime(2026, 2, 4, 8, tzinfo=UTC)),
    )
    response = client_as(assistant.creator).get(
        f"/assistants/{assistant.pk}/insights/analytics.csv?start=2026-02-01&end=2026-02-04"
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="travel-fun-analytics-2026-02-01-to-2026-02-04.csv"'
    )
    body = b"".join(response.streaming_content).decode()
    assert body == (
        f"{HEADER}\r\n"
        "2026-02-01,0,0,0,0,0,0,0,0,0,0,0,0,,,0,0,0.000000\r\n"
        "2026-02-02,1,1,2,1,1,0,0,1,0,1,1,0,,,0,0,\r\n"
        "2026-02-03,0,0,0,0,0,0,0,0,0,1,1,0,,,0,0,0.000000\r\n"
        "2026-02-04,1,0,1,1,0,0,0,0,1,1,1,0,,,0,0,0.000000\r\n"
    )


def test_weeks_count_distinct_people_and_a_source_filters_every_column(db, client_as):
    assistant = AssistantFactory(time_zone="UTC")
    person = UserFactory()
    app = services.start_conversation(assistant=assistant, user=person)
    api = Conversation.objects.create(
        assistant=assistant, participant=app.participant, external_id="from-api"
    )
    # Monday Feb 2 and Wednesday Feb 4 in the app, Tuesday Feb 10 through the API.
    add_messages(
        assistant,
        app,
        ("user", datetime(2026, 2, 2, 8, tzinfo=UTC)),
        ("user", datetime(2026, 2, 4, 8, tzinfo=UTC)),
    )
    add_messages(assistant, api, ("user", datetime(2026, 2, 10, 8, tzinfo=UTC)))
    url = f"/assistants/{assistant.pk}/insights/analytics.csv?start=2026-02-01&end=2026-02-14"

    def rows(query):
        response = client_as(assistant.creator).get(f"{url}&{query}")
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return [line[:12] for line in lines[1:]]

    # Sunday Feb 1 alone, then the weeks of Feb 2 and Feb 9: one person each, not a sum.
    assert rows("by=week") == [
        ["2026-02-01", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["2026-02-02", "1", "1", "2", "2", "0", "0", "0", "1", "0", "1", "1"],
        ["2026-02-09", "1", "1", "1", "1", "0", "0", "0", "0", "1", "1", "1"],
    ]
    # Through the API the person is new on Feb 10: the app's days are not theirs.
    assert rows("by=week&source=api")[2] == [
        "2026-02-09",
        "1",
        "1",
        "1",
        "1",
        "0",
        "0",
        "0",
        "1",
        "0",
        "1",
        "1",
    ]
    assert rows("by=month&source=app") == [
        ["2026-02-01", "1", "1", "2", "2", "0", "0", "0", "1", "0", "0", "1"]
    ]


def test_default_range_is_the_last_30_days(people, client_as):
    response = client_as(people["editor"]).get(
        f"/assistants/{people['assistant'].pk}/insights/analytics.csv"
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert ",".join(rows[0]) == HEADER
    assert len(rows) == 31


def test_export_query_count_is_constant(people, client_as, django_assert_max_num_queries):
    client = client_as(people["creator"])
    # Session, user, assistant with role, daily usage, daily feedback, the people of each
    # day and of each bucket, quality and cost.
    with django_assert_max_num_queries(9):
        response = client.get(
            f"/assistants/{people['assistant'].pk}/insights/analytics.csv"
            "?start=2022-01-01&end=2026-11-24"
        )
        assert len(b"".join(response.streaming_content).splitlines()) == 1 + 1789


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (7, 7),
    ],
)
def test_formula_cells_are_defused(value, written):
    assert safe_cell(value) == written


def test_csv_quoting_round_trips():
    tricky = ['say "hi", then', "two\nlines", "=1+1"]
    text = "".join(csv_lines(["a", "b", "c"], [tricky]))
    assert list(csv.reader(io.StringIO(text))) == [["a", "b", "c"], [tricky[0], tricky[1], "'=1+1"]]


def test_ratings_count_for_the_source_of_the_rated_answer(db, client_as):
    assistant = AssistantFactory(time_zone="UTC")
    person = UserFactory()
    api = services.start_conversation(assistant=assistant, user=person)
    Conversation.objects.filter(pk=api.pk).update(external_id="from-api")
    moment = datetime(2026, 2, 2, 8, tzinfo=UTC)
    answer = chat_turn(assistant, person, moment, conversation=api)
    rate(assistant, answer, "positive", moment + timedelta(minutes=1))
    rate(assistant, answer, "negative", moment + timedelta(minutes=2))
    url = f"/assistants/{assistant.pk}/insights/analytics.csv?start=2026-02-02&end=2026-02-02"

    def feedback(source):
        response = client_as(assistant.creator).get(f"{url}&source={source}")
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return lines[1][6:8]

    assert feedback("api") == feedback("all") == ["0", "1"]
    assert feedback("app") == ["0", "0"]
