"""Concurrent requests: retries of the same batch racing each other never double-count."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from assistants.models import Conversation, Message, Participant
from feedback.models import Rating
from insights.bench.recount import counters, recounted
from tests.api.conftest import EVENTS_URL, feedback, message


def _race(api_key: str, bodies: list[list[dict]]) -> list[tuple[int, dict]]:
    """Send each body from its own thread (own connection) at the same moment."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict] | None] = [None] * len(bodies)

    def send(slot: int, events: list[dict]) -> None:
        client = Client()
        try:
            barrier.wait()
            response = client.post(
                EVENTS_URL,
                json.dumps({"events": events}),
                "application/json",
                HTTP_AUTHORIZATION=f"Bearer {api_key}",
            )
            results[slot] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(slot, events)) for slot, events in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _batch(round_number: int, size: int = 60) -> list[dict]:
    events = []
    for number in range(size):
        conversation = f"r{round_number}-c{number % 7}"
        events.append(
            message(
                f"r{round_number}-m{number}",
                conversation=conversation,
                user=f"u{number % 7}",
                role="user" if number % 2 == 0 else "assistant",
                timestamp=f"2026-11-{10 + number % 5:02d}T{number % 24:02d}:00:00Z",
            )
        )
    events.append(feedback(f"r{round_number}-f1", message=f"r{round_number}-m1", user="u1"))
    return events


@pytest.mark.django_db(transaction=True)
def test_two_retries_of_the_same_batch_at_once_store_it_once(assistant, api_key):
    for round_number in range(5):
        batch = _batch(round_number)
        results = _race(api_key, [batch, batch])
        assert [status for status, _ in results] == [200, 200]
        assert sum(body["accepted"] for _, body in results) == len(batch)
        assert sum(body["duplicates"] for _, body in results) == len(batch)
        assert all(body["errors"] == [] for _, body in results)
    assert Message.objects.filter(assistant=assistant).count() == 5 * 60
    assert Rating.objects.filter(assistant=assistant).count() == 5
    assert Conversation.objects.filter(assistant=assistant).count() == 5 * 7
    assert Participant.objects.filter(assistant=assistant).count() == 7
    assert counters(assistant.pk) == recounted(assistant.pk)


@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_in_opposite_orders_neither_deadlock_nor_double_count(
    assistant, api_key
):
    batch = _batch(0, size=200)[:-1]
    results = _race(api_key, [batch, list(reversed(batch)), batch[50:150]])
    assert [status for status, _ in results] == [200, 200, 200]
    assert sum(body["accepted"] for _, body in results) == 200
    assert sum(body["duplicates"] for _, body in results) == 200 + 100
    assert Message.objects.filter(assistant=assistant).count() == 200
    assert counters(assistant.pk) == recounted(assistant.pk)
