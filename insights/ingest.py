"""Events from chat front ends outside the app: their schema, and storing a batch of them.

A batch is checked event by event (a bad event never rejects the good ones), then stored in
one transaction through the same write paths as the in-app chat: `record_messages` for the
messages, `record_failures` for the failed replies and `record_ratings` for the feedback,
once per batch each. Idempotency lives in
PostgreSQL: the unique keys on (assistant, external id) of participants, conversations,
messages and ratings, written with `ON CONFLICT DO NOTHING`, so concurrent retries of the same
batch never store an event twice.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from assistants import services as assistant_services
from assistants.models import Assistant, Message
from assistants.selectors import messages_by_external_id, stored_failure_ids, stored_message_ids
from assistants.services import NewConversation, NewFailure, NewMessage
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import COMMENT_MAX_LENGTH, REASON_MAX_LENGTH, REASONS_PER_LIST
from feedback.selectors import stored_rating_ids
from feedback.services import NewRating, rating_problem, reasons_problem

MAX_EVENTS = 1000
MAX_CONTENT_BYTES = 64 * 1024
# A sender's clock may run a little ahead of ours; further ahead is a bug on its side.
MAX_CLOCK_AHEAD = timedelta(minutes=5)
# Earlier than any chat front end; also keeps every offset convertible to UTC.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)

# PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_RFC3339 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    return value


def _content(value: str) -> str:
    # `_storable` inlined: this runs for every message of every batch.
    if _UNSTORABLE.search(value):
        raise ValueError("must not contain NUL characters or unpaired surrogates")
    if len(value) * 4 > MAX_CONTENT_BYTES and len(value.encode()) > MAX_CONTENT_BYTES:
        raise ValueError(f"is longer than {MAX_CONTENT_BYTES // 1024} KiB in UTF-8")
    return value


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("is not a valid date and time") from None
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if moment < EARLIEST:
        raise ValueError("is before 1970")
    return moment


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("is not a valid e-mail address") from None
    return value


def _cost(value: float) -> Decimal:
    # The shortest decimal that reads back as the same float: 0.0021 stays 0.0021.
    return Decimal(repr(float(value)))


# The fields of an answer; a person's message may not carry them.
ANSWER_FIELDS = ("model", "latency_ms", "input_tokens", "output_tokens", "cost_usd")
MAX_COUNT = 2**31 - 1
MAX_COST_USD = 1_000_000

TokenCount = Annotated[int, Field(ge=0, le=MAX_COUNT)]
CostUsd = Annotated[float, Field(ge=0, le=MAX_COST_USD), AfterValidator(_cost)]
ModelName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_storable),
    Field(description="The model's name, as its price is kept in the admin."),
]

SenderId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255),
    AfterValidator(_storable),
    Field(description="The sender's own identifier."),
]
Timestamp = Annotated[
    str,
    StringConstraints(max_length=40, pattern=_RFC3339),
    AfterValidator(_timestamp),
    Field(
        description="RFC 3339 with an offset, such as 2026-11-24T10:15:00Z or "
        "2026-11-24T11:15:00+01:00. At most 5 minutes ahead of the server's clock.",
        json_schema_extra={"format": "date-time"},
        examples=["2026-11-24T10:15:00Z"],
    ),
]


class MessageEvent(BaseModel):
    """One message of a conversation, from the person or from the assistant."""

    model_config = ConfigDict(strict=True, extra="forbid")

    type: Literal["message"]
    id: SenderId
    conversation: Annotated[
        SenderId,
        Field(description="The conversation's id; its first message event creates it."),
    ]
    user: Annotated[
        SenderId,
        Field(description="The person who chats (also on the assistant's answers to them)."),
    ]
    role: Literal["user", "assistant"]
    timestamp: Timestamp
    content: Annotated[
        str,
        StringConstraints(max_length=MAX_CONTENT_BYTES),
        AfterValidator(_content),
        Field(description="The message text, at most 64 KiB in UTF-8."),
    ]
    # How an answer was made: on assistant messages only (`answer_fields_problem`).
    model: ModelName | None = None
    latency_ms: Annotated[
        TokenCount | None,
        Field(description="Milliseconds from the question to the complete answer."),
    ] = None
    input_tokens: Annotated[
        TokenCount | None, Field(description="Tokens the model read (prompt).")
    ] = None
    output_tokens: Annotated[
        TokenCount | None, Field(description="Tokens the model wrote (completion).")
    ] = None
    cost_usd: Annotated[
        CostUsd | None,
        Field(
            description="What the answer cost, in US dollars. Without it, the cost is the "
            "tokens × the model's price kept in the admin."
        ),
    ] = None

    def answer_fields_problem(self) -> str | None:
        """Why the answer fields cannot be taken (given on a person's message), or None."""
        if self.role == "assistant":
            return None
        given = [name for name in ANSWER_FIELDS if getattr(self, name) is not None]
        if given:
            return f"{', '.join(given)}: only assistant messages carry these fields"
        return None


class Contact(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: Annotated[str, StringConstraints(max_length=150), AfterValidator(_storable)] = ""
    email: Annotated[
        str, StringConstraints(max_length=254), AfterValidator(_storable), AfterValidator(_email)
    ] = ""


class FeedbackEvent(BaseModel):
    """A rating of one of the assistant's messages by the person of its conversation."""

    model_config = ConfigDict(strict=True, extra="forbid")

    type: Literal["feedback"]
    id: SenderId
    message: Annotated[
        SenderId, Field(description="The id of an earlier message event from the assistant.")
    ]
    user: Annotated[SenderId, Field(description="The person of the message's conversation.")]
    rating: Literal["positive", "negative"]
    timestamp: Timestamp
    comment: Annotated[
        str,
        StringConstraints(max_length=COMMENT_MAX_LENGTH),
        AfterValidator(_storable),
        Field(description="What the person wrote about the answer."),
    ] = ""
    contact: Annotated[
        Contact | None,
        Field(description="Given only when the person chose to share their name and e-mail."),
    ] = None
    share_chat: Annotated[
        bool,
        Field(description="Share the conversation, as it is at this moment, with its managers."),
    ] = False
    reasons: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=REASON_MAX_LENGTH)]],
        Field(
            max_length=REASONS_PER_LIST,
            description="Reasons picked, each from the assistant's list for this rating.",
        ),
    ] = []


