"""people.csv streamed by COPY is byte for byte what the Python CSV writer makes of rows
counted the naive way from the raw messages (SPEC §6, §9)."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from assistants import services
from assistants.lib.csv_stream import csv_lines
from assistants.models import Conversation, Message
from insights.views import PEOPLE_CSV_HEADER
from tests.factories import AssistantFactory, UserFactory, add_messages

PEOPLE_CSV = "/assistants/{}/insights/people.csv"
ZONE = "Europe/Berlin"
# 23:30 UTC is the next local day in Berlin.
LATE = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)


def _naive_csv(assistant, first: datetime, after: datetime) -> bytes:
    """people.csv from the messages: per person with a user message in [first, after), the
    local days of those, the conversations with any message then, most messages first."""
    tz = ZoneInfo(assistant.time_zone)
    days, messages, conversations = defaultdict(set), defaultdict(int), defaultdict(set)
    for message in Message.objects.filter(
        assistant=assistant, created_at__gte=first, created_at__lt=after
    ).select_related("conversation__participant__user"):
        person = message.conversation.participant
        conversations[person].add(message.conversation_id)
        if message.role == "user":
            days[person].add(message.created_at.astimezone(tz).date())
            messages[person] += 1
    rows = []
    for person in sorted(days, key=lambda p: (-messages[p], p.pk)):
        user = person.user
        full = f"{user.first_name} {user.last_name}".strip() if user else ""
        name = full or (user.username if user else person.external_id)
        rows.append(
            (
                name,
                min(days[person]).isoformat(),
                max(days[person]).isoformat(),
                len(days[person]),
                len(conversations[person]),
                messages[person],
            )
        )
    return "".join(csv_lines(PEOPLE_CSV_HEADER, rows)).encode()


@time_machine.travel("2026-11-24 12:00Z", tick=False)
def test_people_csv_is_the_naive_rows_byte_for_byte(db, client_as, settings):
    settings.INSIGHTS_NAMED_PEOPLE = True
    creator = UserFactory(username="creator")
    assistant = AssistantFactory(creator=creator, time_zone=ZONE)
    names = [('=HYPERLINK("x")', ""), ('Ada, "the"', "Countess"), ("", ""), ("-5", "")]
    for index, (first_name, last_name) in enumerate(names):
        user = UserFactory(first_name=first_name, last_name=last_name)
        for conversation_index in range(1 + index % 2):
            conversation = services.start_conversation(assistant=assistant, user=user)
            add_messages(
                assistant,
                conversation,
                *[
                    ("user", LATE + timedelta(days=conversation_index, hours=m))
                    for m in range(index + 1)
                ],
                ("assistant", LATE + timedelta(minutes=5)),
            )
    # An events API person named by a formula-looking user string.
    (api_person,) = services.ensure_participants(
        assistant=assistant, external_ids=["+api"]
    ).values()
    api = Conversation.objects.create(
        assistant=assistant, participant_id=api_person, external_id="api-chat"
    )
    add_messages(assistant, api, ("user", LATE - timedelta(days=2)), ("user", LATE))

    response = client_as(creator).get(
        PEOPLE_CSV.format(assistant.pk) + "?start=2026-11-01&end=2026-11-24&source=all"
    )
    body = b"".join(response.streaming_content)
    tz = ZoneInfo(ZONE)
    first = datetime(2026, 11, 1, tzinfo=tz)
    after = datetime(2026, 11, 25, tzinfo=tz)
    assert body == _naive_csv(assistant, first, after)
    assert b"'=HYPERLINK" in body and b"'+api" in body and b"'-5" in body
    assert b'"Ada, ""the"" Countess"' in body


def test_people_csv_refuses_bad_input_with_a_message(people, client_as):
    url = PEOPLE_CSV.format(people["assistant"].pk)
    client = client_as(people["creator"])
    for query in ("?start=2026-11-05&end=2026-11-01", "?source=mail", "?start=yesterday"):
        response = client.get(url + query)
        assert response.status_code == 400, query
        assert response.text.strip()
