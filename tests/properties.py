"""Hypothesis settings and strategies shared by the property tests that write to the
database."""

from datetime import datetime, timedelta

from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from assistants import rollups
from feedback.services import rate_answer
from tests.factories import rate

# Each example writes through the real write path inside the test's one transaction (a
# function-scoped fixture, which Hypothesis warns about), and takes longer than its deadline.
ON_THE_DATABASE = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def rating_operations(*, answers: int, minutes: int, max_size: int):
    """Lists of (which answer, value, minutes after the start, as an event?): ratings and
    re-ratings of `answers` answers in any order over `minutes`, written either as events
    (`record_ratings`) or as the chat's thumbs (`rate_answer`); `apply_ratings` writes them."""
    return st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=answers - 1),
            st.sampled_from(["positive", "negative"]),
            st.integers(min_value=0, max_value=minutes),
            st.booleans(),
        ),
        max_size=max_size,
    )


def apply_ratings(assistant, answers, operations, *, start: datetime) -> None:
    """Writes `rating_operations`' ratings of `answers`, each through its write path."""
    for index, value, minutes, as_event in operations:
        answer = answers[index]
        at = start + timedelta(minutes=minutes)
        if as_event:
            rate(assistant, answer, value, at)
        else:
            rate_answer(
                assistant=assistant,
                message_id=answer.pk,
                participant_id=answer.conversation.participant_id,
                value=value,
                at=at,
            )


def assert_recounted_and_rebuilt(assistant, *, stored, recount) -> None:
    """What the write path counted (`stored(assistant)`) equals a naive recount from the raw
    events, and `rollups.rebuild` writes the same rows again."""
    kept = stored(assistant)
    assert kept == recount(assistant)
    rollups.rebuild([assistant.pk])
    assert stored(assistant) == kept


def assert_ratings_recounted(assistant, answers, operations, *, start, stored, recount) -> None:
    """Writes `rating_operations`' ratings and checks the counters against the recount and a
    rebuild, in a transaction rolled back after: every example starts from the same world."""
    with transaction.atomic():
        apply_ratings(assistant, answers, operations, start=start)
        assert_recounted_and_rebuilt(assistant, stored=stored, recount=recount)
        transaction.set_rollback(True)