class FailureEvent(BaseModel):
    """A reply that failed: the front end tried to answer in the conversation and got
    nothing (an error, a time-out, an empty answer)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    type: Literal["failure"]
    id: SenderId
    conversation: Annotated[
        SenderId, Field(description="The conversation's id; a failure may start it.")
    ]
    user: Annotated[SenderId, Field(description="The person who was waiting for the answer.")]
    timestamp: Timestamp
    model: ModelName | None = None
    error: Annotated[
        str,
        StringConstraints(max_length=2000),
        AfterValidator(_storable),
        Field(description="What went wrong, for the people who manage the assistant."),
    ] = ""


Event = Annotated[MessageEvent | FeedbackEvent | FailureEvent, Field(discriminator="type")]


class EventBatch(BaseModel):
    """The request body of `POST /api/v1/events`."""

    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[Event], Field(min_length=1, max_length=MAX_EVENTS)]


_EVENT = TypeAdapter(Event)
_BATCH = TypeAdapter(EventBatch)


@dataclass(frozen=True)
class EventError:
    index: int
    id: str | None
    error: str


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    errors: list[EventError] = field(default_factory=list)


def _describe(error: ValidationError) -> str:
    """A pydantic error list as one sentence a developer can act on."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:3]:
        location = [str(part) for part in item["loc"]]
        if location and location[0] in ("message", "feedback", "failure"):
            location = location[1:]  # the discriminator's tag
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            location, message = ["type"], 'must be "message", "feedback" or "failure"'
        elif item["type"] == "string_pattern_mismatch" and location[-1:] == ["timestamp"]:
            message = "must be RFC 3339 with an offset, such as 2026-11-24T10:15:00Z"
        elif item["type"] in ("model_type", "model_attributes_type"):
            message = "must be a JSON object"
        elif item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a field of this event type"
        parts.append(f"{'.'.join(location)}: {message}" if location else message)
    return "; ".join(parts)


def _sender_id(raw: object) -> str | None:
    """The event's id, echoed in its error only when it is a plain string."""
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, str) and len(value) <= 255 and not _UNSTORABLE.search(value):
            return value
    return None


@dataclass
class CheckedBatch:
    """The valid events of a batch with their index in it, and the errors of the others."""

    valid: list[tuple[int, MessageEvent | FeedbackEvent | FailureEvent]]
    errors: list[EventError]


