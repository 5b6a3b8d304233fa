"""The People section, its cards and people.csv (SPEC §4, §6, §9)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import time_machine

from assistants import services
from tests.factories import UserFactory, add_messages, chat_turn, rate

PAGE = "/assistants/{}/insights/"
PEOPLE_CSV = "/assistants/{}/insights/people.csv"
NOV_20 = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _chat(assistant, *, people: int, messages_each=lambda index: 1, first_name=""):
    users = [UserFactory(first_name=first_name) for _ in range(people)]
    for index, user in enumerate(users):
        conversation = services.start_conversation(assistant=assistant, user=user)
        add_messages(
            assistant,
            conversation,
            *[("user", NOV_20 + timedelta(minutes=m)) for m in range(messages_each(index))],
        )
    return users


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_fewer_than_five_people_are_not_listed_and_the_page_says_why(people, client_as):
    assistant = people["assistant"]
    _chat(assistant, people=4)
    text = client_as(people["creator"]).get(PAGE.format(assistant.pk)).text
    assert 'data-testid="people-section"' in text
    assert 'data-testid="people-hidden"' in text
    assert "Fewer than 5 people were active" in text
    assert 'data-testid="people-top"' not in text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_the_most_active_people_are_pseudonyms_with_nothing_of_their_ratings(people, client_as):
    assistant = people["assistant"]
    users = _chat(assistant, people=6, messages_each=lambda index: index + 1, first_name="Ada")
    answer = chat_turn(assistant, users[0], NOV_20 + timedelta(hours=1))
    rate(assistant, answer, "negative", NOV_20 + timedelta(hours=2), comment="Bad")
    text = client_as(people["editor"]).get(PAGE.format(assistant.pk)).text
    top = text[text.index('data-testid="people-top"') :]
    top = top[: top.index("</table>")]
    # Numbered in the order they first wrote; the busiest first.
    assert top.index("Person 6") < top.index("Person 5") < top.index("Person 2")
    for secret in ("Ada", users[0].username, "negative", "Bad", f">{users[0].pk}<"):
        assert secret not in top
    assert 'data-testid="card-active-users"' in text
    assert 'data-testid="card-new-users"' in text
    assert 'data-testid="card-messages-per-user"' in text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_named_people_show_their_display_name(people, client_as, settings):
    settings.INSIGHTS_NAMED_PEOPLE = True
    assistant = people["assistant"]
    _chat(assistant, people=5, first_name="Ada")
    text = client_as(people["creator"]).get(PAGE.format(assistant.pk)).text
    assert "Person 1" not in text
    assert "Ada" in text


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_cards_compare_with_the_previous_period(people, client_as):
    assistant = people["assistant"]
    _chat(assistant, people=2)
    earlier = UserFactory()
    conversation = services.start_conversation(assistant=assistant, user=earlier)
    add_messages(assistant, conversation, ("user", datetime(2026, 11, 15, 12, tzinfo=UTC)))
    text = (
        client_as(people["creator"])
        .get(PAGE.format(assistant.pk) + "?start=2026-11-18&end=2026-11-24")
        .text
    )
    card = text[text.index('data-testid="card-active-users"') :]
    card = card[: card.index("</div>")]
    # Two people this week against one the week before.
    assert ">2<" in card
    assert "+100 % vs the previous 7 days" in card


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_people_csv_has_every_active_person_most_messages_first(
    people, client_as, django_assert_max_num_queries
):
    assistant = people["assistant"]
    _chat(assistant, people=7, messages_each=lambda index: 7 - index)
    client = client_as(people["creator"])
    # Session, user, assistant with role, and the rows through one cursor (its transaction
    # and the server-side cursor's statements).
    with django_assert_max_num_queries(6):
        response = client.get(PEOPLE_CSV.format(assistant.pk) + "?start=2026-11-01&end=2026-11-24")
        body = b"".join(response.streaming_content).decode()
    assert response["Content-Disposition"].endswith('-people-2026-11-01-to-2026-11-24.csv"')
    rows = list(csv.reader(io.StringIO(body)))
    header = "person,first_active,last_active,active_days,conversations,user_messages"  # SPEC §6
    assert rows[0] == header.split(",")
    assert rows[1] == ["Person 1", "2026-11-20", "2026-11-20", "1", "1", "7"]
    assert [row[5] for row in rows[1:]] == ["7", "6", "5", "4", "3", "2", "1"]
    api_only = client.get(PEOPLE_CSV.format(assistant.pk) + "?source=api")
    assert b"".join(api_only.streaming_content).decode().count("\r\n") == 1


def test_people_csv_refuses_a_bad_range(people, client_as):
    response = client_as(people["creator"]).get(
        PEOPLE_CSV.format(people["assistant"].pk) + "?start=2026-11-05&end=2026-11-01"
    )
    assert response.status_code == 400
