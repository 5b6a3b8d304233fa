"""The Feedback tab's facet counters equal a naive recount from the ratings after any mix of
ratings, re-ratings, reason and comment edits, reviews and erasure, in a zone with a DST
change; the tab's counts under each single filter (a search of one word among them) read
them and agree with the ratings."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.db.models import F, Func
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants import services as assistant_services
from assistants.models import Participant
from assistants.timeframe import DateRange
from feedback import selectors, services
from feedback.models import DEFAULT_REASONS, WORD_PREFIX_MAX, DailyFeedbackFacet, Rating
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate
from tests.properties import (
    ON_THE_DATABASE,
    apply_ratings,
    assert_recounted_and_rebuilt,
    rating_operations,
)

# Answers over four days around the end of summer time in New York (2026-11-01 06:00 UTC).
START = datetime(2026, 10, 31, 0, tzinfo=UTC)
ANSWER_HOURS = [1, 4.5, 23.9, 29.99, 30.01, 31, 47, 55.4]
MINUTES = 5 * 24 * 60
REASONS = {value: list(labels[:3]) for value, labels in DEFAULT_REASONS.items()}
# Comments whose words share beginnings ("menu", "menus", "me"), repeat a word, join two
# with a hyphen, hold digits and letters beyond ASCII, and run past the longest counted
# beginning (`WORD_PREFIX_MAX`).
COMMENTS = [
    "Words",
    "The menu moved: menus, MENU and me",
    "e-mail 12 times, Ünïcode ménu",
    "Supercalifragilisticexpialidocious-ly long",
]

Key = tuple[date, str, int, str, str, str]


def stored(assistant) -> dict[Key, tuple[int, int, int]]:
    return {
        (row.day, row.value, row.version, row.facet, row.label, row.reason): (
            row.ratings,
            row.new,
            row.resolved,
        )
        for row in DailyFeedbackFacet.objects.filter(assistant=assistant)
    }


def naive_recount(assistant) -> dict[Key, tuple[int, int, int]]:
    """From the ratings: each one under the day it was given in the reporting zone, its
    value, its answer's version and every facet it has; then under each facet again with
    each reason it lists (a reason listed twice, twice), where a reason facet takes the
    rating once. A word facet for each beginning, up to `WORD_PREFIX_MAX` characters, of the
    words PostgreSQL finds in the comment."""
    tally: Counter = Counter()
    for rating in Rating.objects.filter(assistant=assistant).annotate(
        words=Func(F("search"), function="tsvector_to_array")
    ):
        day = rating.rated_at.astimezone(assistant.tzinfo).date()
        facets = [("reason", reason) for reason in rating.reasons]
        facets += [("comment", "")] if rating.comment else []
        facets += [("status", rating.status), ("version", str(rating.version))]
        facets += sorted(
            {
                ("word", word[:length])
                for word in rating.words
                for length in range(1, min(len(word), WORD_PREFIX_MAX) + 1)
            }
        )
        paired = [("reason", reason) for reason in set(rating.reasons)]
        paired += [facet for facet in facets if facet[0] != "reason"]
        keys = [(facet, label, "") for facet, label in facets]
        keys += [(facet, label, r) for facet, label in paired for r in rating.reasons]
        for facet, label, reason in keys:
            key = (day, rating.value, rating.version, facet, label, reason)
            tally[*key, "ratings"] += 1
            for status in ("new", "resolved"):
                tally[*key, status] += rating.status == status
    keys = {key[:6] for key in tally}
    return {
        key: (tally[*key, "ratings"], tally[*key, "new"], tally[*key, "resolved"]) for key in keys
    }


@pytest.fixture
def world(db):
    with time_machine.travel(START - timedelta(days=1), tick=False):
        assistant = AssistantFactory(time_zone="America/New_York")
    # Version 2 from 30 hours in: the answers from 30.01 hours on are its.
    with time_machine.travel(START + timedelta(hours=30), tick=False):
        assistant_services.update_configuration(
            assistant=assistant, changed_by=assistant.creator, description="Second version"
        )
    people = [UserFactory(), UserFactory()]
    for person in people:
        assistant_services.set_member_role(assistant=assistant, user=person, role="user")
    answers = [
        chat_turn(assistant, people[index % 2], START + timedelta(hours=hours))
        for index, hours in enumerate(ANSWER_HOURS)
    ]
    return assistant, answers


ANSWER = st.integers(min_value=0, max_value=len(ANSWER_HOURS) - 1)
CHANGES = st.lists(
    st.one_of(
        # Ratings and re-ratings, as events or the chat's thumbs.
        rating_operations(answers=len(ANSWER_HOURS), minutes=MINUTES, max_size=1).map(
            lambda ops: ("rate", ops)
        ),
        # An event with a comment and reasons.
        st.tuples(
            st.just("event"),
            ANSWER,
            st.sampled_from(["positive", "negative"]),
            st.integers(min_value=0, max_value=MINUTES),
            st.booleans(),
            st.lists(st.integers(min_value=0, max_value=2), max_size=3),
        ),
        # The follow-up form: comment and reasons edited.
        st.tuples(
            st.just("details"),
            ANSWER,
            st.booleans(),
            st.lists(st.integers(min_value=0, max_value=2), max_size=3),
        ),
        st.tuples(st.just("review"), ANSWER, st.sampled_from(Rating.Status.values)),
        st.tuples(st.just("mark"), st.lists(ANSWER, max_size=4)),
        st.tuples(st.just("erase"), st.integers(min_value=0, max_value=1)),
    ),
    max_size=25,
)


def _rating(assistant, answer) -> Rating | None:
    return Rating.objects.filter(assistant=assistant, message_id=answer.pk).first()


def apply_changes(assistant, answers, changes) -> None:
    at = START + timedelta(days=6)
    for change in changes:
        kind, *args = change
        if kind == "rate":
            apply_ratings(assistant, answers, args[0], start=START)
        elif kind == "event":
            index, value, minutes, commented, picks = args
            rate(
                assistant,
                answers[index],
                value,
                START + timedelta(minutes=minutes),
                comment=COMMENTS[minutes % len(COMMENTS)] if commented else "",
                reasons=tuple(REASONS[value][pick] for pick in picks),
            )
        elif kind == "details":
            index, commented, picks = args
            rating = _rating(assistant, answers[index])
            if rating is not None:
                services.update_details(
                    rating=rating,
                    comment=COMMENTS[(index + 1) % len(COMMENTS)] if commented else "",
                    share_contact=False,
                    contact_name="",
                    contact_email="",
                    share_chat=False,
                    at=at,
                    reasons=[REASONS[rating.value][pick] for pick in picks],
                )
        elif kind == "review":
            index, status = args
            rating = _rating(assistant, answers[index])
            if rating is not None:
                services.review_rating(
                    assistant=assistant,
                    rating_id=rating.pk,
                    status=status,
                    note="",
                    by=assistant.creator,
                    at=at,
                )
        elif kind == "mark":
            ids = [r.pk for i in args[0] if (r := _rating(assistant, answers[i])) is not None]
            services.mark_reviewed(assistant=assistant, rating_ids=ids, by=assistant.creator, at=at)
        else:
            participant = answers[args[0]].conversation.participant
            assistant_services.erase_person_content(assistant=assistant, participant=participant)


@settings(ON_THE_DATABASE, max_examples=60)
@given(changes=CHANGES)
def test_facet_counters_equal_a_naive_recount_and_a_rebuild(world, changes):
    assistant, answers = world
    with transaction.atomic():
        apply_changes(assistant, answers, changes)
        assert_recounted_and_rebuilt(assistant, stored=stored, recount=naive_recount)
        # The reasons chart under each single filter, read from those rows.
        days = DateRange(date(2026, 10, 30), date(2026, 11, 6))
        for filters in SINGLE_FILTERS:
            chart = selectors.reason_counts(assistant, days, filters)
            assert_chart_counts_the_ratings(chart, assistant, days, filters)
            assert_counts_count_the_ratings(assistant, days, filters)
        transaction.set_rollback(True)


SINGLE_FILTERS = [
    selectors.FeedbackFilters(has_comment=True),
    selectors.FeedbackFilters(reason=REASONS["negative"][0]),
    selectors.FeedbackFilters(reason=REASONS["positive"][1], rating="positive"),
    selectors.FeedbackFilters(status="new"),
    selectors.FeedbackFilters(status="reviewed", rating="negative"),
    selectors.FeedbackFilters(version=1),
    selectors.FeedbackFilters(q="Menu"),
    selectors.FeedbackFilters(q="m", rating="negative"),
    selectors.FeedbackFilters(q="12"),
    # One of them with a review status: the status's count of that facet's rows.
    selectors.FeedbackFilters(q="Menu", status="new"),
    selectors.FeedbackFilters(q="m", status="reviewed", rating="positive"),
    selectors.FeedbackFilters(reason=REASONS["negative"][0], status="resolved"),
    selectors.FeedbackFilters(has_comment=True, status="reviewed"),
    selectors.FeedbackFilters(version=1, status="new", rating="negative"),
    # And with a version (and a status).
    selectors.FeedbackFilters(q="Menu", version=2),
    selectors.FeedbackFilters(reason=REASONS["negative"][0], version=1, status="reviewed"),
    selectors.FeedbackFilters(has_comment=True, version=2, rating="positive"),
]


def test_a_search_the_word_rows_cannot_answer_reads_the_ratings():
    """Several words, a word of letters beyond ASCII (lower-cased by PostgreSQL, not
    Python) and a word longer than the longest counted beginning are searched in the
    ratings themselves; one word of ASCII letters and digits is counted."""
    assert selectors.counted_word("  Menu? ") == "menu"
    assert selectors.counted_word("R2d2") == "r2d2"
    for text in ("menu moved", "ménu", "x" * (WORD_PREFIX_MAX + 1), "e-mail", "!", "under_score"):
        assert selectors.counted_word(text) is None, text
        assert selectors.FeedbackFilters(q=text).counted_facet() is None
        assert selectors.FeedbackFilters(q=text, status="new").counted_facet() is None
    assert selectors.FeedbackFilters(q="menu", status="new").counted_facet() == (
        selectors.CountedFacet("word", "menu", status="new")
    )
    assert selectors.FeedbackFilters(status="resolved").counted_facet() == (
        selectors.CountedFacet("status", "resolved")
    )
    assert selectors.FeedbackFilters(q="menu", version=2).counted_facet() == (
        selectors.CountedFacet("word", "menu", version=2)
    )
    assert selectors.FeedbackFilters(version=2, status="new").counted_facet() == (
        selectors.CountedFacet("version", "2", status="new")
    )
    # Two facets together are not counted, with a status or a version or without.
    assert selectors.FeedbackFilters(q="menu", reason="Slow").counted_facet() is None
    assert (
        selectors.FeedbackFilters(reason="Slow", has_comment=True, version=2).counted_facet()
        is None
    )
    # A search finds comments only: "has a comment" with it is the search alone.
    assert selectors.FeedbackFilters(q="menu", has_comment=True).counted_facet() == (
        selectors.CountedFacet("word", "menu")
    )


def test_erasing_a_comment_takes_it_out_of_the_comment_counts(world):
    assistant, answers = world
    rate(assistant, answers[0], "negative", START + timedelta(hours=2), comment="Slow")
    participant = Participant.objects.get(pk=answers[0].conversation.participant_id)
    assert ("comment", "") in {(f, label) for _, _, _, f, label, _ in stored(assistant)}
    assistant_services.erase_person_content(assistant=assistant, participant=participant)
    assert ("comment", "") not in {(f, label) for _, _, _, f, label, _ in stored(assistant)}
    assert stored(assistant) == naive_recount(assistant)


def test_single_filter_counts_read_the_counters_and_agree_with_the_ratings(
    world, django_assert_num_queries
):
    assistant, answers = world
    for index, hours in enumerate(ANSWER_HOURS):
        value = "positive" if index % 3 else "negative"
        rate(
            assistant,
            answers[index],
            value,
            START + timedelta(hours=hours + 0.5),
            comment=COMMENTS[index % len(COMMENTS)] if index % 4 else "",
            reasons=tuple(REASONS[value][: index % 3]),
        )
    for index, status in ((1, "resolved"), (2, "reviewed"), (5, "resolved")):
        services.review_rating(
            assistant=assistant,
            rating_id=_rating(assistant, answers[index]).pk,
            status=status,
            note="",
            by=None,
            at=START,
        )
    date_range = DateRange(date(2026, 10, 30), date(2026, 11, 2))
    filters = [
        selectors.FeedbackFilters(),
        selectors.FeedbackFilters(has_comment=True),
        selectors.FeedbackFilters(reason=REASONS["positive"][0]),
        selectors.FeedbackFilters(status="new"),
        selectors.FeedbackFilters(status="resolved"),
        selectors.FeedbackFilters(version=1),
        # A search of one word: its beginning's word rows, whatever the case typed.
        selectors.FeedbackFilters(q="MENU"),
        selectors.FeedbackFilters(q="e"),
        selectors.FeedbackFilters(q="12!"),
        selectors.FeedbackFilters(q="supercalifragilisticexpi"),
        # One of them with a review status.
        selectors.FeedbackFilters(q="menu", status="resolved"),
        selectors.FeedbackFilters(q="e", status="reviewed"),
        selectors.FeedbackFilters(reason=REASONS["positive"][0], status="new"),
        selectors.FeedbackFilters(has_comment=True, status="resolved"),
        selectors.FeedbackFilters(version=1, status="reviewed"),
        selectors.FeedbackFilters(q="menu", version=2, status="new"),
        selectors.FeedbackFilters(reason=REASONS["positive"][0], version=2),
    ]
    for kept in filters:
        assert not kept.narrows or kept.counted_facet() is not None
        with django_assert_num_queries(1 if kept.narrows else 2):
            counts = selectors.feedback_counts(assistant, date_range, kept)
        ratings = list(selectors.filtered_ratings(assistant, date_range, kept))
        for value in ("positive", "negative"):
            of_value = [r for r in ratings if r.value == value]
            assert counts.of(value) == len(of_value), kept
            new = sum(r.status == "new" for r in of_value)
            assert (counts.new_positive if value == "positive" else counts.new_negative) == new
    # The reasons chart, unfiltered and under each single filter (with a rating or not),
    # reads the counters and counts the reasons of the ratings that pass, most picked first.
    for kept in filters:
        for rating in (None, "positive", "negative"):
            chosen = replace(kept, rating=rating)
            with django_assert_num_queries(1):
                chart = selectors.reason_counts(assistant, date_range, chosen)
            assert_chart_counts_the_ratings(chart, assistant, date_range, chosen)


def assert_counts_count_the_ratings(assistant, date_range, filters) -> None:
    """The tab's counts from the facet rows equal the ratings that pass, found as the tab's
    items are (a search through the comments' words)."""
    assert filters.counted_facet() is not None
    counts = selectors.feedback_counts(assistant, date_range, filters)
    passing = list(selectors.filtered_ratings(assistant, date_range, filters))
    by_value = {
        value: (
            sum(r.value == value for r in passing),
            sum(r.value == value and r.status == "new" for r in passing),
        )
        for value in ("positive", "negative")
    }
    assert (counts.positive, counts.new_positive) == by_value["positive"], filters
    assert (counts.negative, counts.new_negative) == by_value["negative"], filters


def assert_chart_counts_the_ratings(chart, assistant, date_range, filters) -> None:
    picked = Counter(
        (r.value, reason)
        for r in selectors.filtered_ratings(assistant, date_range, filters)
        if filters.rating in (None, r.value)
        for reason in r.reasons
    )
    assert {("positive", k): n for k, n in chart.positive} | {
        ("negative", k): n for k, n in chart.negative
    } == {(v, k): n for (v, k), n in picked.items()}, filters
    for column in (chart.positive, chart.negative):
        assert column == sorted(column, key=lambda pair: (-pair[1], pair[0]))


@settings(ON_THE_DATABASE, max_examples=30)
@given(data=st.data())
def test_a_batch_of_events_folds_into_the_facets(world, data):
    """The events API writes a batch in one `record_ratings`: re-ratings of one answer in the
    batch and ratings that replace stored ones keep the facet rows exact."""
    assistant, answers = world
    events = data.draw(
        st.lists(
            st.tuples(
                ANSWER,
                st.sampled_from(["positive", "negative"]),
                st.integers(min_value=0, max_value=MINUTES),
                st.booleans(),
                st.lists(st.integers(min_value=0, max_value=2), max_size=2),
            ),
            max_size=12,
        )
    )
    split = data.draw(st.integers(min_value=0, max_value=len(events)))
    with transaction.atomic():
        for part in (events[:split], events[split:]):
            services.record_ratings(
                assistant=assistant,
                ratings=[
                    services.NewRating(
                        message_id=answers[index].pk,
                        participant_id=answers[index].conversation.participant_id,
                        value=value,
                        rated_at=START + timedelta(minutes=minutes),
                        comment=COMMENTS[minutes % len(COMMENTS)] if commented else "",
                        reasons=tuple(REASONS[value][pick] for pick in picks),
                    )
                    for index, value, minutes, commented, picks in part
                ],
            )
        assert_recounted_and_rebuilt(assistant, stored=stored, recount=naive_recount)
        transaction.set_rollback(True)


def test_a_search_of_several_words_is_read_in_order_when_its_words_are_common(world):
    """`planned_search` reads a search the counters do not answer in order when its rarest
    word begins words of more than one comment in `IN_ORDER_SHARE` of the range, and
    through the GIN index otherwise; both ways find the same ratings."""
    assistant, answers = world
    for index, hours in enumerate(ANSWER_HOURS):
        comment = "menu moved" if index < 4 else f"other words {index}"
        rate(assistant, answers[index], "negative", START + timedelta(hours=hours), comment=comment)
    days = DateRange(date(2026, 10, 30), date(2026, 11, 6))

    def planned(q: str, **more) -> selectors.FeedbackFilters:
        return selectors.planned_search(assistant, days, selectors.FeedbackFilters(q=q, **more))

    # 8 comments: "menu" begins words of 4, "7" of 1, "zebra" of none (one in 16 reads
    # the index).
    assert planned("menu moved").search_in_order
    assert planned("menu moved", version=1).search_in_order
    # Counted, with the status or the version.
    assert planned("menu", status="new").search_in_order is False
    assert planned("menu", version=1).search_in_order is False
    assert planned("other 7").search_in_order
    assert not planned("menu zebra").search_in_order
    assert planned("ménu moved").search_in_order  # "moved": 4 of 8; "ménu" not counted
    assert not planned("ménu").search_in_order  # no word counted: the planner chooses
    assert planned("menu").search_in_order is False  # the counters answer it
    for q in ("menu moved", "other 7", "moved", "wor", "menu zebra"):
        for in_order in (False, True):
            chosen = selectors.FeedbackFilters(q=q, status="new", search_in_order=in_order)
            found = sorted(r.pk for r in selectors.filtered_ratings(assistant, days, chosen))
            if not in_order:
                expected = found
            assert found == expected, q
    both = selectors.FeedbackFilters(q="menu moved", status="new")
    assert len(list(selectors.filtered_ratings(assistant, days, both))) == 4


def test_a_search_with_other_filters_reads_only_the_days_their_facets_have(world):
    """`planned_search` narrows the read to the days from the first to the last that every
    filter's facet rows have in the range (a reason picked on two days only, here), and
    to no day when a filter has no rating in it; what passes is the same either way."""
    assistant, answers = world
    late = REASONS["negative"][0]
    for index, hours in enumerate(ANSWER_HOURS):
        rate(
            assistant,
            answers[index],
            "negative",
            START + timedelta(hours=hours),
            comment="menu moved" if index % 2 else "menu stayed",
            reasons=(late,) if index >= 6 else (),
        )
    days = DateRange(date(2026, 10, 30), date(2026, 11, 6))

    def span(indexes) -> DateRange:
        local = [
            (START + timedelta(hours=ANSWER_HOURS[i])).astimezone(assistant.tzinfo).date()
            for i in indexes
        ]
        return DateRange(min(local), max(local))

    # The reason on answers 6 and 7 (1 and 2 November in New York), "moved" on the odd ones
    # (31 October to 2 November), "stayed" on the even ones.
    cases = [
        (dict(q="menu moved", reason=late), span([6, 7])),
        (dict(q="menu", reason=late), span([6, 7])),
        (dict(q="menu moved", status="new"), span([1, 3, 5, 7])),
        (dict(q="stayed menu", has_comment=True, status="new"), span([0, 2, 4, 6])),
        (dict(q="menu moved", status="resolved"), None),  # no rating is resolved
        (dict(q="menu moved", version=3), None),  # nor of version 3
        (dict(q="menu moved", version=2), span([5, 7])),
    ]
    for more, narrowed in cases:
        filters = selectors.FeedbackFilters(**more)
        planned = selectors.planned_search(assistant, days, filters)
        if narrowed is None:
            assert planned.days.length == 0, more
        else:
            assert planned.days == narrowed, more
        found = sorted(r.pk for r in selectors.filtered_ratings(assistant, days, planned))
        everywhere = sorted(r.pk for r in selectors.filtered_ratings(assistant, days, filters))
        assert found == everywhere, more
        summary = selectors.feedback_summary(assistant, days, planned)
        assert summary == selectors.feedback_summary(assistant, days, filters), more