def _refuse_future(
    parsed: list[tuple[int, MessageEvent | FeedbackEvent | FailureEvent]],
    errors: list[EventError],
    now,
) -> CheckedBatch:
    latest = now + MAX_CLOCK_AHEAD
    if all(event.timestamp <= latest for _, event in parsed):
        return CheckedBatch(parsed, errors)
    valid = []
    for index, event in parsed:
        if event.timestamp > latest:
            errors.append(
                EventError(
                    index,
                    event.id,
                    "timestamp: is more than 5 minutes in the future; check the sender's clock",
                )
            )
        else:
            valid.append((index, event))
    return CheckedBatch(valid, errors)


def check_json_body(raw: bytes, *, now: datetime) -> CheckedBatch | None:
    """The common case, a body without a mistake, parsed and validated in one pass by
    pydantic. None when anything in it is off: the caller then parses it with `json` and
    checks the events one by one (`check_events`), to say exactly what is wrong."""
    try:
        batch = _BATCH.validate_json(raw)
    except ValidationError:
        return None
    return _refuse_future(list(enumerate(batch.events)), [], now)


def check_events(raw_events: Sequence[object], *, now: datetime) -> CheckedBatch:
    """Each event of a parsed body checked on its own."""
    parsed, errors = [], []
    for index, raw in enumerate(raw_events):
        try:
            parsed.append((index, _EVENT.validate_python(raw)))
        except ValidationError as error:
            errors.append(EventError(index, _sender_id(raw), _describe(error)))
    return _refuse_future(parsed, errors, now)


def store_events(*, assistant: Assistant, checked: CheckedBatch) -> Outcome:
    """Store the valid events of a checked batch for `assistant`, in one transaction.

    Returns how many were stored, how many were already stored (by an earlier request or
    earlier in this batch), and an error for each event refused. A constant number of queries
    whatever the batch size (about a dozen).
    """
    answers: list[tuple[int, MessageEvent]] = []
    failures: list[tuple[int, FailureEvent]] = []
    feedback: list[tuple[int, FeedbackEvent]] = []
    outcome = Outcome(errors=list(checked.errors))
    # One pass, by exact type (the three event classes have no subclasses).
    for pair in checked.valid:
        kind = type(pair[1])
        if kind is MessageEvent:
            if pair[1].role == "user" and (problem := pair[1].answer_fields_problem()):
                outcome.errors.append(EventError(pair[0], pair[1].id, problem))
            else:
                answers.append(pair)
        elif kind is FeedbackEvent:
            feedback.append(pair)
        else:
            failures.append(pair)
    with transaction.atomic():
        _store_messages(assistant, answers, failures, outcome)
        _store_feedback(assistant, feedback, outcome)
    if outcome.errors:
        outcome.errors.sort(key=attrgetter("index"))
    return outcome


def _not_stored_yet(events, outcome: Outcome, *, assistant: Assistant, stored):
    """The events whose id is neither repeated earlier in the batch nor stored already (both
    counted as duplicates), in batch order; `stored` is the selector of the ids stored
    already, asked only when there is an event left to ask about."""
    first: dict[str, tuple] = {}
    for pair in events:
        first.setdefault(pair[1].id, pair)
    outcome.duplicates += len(events) - len(first)
    if not first:
        return []
    already = stored(assistant_id=assistant.pk, external_ids=list(first))
    if not already:
        return list(first.values())
    # `already` holds only ids that were asked about, each once.
    outcome.duplicates += len(already)
    return [pair for external_id, pair in first.items() if external_id not in already]


