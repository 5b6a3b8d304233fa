"""Writes of the feedback app: ratings, what their authors share, and the daily counters.

`record_ratings` is the write path of rating events (the events API and the chat's thumbs);
it keeps `DailyFeedback` exact in the same transaction. The chat's follow-up form changes
a rating's comment, reasons and sharing, and the Feedback tab's review its status and note:
no counter depends on either.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from assistants import rollups
from assistants.lib.sql import bulk_cursor
from assistants.models import Assistant
from assistants.versions import version_at_sql
from feedback import facets, version_feedback
from feedback.models import (
    COMMENT_MAX_LENGTH,
    CONTACT_NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REASONS_PER_LIST,
    Rating,
    ReasonLists,
)

VALUES = (Rating.Value.POSITIVE, Rating.Value.NEGATIVE)


@dataclass(frozen=True)
class NewRating:
    message_id: int  # an assistant message of this assistant
    participant_id: int  # who rates: must be the participant of the message's conversation
    value: str  # "positive" | "negative"
    rated_at: datetime  # aware
    comment: str = ""
    share_contact: bool = False
    contact_name: str = ""  # stored only when share_contact
    contact_email: str = ""
    share_chat: bool = False  # share the conversation as it was at rated_at
    external_id: str | None = None
    reasons: tuple[str, ...] = ()  # labels from the assistant's list for `value`


def rating_problem(rating: NewRating) -> str | None:
    """Why `record_ratings` would refuse this rating, or None. No query."""
    if rating.value not in VALUES:
        return "rating must be “positive” or “negative”"
    if timezone.is_naive(rating.rated_at):
        return "the time must carry its UTC offset"
    if len(rating.comment) > COMMENT_MAX_LENGTH:
        return f"the comment is longer than {COMMENT_MAX_LENGTH} characters"
    for reason in rating.reasons:
        if not reason or len(reason) > REASON_MAX_LENGTH or "\n" in reason:
            return f"a reason is a label of 1 to {REASON_MAX_LENGTH} characters on one line"
    if rating.share_contact:
        if len(rating.contact_name) > CONTACT_NAME_MAX_LENGTH:
            return f"the contact name is longer than {CONTACT_NAME_MAX_LENGTH} characters"
        if rating.contact_email:
            try:
                validate_email(rating.contact_email)
            except ValidationError:
                return "the contact e-mail is not an e-mail address"
    return None


def reasons_problem(
    *, value: str, reasons: Sequence[str], lists: dict[str, list[str]]
) -> str | None:
    """Why these reasons cannot go with a rating of `value`, given the assistant's
    `selectors.reason_lists`, or None. No query."""
    allowed = lists.get(value, [])
    unknown = [reason for reason in reasons if reason not in allowed]
    if not unknown:
        return None
    choices = ", ".join(f"“{reason}”" for reason in allowed) or "none"
    return f"reasons: “{unknown[0]}” is not a reason for a {value} rating; choose from {choices}"


# The version of the rated answer, stored with the rating when it is first written.
_ANSWER_VERSION = version_at_sql(assistant="%(assistant)s", moment="m.created_at")

# One statement: keep the valid ratings of the batch, upsert them, and fold the change of each
# written rating (its old day and value out, its new ones in) into the daily counters. Every
# CTE sees the table as it was before the statement, so `old` holds the replaced values.
_UPSERT_RATINGS = f"""
WITH input AS (
    SELECT * FROM unnest(
        %(messages)s::bigint[], %(participants)s::bigint[], %(values)s::text[],
        %(times)s::timestamptz[], %(comments)s::text[], %(share_contacts)s::boolean[],
        %(names)s::text[], %(emails)s::text[], %(share_chats)s::boolean[],
        %(external_ids)s::text[], %(reasons)s::text[]
    ) WITH ORDINALITY AS i(message_id, participant_id, value, rated_at, comment,
                           share_contact, contact_name, contact_email, share_chat,
                           external_id, reason_lines, ord)
),
valid AS (
    -- An answer of this assistant, rated by the person whose conversation it is; an external
    -- id already stored is a retry.
    -- The question is the asker's last message before the answer (message_by_conversation).
    SELECT i.*, m.conversation_id, m.content AS answer,
           coalesce((SELECT q.content FROM assistants_message q
                     WHERE q.assistant_id = %(assistant)s
                       AND q.conversation_id = m.conversation_id AND q.role = 'user'
                       AND (q.created_at, q.id) < (m.created_at, m.id)
                     ORDER BY q.created_at DESC, q.id DESC LIMIT 1), '') AS question,
           {_ANSWER_VERSION} AS version,
           coalesce(string_to_array(nullif(i.reason_lines, ''), E'\\n'), ARRAY[]::text[])
               AS reasons
    FROM input i
    JOIN assistants_message m
      ON m.id = i.message_id AND m.assistant_id = %(assistant)s AND m.role = 'assistant'
    JOIN assistants_conversation c
      ON c.id = m.conversation_id AND c.participant_id = i.participant_id
    WHERE i.external_id IS NULL OR NOT EXISTS (
        SELECT 1 FROM feedback_rating r
        WHERE r.assistant_id = %(assistant)s AND r.external_id = i.external_id
    )
),
first_of_id AS (
    SELECT DISTINCT ON (external_id IS NULL, coalesce(external_id, ord::text)) *
    FROM valid ORDER BY external_id IS NULL, coalesce(external_id, ord::text), ord
),
latest AS (
    -- One rating per answer and person in a batch: the last one given.
    SELECT DISTINCT ON (message_id, participant_id) *
    FROM first_of_id ORDER BY message_id, participant_id, rated_at DESC, ord DESC
),
old AS (
    SELECT r.message_id, r.participant_id, r.value, r.rated_at
    FROM feedback_rating r
    JOIN latest l ON l.message_id = r.message_id AND l.participant_id = r.participant_id
    WHERE r.assistant_id = %(assistant)s
),
written AS (
    INSERT INTO feedback_rating AS r (
        assistant_id, message_id, conversation_id, participant_id, value, rated_at, answer,
        comment, share_contact, contact_name, contact_email, share_token, chat_shared_at,
        external_id, updated_at, question, version, reasons, status, note)
    SELECT %(assistant)s, message_id, conversation_id, participant_id, value, rated_at,
           answer, comment, share_contact,
           CASE WHEN share_contact THEN contact_name ELSE '' END,
           CASE WHEN share_contact THEN contact_email ELSE '' END,
           CASE WHEN share_chat THEN gen_random_uuid() END,
           CASE WHEN share_chat THEN rated_at END,
           external_id, now(), question, version, reasons, 'new', ''
    FROM latest
    ON CONFLICT (assistant_id, message_id, participant_id) DO UPDATE SET
        value = EXCLUDED.value,
        rated_at = EXCLUDED.rated_at,
        external_id = coalesce(EXCLUDED.external_id, r.external_id),
        updated_at = EXCLUDED.updated_at,
        comment = CASE WHEN %(replace)s THEN EXCLUDED.comment ELSE r.comment END,
        share_contact = CASE WHEN %(replace)s THEN EXCLUDED.share_contact
                             ELSE r.share_contact END,
        contact_name = CASE WHEN %(replace)s THEN EXCLUDED.contact_name ELSE r.contact_name END,
        contact_email = CASE WHEN %(replace)s THEN EXCLUDED.contact_email
                             ELSE r.contact_email END,
        -- A chat shared before stays at its link; its snapshot moves to the new rating time.
        share_token = CASE WHEN NOT %(replace)s THEN r.share_token
                           WHEN EXCLUDED.share_token IS NULL THEN NULL
                           ELSE coalesce(r.share_token, EXCLUDED.share_token) END,
        chat_shared_at = CASE WHEN %(replace)s THEN EXCLUDED.chat_shared_at
                              ELSE r.chat_shared_at END,
        -- The thumbs keep the reasons unless the value changes: they were for the other list.
        reasons = CASE WHEN %(replace)s THEN EXCLUDED.reasons
                       WHEN EXCLUDED.value <> r.value THEN ARRAY[]::text[] ELSE r.reasons END,
        -- A rating whose value changes needs a new look.
        status = CASE WHEN EXCLUDED.value <> r.value THEN 'new' ELSE r.status END
    -- An event older than the current rating does not replace it; the chat's thumbs only
    -- write a change of value.
    WHERE EXCLUDED.rated_at >= r.rated_at AND (%(replace)s OR EXCLUDED.value <> r.value)
    RETURNING r.id, r.external_id, r.message_id, r.participant_id, r.conversation_id, r.value,
              r.rated_at
),
sourced AS (
    -- Counted by the source of the rated answer's conversation (a re-rating keeps it).
    SELECT w.*, {rollups.SOURCE_SQL} AS source
    FROM written w JOIN assistants_conversation c ON c.id = w.conversation_id
),
deltas AS (
    SELECT (w.rated_at AT TIME ZONE %(tz)s)::date AS day, w.source,
           (w.value = 'positive')::int AS positive, (w.value = 'negative')::int AS negative
    FROM sourced w
    UNION ALL
    SELECT (o.rated_at AT TIME ZONE %(tz)s)::date, w.source,
           -(o.value = 'positive')::int, -(o.value = 'negative')::int
    FROM old o
    JOIN sourced w ON w.message_id = o.message_id AND w.participant_id = o.participant_id
),
per_day AS (
    SELECT day, source, sum(positive)::int AS positive, sum(negative)::int AS negative
    FROM deltas GROUP BY day, source HAVING sum(positive) <> 0 OR sum(negative) <> 0
),
counted AS (
    -- A day without a row gains ratings only, so its new row never starts below zero.
    INSERT INTO feedback_dailyfeedback AS d (assistant_id, day, source, positive, negative)
    SELECT %(assistant)s, day, source, greatest(positive, 0), greatest(negative, 0)
    FROM per_day
    ON CONFLICT (assistant_id, day, source) DO UPDATE SET
        positive = d.positive + (SELECT p.positive FROM per_day p
                                 WHERE p.day = EXCLUDED.day AND p.source = EXCLUDED.source),
        negative = d.negative + (SELECT p.negative FROM per_day p
                                 WHERE p.day = EXCLUDED.day AND p.source = EXCLUDED.source)
    RETURNING d.day, d.source, d.positive, d.negative
)
SELECT id, external_id, NULL::date, NULL FROM written
UNION ALL
SELECT NULL, NULL, day, source FROM counted WHERE positive = 0 AND negative = 0
"""

# A day whose last rating moved away keeps no row, as after a rebuild.
_DELETE_EMPTY_DAYS = """
DELETE FROM feedback_dailyfeedback d
USING unnest(%(days)s::date[], %(sources)s::text[]) AS empty(day, source)
WHERE d.assistant_id = %(assistant)s AND d.day = empty.day AND d.source = empty.source
  AND d.positive = 0 AND d.negative = 0
