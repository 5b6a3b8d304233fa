import json

import pytest

from assistants import services
from tests.factories import AssistantFactory, UserFactory

EVENTS_URL = "/api/v1/events"


@pytest.fixture
def assistant(db):
    return AssistantFactory(creator=UserFactory(), time_zone="Europe/Paris")


@pytest.fixture
def api_key(assistant):
    """The full text of an active key of `assistant`."""
    _, key = services.create_api_key(assistant=assistant, name="Widget", created_by=None)
    return key


@pytest.fixture
def post(client, api_key):
    """post(events | body=bytes, key=…, **headers) sends a batch the way a front end does."""

    def send(events=None, *, body=None, key=api_key, content_type="application/json", **extra):
        if body is None:
            body = json.dumps({"events": events})
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        # Also on an empty body, which the test client would send without one.
        headers["CONTENT_TYPE"] = content_type
        return client.generic(
            "POST", EVENTS_URL, body, content_type=content_type, **headers, **extra
        )

    return send


def message(
    id,
    *,
    conversation="c1",
    user="u1",
    role="user",
    timestamp="2026-11-20T10:00:00Z",
    content="Hello",
):
    return {
        "type": "message",
        "id": id,
        "conversation": conversation,
        "user": user,
        "role": role,
        "timestamp": timestamp,
        "content": content,
    }


def feedback(
    id, *, message="m2", user="u1", rating="positive", timestamp="2026-11-20T10:01:00Z", **extra
):
    return {
        "type": "feedback",
        "id": id,
        "message": message,
        "user": user,
        "rating": rating,
        "timestamp": timestamp,
        **extra,
    }