def _store_messages(
    assistant: Assistant,
    answers: list[tuple[int, MessageEvent]],
    failures: list[tuple[int, FailureEvent]],
    outcome: Outcome,
) -> None:
    """Messages and failed replies: both belong to a conversation of a user, resolved
    together, then stored through their write paths (`record_messages`, `record_failures`)."""
    answers = _not_stored_yet(answers, outcome, assistant=assistant, stored=stored_message_ids)
    failures = _not_stored_yet(failures, outcome, assistant=assistant, stored=stored_failure_ids)
    events = answers + failures
    if not events:
        return

    # Within the batch, a conversation belongs to the user of its first message event.
    conversation_user: dict[str, str] = {}
    started_at: dict[str, datetime] = {}
    for _, event in events:
        conversation = event.conversation
        first = started_at.get(conversation)
        if first is None:
            conversation_user[conversation] = event.user
            started_at[conversation] = event.timestamp
        elif event.timestamp < first:
            started_at[conversation] = event.timestamp
    participants = assistant_services.ensure_participants(
        assistant=assistant, external_ids={event.user for _, event in events}
    )
    conversations = assistant_services.ensure_conversations(
        assistant=assistant,
        conversations=[
            NewConversation(
                external_id=conversation,
                participant_id=participants[user],
                created_at=started_at[conversation],
            )
            for conversation, user in conversation_user.items()
        ],
    )

    def in_own_conversations(indexed_events):
        """(conversation id, event) of each event whose conversation is its sender's; an
        error for each other one."""
        for index, event in indexed_events:
            conversation_id, participant_id = conversations[event.conversation]
            if participant_id != participants[event.user]:
                outcome.errors.append(_foreign_conversation(index, event))
                continue
            yield conversation_id, event

    new_messages = []
    for conversation_id, event in in_own_conversations(answers):
        new_messages.append(
            NewMessage(
                conversation_id=conversation_id,
                role=event.role,
                content=event.content,
                created_at=event.timestamp,
                external_id=event.id,
                model=event.model,
                latency_ms=event.latency_ms,
                input_tokens=event.input_tokens,
                output_tokens=event.output_tokens,
                cost_usd=event.cost_usd,
            )
        )
    new_failures = []
    for conversation_id, event in in_own_conversations(failures):
        new_failures.append(
            NewFailure(
                conversation_id=conversation_id,
                created_at=event.timestamp,
                model=event.model,
                error=event.error,
                external_id=event.id,
            )
        )
    # Rows go in by id, so concurrent batches wait for each other instead of deadlocking.
    new_messages.sort(key=_EXTERNAL_ID)
    stored = assistant_services.record_messages(assistant=assistant, messages=new_messages)
    outcome.accepted += len(stored)
    outcome.duplicates += len(new_messages) - len(stored)
    # A question may arrive after its answer was rated: the rating's copy follows it.
    if len(stored) < len(new_messages):
        stored_ids = {external_id for _, external_id in stored}
        new_messages = [m for m in new_messages if m.external_id in stored_ids]
    feedback_services.refresh_questions(
        assistant=assistant,
        conversation_ids=[m.conversation_id for m in new_messages if m.role == "user"],
    )
    new_failures.sort(key=_EXTERNAL_ID)
    stored = assistant_services.record_failures(assistant=assistant, failures=new_failures)
    outcome.accepted += len(stored)
    outcome.duplicates += len(new_failures) - len(stored)


_EXTERNAL_ID = attrgetter("external_id")


def _foreign_conversation(index: int, event: MessageEvent | FailureEvent) -> EventError:
    return EventError(
        index,
        event.id,
        f"conversation: “{event.conversation}” belongs to another user than “{event.user}”",
    )


def _store_feedback(
    assistant: Assistant, events: list[tuple[int, FeedbackEvent]], outcome: Outcome
) -> None:
    events = _not_stored_yet(events, outcome, assistant=assistant, stored=stored_rating_ids)
    if not events:
        return
    rated = messages_by_external_id(
        assistant_id=assistant.pk, external_ids=[event.message for _, event in events]
    )
    reason_lists = feedback_selectors.reason_lists(assistant.pk)
    ratings = []
    for index, event in events:
        target = rated.get(event.message)
        if target is None:
            error = (
                f"message: “{event.message}” is not stored yet; send its message event, then "
                "this feedback again"
            )
        elif target[1] != Message.Role.ASSISTANT:
            error = f"message: “{event.message}” is the user's message; only answers are rated"
        elif target[3] != event.user:
            error = f"user: “{event.user}” is not the person of the rated message's conversation"
        else:
            error = reasons_problem(value=event.rating, reasons=event.reasons, lists=reason_lists)
        if error:
            outcome.errors.append(EventError(index, event.id, error))
            continue
        contact = event.contact
        rating = NewRating(
            message_id=target[0],
            participant_id=target[2],
            value=event.rating,
            rated_at=event.timestamp,
            comment=event.comment,
            share_contact=contact is not None,
            contact_name=contact.name if contact else "",
            contact_email=contact.email if contact else "",
            share_chat=event.share_chat,
            external_id=event.id,
            reasons=tuple(event.reasons),
        )
        problem = rating_problem(rating)
        if problem:
            outcome.errors.append(EventError(index, event.id, problem))
            continue
        ratings.append(rating)
    ratings.sort(key=lambda rating: rating.external_id)
    written = feedback_services.record_ratings(assistant=assistant, ratings=ratings)
    # Not written though new: an older rating than the person's current one of that answer,
    # which changes nothing either.
    outcome.accepted += len(written)
    outcome.duplicates += len(ratings) - len(written)