"""


def _upsert(
    *, assistant: Assistant, ratings: Sequence[NewRating], replace: bool
) -> list[tuple[int, str | None]]:
    if not ratings:
        return []
    for rating in ratings:
        problem = rating_problem(rating)
        if problem:
            raise ValueError(problem)
    rollups.lock_counters([assistant.pk])
    # The values this batch may replace, read under the lock so they stay current.
    old_values = version_feedback.current_values(
        assistant_id=assistant.pk,
        message_ids=[r.message_id for r in ratings],
        participant_ids=[r.participant_id for r in ratings],
    )
    with bulk_cursor() as cursor:
        cursor.execute(
            _UPSERT_RATINGS,
            {
                "assistant": assistant.pk,
                "tz": assistant.time_zone,
                "replace": replace,
                "messages": [r.message_id for r in ratings],
                "participants": [r.participant_id for r in ratings],
                "values": [str(r.value) for r in ratings],
                "times": [r.rated_at for r in ratings],
                "comments": [r.comment for r in ratings],
                "share_contacts": [r.share_contact for r in ratings],
                "names": [r.contact_name.strip() for r in ratings],
                "emails": [r.contact_email.strip() for r in ratings],
                "share_chats": [r.share_chat for r in ratings],
                "external_ids": [r.external_id for r in ratings],
                # A reason picked twice is picked once, as the follow-up form keeps it: the
                # tab counts ratings with a reason, which counting picks would double.
                "reasons": ["\n".join(dict.fromkeys(r.reasons)) for r in ratings],
            },
        )
        rows = cursor.fetchall()
        written = [(rating_id, external_id) for rating_id, external_id, _, _ in rows if rating_id]
        empty = [(day, source) for rating_id, _, day, source in rows if rating_id is None]
        if empty:
            cursor.execute(
                _DELETE_EMPTY_DAYS,
                {
                    "assistant": assistant.pk,
                    "days": [day for day, _ in empty],
                    "sources": [source for _, source in empty],
                },
            )
    version_feedback.apply(
        assistant_id=assistant.pk,
        time_zone=assistant.time_zone,
        rating_ids=[rating_id for rating_id, _ in written],
        old=old_values,
    )
    facets.apply(
        assistant_id=assistant.pk,
        time_zone=assistant.time_zone,
        rating_ids=[rating_id for rating_id, _ in written],
        old=old_values,
    )
    return written


@transaction.atomic
def record_ratings(
    *, assistant: Assistant, ratings: Sequence[NewRating]
) -> list[tuple[int, str | None]]:
    """Upsert: one current rating per (assistant, message, participant); a rating whose
    external_id is already stored for the assistant is skipped (retries are safe). Keeps
    feedback.models.DailyFeedback exact in the same transaction (a changed rating moves to
    the day and value of the change). Bulk: a constant number of queries for any batch.
    Returns (rating id, external_id) of the ratings written now.

    Each rating replaces the current one whole (comment and sharing too), unless it is
    older than the current one. A rating of a message that is not an answer in the rater's
    own conversation with this assistant is not written. Raises ValueError, writing
    nothing, when `rating_problem` finds fault with one. Six queries at most (lock, the
    replaced values, upsert, a clean-up when a day lost its last rating, the version
    counters, `feedback.version_feedback`; the facet rows, `feedback.facets`).
    """
    return _upsert(assistant=assistant, ratings=ratings, replace=True)


@transaction.atomic
def rate_answer(
    *, assistant: Assistant, message_id: int, participant_id: int, value: str, at: datetime
) -> bool:
    """The chat's thumbs: give or change the value of a rating, keeping its comment and
    sharing. Returns whether anything changed (the same value again changes nothing).
    Six queries at most."""
    written = _upsert(
        assistant=assistant,
        ratings=[
            NewRating(
                message_id=message_id, participant_id=participant_id, value=value, rated_at=at
            )
        ],
        replace=False,
    )
    return bool(written)


def _change_under_lock(statement: str, params: dict) -> int:
    """Run a `facets.change_and_count` statement on the ratings of `params["assistant"]`,
    in a transaction of its own under that assistant's counter lock. Returns how many
    ratings it changed. Two queries (the lock, then the change with its facet rows)."""
    with transaction.atomic():
        rollups.lock_counters([params["assistant"]])
        with bulk_cursor() as cursor:
            cursor.execute(statement, params)
            (changed,) = cursor.fetchone()
    return changed


# The follow-up form's change, with its comment and reasons folded into the facet rows.
_UPDATE_DETAILS = facets.change_and_count(
    select="r.id = %(id)s",
    update="""comment = %(comment)s, reasons = %(reasons)s::text[],
        share_contact = %(share_contact)s, contact_name = %(contact_name)s,
        contact_email = %(contact_email)s, share_token = %(share_token)s,
        chat_shared_at = %(chat_shared_at)s, updated_at = %(updated_at)s""",
)


def update_details(
    *,
    rating: Rating,
    comment: str,
    share_contact: bool,
    contact_name: str,
    contact_email: str,
    share_chat: bool,
    at: datetime,
    reasons: Sequence[str] | None = None,
) -> Rating:
    """Set what the author adds to a rating. Contact details are dropped unless shared; a
    chat shared now is the conversation as it is at `at`, and keeps its link while it stays
    shared; not sharing it any more makes its link dead. `reasons` (None: unchanged) are
    labels the caller has checked against the assistant's list. Two queries (the counter
    lock, then the change with its facet rows, `feedback.facets`)."""
    rating.comment = comment
    if reasons is not None:
        rating.reasons = list(dict.fromkeys(reasons))
    rating.share_contact = share_contact
    rating.contact_name = contact_name.strip() if share_contact else ""
    rating.contact_email = contact_email.strip() if share_contact else ""
    if share_chat and rating.share_token is None:
        rating.share_token = uuid.uuid4()
        rating.chat_shared_at = at
    elif not share_chat:
        rating.share_token = None
        rating.chat_shared_at = None
    rating.updated_at = at
    _change_under_lock(
        _UPDATE_DETAILS,
        {
            "assistant": rating.assistant_id,
            "id": rating.pk,
            "comment": rating.comment,
            "reasons": rating.reasons,
            "share_contact": rating.share_contact,
            "contact_name": rating.contact_name,
            "contact_email": rating.contact_email,
            "share_token": rating.share_token,
            "chat_shared_at": rating.chat_shared_at,
            "updated_at": at,
        },
    )
    return rating


def withdraw_contact(*, rating: Rating, at: datetime) -> Rating:
    """Forget the shared name and e-mail. One query."""
    return update_details(
        rating=rating,
        comment=rating.comment,
        share_contact=False,
        contact_name="",
        contact_email="",
        share_chat=rating.chat_shared,
        at=at,
    )


def withdraw_shared_chat(*, rating: Rating, at: datetime) -> Rating:
    """Stop sharing the chat; its link answers 404 from now on. One query."""
    return update_details(
        rating=rating,
        comment=rating.comment,
        share_contact=rating.share_contact,
        contact_name=rating.contact_name,
        contact_email=rating.contact_email,
        share_chat=False,
        at=at,
    )


def forget_chat_text(conversation) -> None:
    """A deleted chat takes its text with it: the rated answers' copies go, and its shared
    chats stop being shared. The ratings stay, and so do their counts. One query."""
    Rating.objects.filter(
        assistant_id=conversation.assistant_id, conversation_id=conversation.pk
    ).update(answer="", question="", share_token=None, chat_shared_at=None)


# Every text column of a rating (and the shared chat, which shows the conversation's text)
# emptied at once; the value and its time stay, so the rating still counts, but no longer
# as one with a comment: the facet rows follow what the has_comment filter lists.
_ERASE_PERSON_TEXT = facets.change_and_count(
    # By the person's conversations, on the rating_by_conversation index.
    select="""r.conversation_id IN (
        SELECT c.id FROM assistants_conversation c
        WHERE c.assistant_id = %(assistant)s AND c.participant_id = %(participant)s
    ) AND r.participant_id = %(participant)s""",
    also=""", r.share_contact, r.share_token IS NOT NULL AS had_shared_chat,
        r.answer <> '' AS had_answer""",
    update="""answer = '', question = '', comment = '', share_contact = false,
        contact_name = '', contact_email = '', share_token = NULL, chat_shared_at = NULL,
        text_erased_at = %(now)s, updated_at = %(now)s""",
    result="""SELECT count(*) FILTER (WHERE has_comment), count(*) FILTER (WHERE share_contact),
       count(*) FILTER (WHERE had_shared_chat), count(*) FILTER (WHERE had_answer)
