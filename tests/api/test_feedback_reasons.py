"""`reasons` on feedback events (SPEC §7): each from the assistant's list for the rating; a
reason that is not is an error of that event alone, naming the list."""

from datetime import UTC, datetime

from feedback import services
from feedback.models import Rating
from tests.api.conftest import feedback, message

BATCH = [
    message("m1", content="How do I reset my password?"),
    message("m2", role="assistant", timestamp="2026-11-20T10:00:05Z", content="Settings."),
    message("m3", conversation="c2", user="u2", content="And invoices?"),
    message("m4", conversation="c2", user="u2", role="assistant", timestamp="2026-11-20T10:00:06Z"),
]


def test_reasons_from_the_list_are_stored_with_the_question(post, assistant):
    body = post(BATCH + [feedback("f1", rating="negative", reasons=["Too long", "Other"])]).json()
    assert body == {"accepted": 5, "duplicates": 0, "errors": []}
    rating = Rating.objects.get(assistant=assistant)
    assert rating.reasons == ["Too long", "Other"]
    assert (rating.question, rating.answer, rating.version) == (
        "How do I reset my password?",
        "Settings.",
        1,
    )


def test_a_reason_not_in_the_list_is_an_error_of_that_event_only(post, assistant):
    body = post(
        BATCH
        + [
            feedback("f1", reasons=["Too long"]),  # a negative reason on a positive rating
            feedback("f2", message="m4", user="u2", rating="positive", reasons=["Clear"]),
        ]
    ).json()
    assert body["accepted"] == 5
    (error,) = body["errors"]
    assert (error["index"], error["id"]) == (4, "f1")
    assert error["error"] == (
        "reasons: “Too long” is not a reason for a positive rating; choose from “Accurate”, "
        "“Helpful”, “Clear”, “Saved me time”"
    )
    assert list(Rating.objects.values_list("external_id", "reasons")) == [("f2", ["Clear"])]


def test_the_assistants_own_lists_are_the_ones_checked(post, assistant):
    services.set_reason_lists(
        assistant=assistant,
        positive=["Friendly"],
        negative=[],
        by=None,
        at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    body = post(
        BATCH
        + [
            feedback("f1", reasons=["Friendly"]),
            feedback("f2", message="m4", user="u2", rating="negative", reasons=["Too long"]),
        ]
    ).json()
    assert body["accepted"] == 5
    assert body["errors"][0]["error"].endswith("choose from none")


def test_malformed_reasons_are_refused_by_the_schema(post, assistant):
    body = post(BATCH + [feedback("f1", reasons="Too long"), feedback("f2", reasons=[""])]).json()
    assert [error["id"] for error in body["errors"]] == ["f1", "f2"]
    assert not Rating.objects.exists()


def test_a_question_that_arrives_after_the_rating_reaches_its_copy(post, assistant):
    answer = message("m2", role="assistant", timestamp="2026-11-20T10:00:05Z", content="Yes.")
    assert post([answer, feedback("f1")]).json()["accepted"] == 2
    assert Rating.objects.get().question == ""
    later = message("m1", timestamp="2026-11-20T10:00:00Z", content="Can I pay by card?")
    assert post([later]).json()["accepted"] == 1
    assert Rating.objects.get().question == "Can I pay by card?"
