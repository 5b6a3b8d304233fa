"""`purge_expired_content` on a fixed clock: text older than the limit goes (messages,
titles, rated-answer copies, shared chats), newer text stays, every count stays, comments
and contact details stay; a second run and an interrupted run are safe."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from assistants import retention, rollups
from assistants.models import Conversation, Message
from feedback.models import Rating
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate
from tests.privacy.helpers import counter_rows

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
LIMIT = NOW - timedelta(days=30)


def _turn(assistant, person, at, word: str):
    """A chat turn whose question and answer say which one it is ("Old question", …)."""
    return chat_turn(assistant, person, at, question=f"{word} question", answer=f"{word} answer")


def purge(*args) -> str:
    out = StringIO()
    call_command("purge_expired_content", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def chats(db):
    """An assistant keeping 30 days, with chats just before and just after the limit, and
    one keeping text forever."""
    person = UserFactory()
    assistant = AssistantFactory(name="Travel Planner", users=[person])
    assistant.retention_days = 30
    assistant.save(update_fields=["retention_days"])
    old = _turn(assistant, person, LIMIT - timedelta(seconds=2), "Old")
    Conversation.objects.filter(pk=old.conversation_id).update(title="Old question")
    rate(
        assistant,
        old,
        "negative",
        LIMIT - timedelta(seconds=1),
        comment="Old comment",
        share_contact=True,
        contact_name="Old Name",
        contact_email="old@example.com",
        share_chat=True,
    )
    # The answer crosses the limit: its question is expired, it is not.
    edge = _turn(assistant, person, LIMIT - timedelta(seconds=1), "Edge")
    new = _turn(assistant, person, LIMIT + timedelta(days=1), "New")
    Conversation.objects.filter(pk=new.conversation_id).update(title="New question")
    rate(
        assistant,
        new,
        "positive",
        LIMIT + timedelta(days=1),
        comment="New comment",
        share_chat=True,
    )
    forever = AssistantFactory(name="Archive", users=[person])
    chat_turn(forever, person, NOW - timedelta(days=400), question="Ancient question")
    return {"assistant": assistant, "old": old, "edge": edge, "new": new, "forever": forever}


def texts(assistant) -> set[str]:
    return set(Message.objects.filter(assistant=assistant).values_list("content", flat=True))


@time_machine.travel(NOW, tick=False)
def test_text_older_than_the_limit_goes_and_newer_text_stays(chats):
    assistant = chats["assistant"]
    before = counter_rows(assistant)

    output = purge()

    assert texts(assistant) == {"", "Edge answer", "New question", "New answer"}
    assert Message.objects.get(pk=chats["edge"].pk).content == "Edge answer"
    assert Conversation.objects.get(pk=chats["old"].conversation_id).title == ""
    assert Conversation.objects.get(pk=chats["new"].conversation_id).title == "New question"
    old_rating = Rating.objects.get(message=chats["old"])
    assert old_rating.answer == "" and old_rating.share_token is None
    # Comments and contact details stay until their author withdraws them (SPEC §9).
    assert (old_rating.comment, old_rating.contact_name) == ("Old comment", "Old Name")
    new_rating = Rating.objects.get(message=chats["new"])
    assert new_rating.answer == "New answer" and new_rating.share_token is not None
    assert "Ancient question" in texts(chats["forever"])
    assert counter_rows(assistant) == before
    rollups.rebuild([assistant.pk])
    assert counter_rows(assistant) == before

    assert output == (
        f"Travel Planner (#{assistant.pk}), keeps 30 days, text before 2026-10-25 12:00 UTC: "
        "erased 3 messages, 1 conversation title, 1 rated-answer copy, 1 shared chat.\n"
    )


@time_machine.travel(NOW, tick=False)
def test_a_second_run_erases_nothing(chats):
    purge()
    assert purge().endswith("text before 2026-10-25 12:00 UTC: nothing to erase.\n")


@time_machine.travel(NOW, tick=False)
def test_small_batches_erase_the_same(chats):
    output = purge(str(chats["assistant"].pk), "--batch-size", "1")
    assert "erased 3 messages" in output
    assert texts(chats["assistant"]) == {"", "Edge answer", "New question", "New answer"}


@time_machine.travel(NOW, tick=False)
def test_an_interrupted_purge_leaves_whole_batches_and_the_next_run_finishes(chats):
    assistant = chats["assistant"]
    batches = retention.purge_expired_text(assistant, now=NOW, batch_size=1)
    first = next(batches)
    batches.close()  # stopped after one batch, as by a signal between two transactions
    assert first["messages"] == 1
    assert len(texts(assistant) - {""}) == 5
    assert "erased 2 messages" in purge()
    assert texts(assistant) == {"", "Edge answer", "New question", "New answer"}


@time_machine.travel(NOW, tick=False)
def test_a_later_clock_erases_more(chats):
    purge()
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        output = purge()
    assert "erased 3 messages" in output
    assert texts(chats["assistant"]) == {""}
    assert Rating.objects.get(message=chats["new"]).share_token is None
    assert Rating.objects.get(message=chats["new"]).comment == "New comment"


@time_machine.travel(NOW, tick=False)
def test_the_chat_and_the_feedback_tab_say_deleted(chats, client):
    assistant = chats["assistant"]
    purge()
    person = chats["old"].conversation.participant.user
    client.force_login(person)
    chat = client.get(f"/assistants/{assistant.pk}/chat/{chats['old'].conversation_id}/")
    html = chat.content.decode()
    assert chat.status_code == 200
    assert "Old question" not in html and "Old answer" not in html
    assert html.count('class="erased">Deleted<') == 2
    client.force_login(assistant.creator)
    tab = client.get(
        f"/assistants/{assistant.pk}/insights/feedback/?start=2026-10-01&end=2026-11-24"
    ).content.decode()
    assert "Old answer" not in tab and "Old comment" in tab
    assert 'class="erased">Deleted<' in tab


def test_nothing_limits_the_text(db):
    AssistantFactory()
    assert purge() == "No assistant limits how long chat text is kept: nothing to do.\n"


def test_an_unknown_assistant_is_an_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No assistant with id 999999"):
        purge("999999")
    with pytest.raises(CommandError, match="at least 1"):
        purge("--batch-size", "0")