FROM old""",
)


def erase_person_text(participant) -> dict[str, int]:
    """Erase what one person wrote or shared in their ratings of one assistant: comments,
    contact details, the copies of rated answers and their questions, and shared chats
    (whose links die at once). Their ratings keep counting, without text. Runs in
    `erase_person_content`'s transaction (registered in `FeedbackConfig.ready`). Returns
    {what: how many}. Two queries (the counter lock, then the erasure with its facet rows)."""
    rollups.lock_counters([participant.assistant_id])
    with bulk_cursor() as cursor:
        cursor.execute(
            _ERASE_PERSON_TEXT,
            {
                "assistant": participant.assistant_id,
                "participant": participant.pk,
                "now": timezone.now(),
            },
        )
        comments, contacts, shared_chats, answers = cursor.fetchone()
    return {
        "comments": comments,
        "contact details": contacts,
        "shared chats": shared_chats,
        "rated-answer copies": answers,
    }


def forget_expired_text(batch) -> dict[str, int]:
    """The copies of text that `purge_expired_content` just erased: the rated-answer and
    question copies of the batch's answers, and chats shared before the limit in its
    conversations (all of their text is expired). Comments and contact details stay until
    their author withdraws them (SPEC §9). Runs in the batch's transaction. Two queries, on
    the ratings' indexes led by (assistant, message) and (assistant, conversation)."""
    answers = (
        Rating.objects.filter(assistant_id=batch.assistant_id, message_id__in=batch.message_ids)
        .exclude(answer="", question="")
        .update(answer="", question="")
    )
    shared_chats = Rating.objects.filter(
        assistant_id=batch.assistant_id,
        conversation_id__in=batch.conversation_ids,
        chat_shared_at__lt=batch.before,
    ).update(share_token=None, chat_shared_at=None)
    return {"rated-answer copies": answers, "shared chats": shared_chats}


