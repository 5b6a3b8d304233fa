from datetime import UTC, datetime

from assistants import services
from tests.factories import add_messages


def test_creator_sees_analytics_page(people, client_as):
    assistant = people["assistant"]
    conversation = services.start_conversation(assistant=assistant, user=people["user"])
    add_messages(
        assistant,
        conversation,
        ("user", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("assistant", datetime(2026, 11, 20, 10, 1, tzinfo=UTC)),
    )
    response = client_as(people["creator"]).get(
        f"/assistants/{assistant.pk}/insights/?start=2026-11-01&end=2026-11-24"
    )
    assert response.status_code == 200
    assert b"chart-active-users" in response.content
