"""The events API and the in-app write path give identical Usage Insights for the same
conversation history: both CSVs, and the shared chats they link to."""

import csv
import io
import json
import random
from datetime import datetime

import pytest
import time_machine

from assistants import services
from assistants.services import NewMessage
from feedback import selectors as feedback_selectors
from feedback.services import NewRating, record_ratings
from tests.factories import AssistantFactory, UserFactory

ZONE = "Europe/Paris"
RANGE = "start=2026-10-20&end=2026-11-05"

# (conversation, person, [(role, time, content)]) — around the end of summer time (Oct 25),
# with a message at 23:30 UTC that is already the next day in Paris.
HISTORY = [
    (
        "c1",
        "ada",
        [
            ("user", "2026-10-24T21:30:00+00:00", "Where is my parcel?"),
            ("assistant", "2026-10-24T21:30:04+00:00", "It left the depot this morning."),
            ("user", "2026-10-24T23:30:00+00:00", "Thanks!"),
            ("assistant", "2026-10-24T23:30:03+00:00", "You are welcome."),
        ],
    ),
    (
        "c2",
        "bob",
        [
            ("user", "2026-10-25T00:30:00+02:00", "Can I change my address?"),
            ("assistant", "2026-10-25T00:30:05+02:00", "=Yes, in Settings."),
            ("user", "2026-10-25T02:30:00+01:00", "Done, thanks."),
        ],
    ),
    (
        "c3",
        "ada",
        [
            ("assistant", "2026-11-02T09:00:00+01:00", "Hello again, how can I help?"),
            ("user", "2026-11-02T09:01:00+01:00", "Just checking in."),
            ("assistant", "2026-11-02T09:01:02+01:00", "All good on your side."),
            ("user", "2026-11-02T09:30:00+01:00", "Later message, after sharing."),
        ],
    ),
]

# (conversation, index of the answer, value, time, comment, contact, share chat)
RATINGS = [
    ("c1", 1, "positive", "2026-10-24T21:31:00+00:00", "", None, False),
    (
        "c1",
        3,
        "negative",
        "2026-10-24T23:31:00+00:00",
        "Too brief",
        ("Ada L.", "ada@example.com"),
        True,
    ),
    ("c2", 1, "negative", "2026-10-25T00:31:00+02:00", "-wrong", None, False),
    # Bob changes his mind a week later: the rating moves to that day.
    ("c2", 1, "positive", "2026-11-01T10:00:00+01:00", "Worked after all", None, True),
    ("c3", 2, "positive", "2026-11-02T09:02:00+01:00", "", ("", "ada@example.com"), True),
]


def _in_app(assistant, accounts):
    """The app's own write path: account participants, messages, then ratings."""
    answers = {}
    for key, person, messages in HISTORY:
        conversation = services.start_conversation(assistant=assistant, user=accounts[person])
        for number, (role, when, content) in enumerate(messages):
            [(message_id, _)] = services.record_messages(
                assistant=assistant,
                messages=[
                    NewMessage(
                        conversation_id=conversation.pk,
                        role=role,
                        content=content,
                        created_at=datetime.fromisoformat(when),
                    )
                ],
            )
            answers[key, number] = (message_id, conversation.participant_id)
    for key, number, value, when, comment, contact, share_chat in RATINGS:
        message_id, participant_id = answers[key, number]
        record_ratings(
            assistant=assistant,
            ratings=[
                NewRating(
                    message_id=message_id,
                    participant_id=participant_id,
                    value=value,
                    rated_at=datetime.fromisoformat(when),
                    comment=comment,
                    share_contact=contact is not None,
                    contact_name=contact[0] if contact else "",
                    contact_email=contact[1] if contact else "",
                    share_chat=share_chat,
                )
            ],
        )


def _events():
    events = []
    for key, person, messages in HISTORY:
        for number, (role, when, content) in enumerate(messages):
            events.append(
                {
                    "type": "message",
                    "id": f"{key}-{number}",
                    "conversation": key,
                    "user": person,
                    "role": role,
                    "timestamp": when,
                    "content": content,
                }
            )
    people = {key: person for key, person, _ in HISTORY}
    for number, (key, answer, value, when, comment, contact, share_chat) in enumerate(RATINGS):
        event = {
            "type": "feedback",
            "id": f"f{number}",
            "message": f"{key}-{answer}",
            "user": people[key],
            "rating": value,
            "timestamp": when,
            "comment": comment,
            "share_chat": share_chat,
        }
        if contact:
            event["contact"] = {"name": contact[0], "email": contact[1]}
        events.append(event)
    return events


def _csv(client, url) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def _feedback_rows(client, assistant) -> list[dict[str, str]]:
    rows = _csv(client, f"/assistants/{assistant.pk}/insights/feedback.csv?{RANGE}")
    for row in rows:
        url = row.pop("shared_chat_url")
        if url:
            token = url.rstrip("/").rsplit("/", 1)[-1]
            chat = feedback_selectors.shared_chat(assistant, token)
            row["shared_chat"] = [(m.role, m.content) for m in chat.messages]
            assert client.get(url).status_code == 200
    return rows


@pytest.mark.django_db
def test_the_api_and_the_app_give_the_same_csvs(client):
    creator = UserFactory()
    in_app = AssistantFactory(creator=creator, time_zone=ZONE)
    through_api = AssistantFactory(creator=creator, time_zone=ZONE)
    _in_app(in_app, {"ada": UserFactory(), "bob": UserFactory()})

    _, key = services.create_api_key(assistant=through_api, name="Widget", created_by=None)
    events = _events()
    random.Random(4).shuffle(events)
    with time_machine.travel("2026-11-24T12:00:00Z", tick=False):
        # The order of arrival matters not, nor do retries.
        for batch in (events[:7], events[7:], events[3:10]):
            response = client.post(
                "/api/v1/events",
                json.dumps({"events": batch}),
                "application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            assert response.status_code == 200
        pending = [batch_event for batch_event in events if batch_event["type"] == "feedback"]
        # Feedback that came before its message is sent again, as the API asks.
        response = client.post(
            "/api/v1/events",
            json.dumps({"events": pending}),
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.json()["errors"] == []

    client.force_login(creator)
    analytics = [
        _csv(client, f"/assistants/{assistant.pk}/insights/analytics.csv?{RANGE}")
        for assistant in (in_app, through_api)
    ]
    assert analytics[0] == analytics[1]
    busy = [row for row in analytics[0] if row["messages"] != "0"]
    assert [row["date"] for row in busy] == ["2026-10-24", "2026-10-25", "2026-11-02"]
    assert sum(int(row["positive_feedback"]) for row in analytics[0]) == 3
    assert sum(int(row["negative_feedback"]) for row in analytics[0]) == 1

    feedback = [_feedback_rows(client, assistant) for assistant in (in_app, through_api)]
    assert feedback[0] == feedback[1]
    assert len(feedback[0]) == 4
    shared = [row for row in feedback[0] if "shared_chat" in row]
    assert len(shared) == 3
    # The chat as it was when shared: the later message is not in it.
    assert all(
        "Later message, after sharing." not in [content for _, content in row["shared_chat"]]
        for row in shared
    )
    assert {row["contact_email"] for row in feedback[0]} == {"", "ada@example.com"}