# A question that arrives after its answer was rated (the events API takes events in any
# order): the ratings of those conversations take the question again, by the same rule as
# `_UPSERT_RATINGS` (the asker's last message before the answer).
_REFRESH_QUESTIONS = """
UPDATE feedback_rating r SET question = q.question
FROM (
    SELECT r2.id, coalesce((SELECT u.content FROM assistants_message u
                            WHERE u.assistant_id = %(assistant)s
                              AND u.conversation_id = m.conversation_id AND u.role = 'user'
                              AND (u.created_at, u.id) < (m.created_at, m.id)
                            ORDER BY u.created_at DESC, u.id DESC LIMIT 1), '') AS question
    FROM feedback_rating r2
    JOIN assistants_message m ON m.id = r2.message_id
    WHERE r2.assistant_id = %(assistant)s AND r2.conversation_id = ANY(%(conversations)s)
) q
WHERE r.id = q.id AND r.question IS DISTINCT FROM q.question
"""


def refresh_questions(*, assistant: Assistant, conversation_ids: Sequence[int]) -> None:
    """After new user messages in these conversations, give their ratings the question their
    answer now follows. One query (on rating_by_conversation), none without conversations."""
    if not conversation_ids:
        return
    with bulk_cursor() as cursor:
        cursor.execute(
            _REFRESH_QUESTIONS,
            {"assistant": assistant.pk, "conversations": sorted(set(conversation_ids))},
        )


# --- Reason lists --------------------------------------------------------------------------


def set_reason_lists(
    *, assistant: Assistant, positive: Sequence[str], negative: Sequence[str], by, at: datetime
) -> ReasonLists:
    """Replace the assistant's two reason lists (labels trimmed, duplicates dropped, order
    kept). Ratings keep the reasons they have, listed or not. One query."""

    def clean(labels: Sequence[str]) -> list[str]:
        kept = list(dict.fromkeys(label.strip() for label in labels if label.strip()))
        if len(kept) > REASONS_PER_LIST or any(len(label) > REASON_MAX_LENGTH for label in kept):
            raise ValueError(
                f"at most {REASONS_PER_LIST} reasons of {REASON_MAX_LENGTH} characters a list"
            )
        return kept

    lists, _ = ReasonLists.objects.update_or_create(
        assistant=assistant,
        defaults={
            "positive": clean(positive),
            "negative": clean(negative),
            "updated_by": by,
            "updated_at": at,
        },
    )
    return lists


# --- Review --------------------------------------------------------------------------------


_REVIEW = facets.change_and_count(
    select="r.id = %(id)s",
    update="status = %(status)s, note = %(note)s, reviewed_by_id = %(by)s, reviewed_at = %(at)s",
)
_MARK_REVIEWED = facets.change_and_count(
    select="r.id = ANY(%(ids)s::bigint[]) AND r.status = 'new'",
    update="status = 'reviewed', reviewed_by_id = %(by)s, reviewed_at = %(at)s",
)


def review_rating(
    *, assistant: Assistant, rating_id: int, status: str, note: str, by, at: datetime
) -> bool:
    """Set one rating's review status and private note, and who did it and when. Never
    touches a rating's counters; the facet rows by status follow it. Returns False when the
    assistant has no such rating. Two queries (the counter lock, then the review with its
    facet rows)."""
    if status not in Rating.Status.values:
        raise ValueError(f"status must be one of {', '.join(Rating.Status.values)}")
    changed = _change_under_lock(
        _REVIEW,
        {
            "assistant": assistant.pk,
            "id": rating_id,
            "status": status,
            "note": note.strip(),
            "by": by.pk if by is not None else None,
            "at": at,
        },
    )
    return changed == 1


def mark_reviewed(*, assistant: Assistant, rating_ids: Sequence[int], by, at: datetime) -> int:
    """Mark the assistant's ratings among `rating_ids` that are still new as reviewed
    (resolved ones stay resolved), with the facet rows by status. Returns how many changed.
    Two queries (the counter lock, then the change)."""
    return _change_under_lock(
        _MARK_REVIEWED,
        {
            "assistant": assistant.pk,
            "ids": list(rating_ids),
            "by": by.pk if by is not None else None,
            "at": at,
        },
    )
