"""The events ingestion API (`/api/v1/`): chat front ends outside the app send their messages
and feedback here, with an API key of the assistant.

The request is checked in the order of cost: key (401), rate limit (429), headers (415),
declared size (413) — all before a byte of the body is read — then the size actually read
(413), the JSON (400) and the number of events (413). The events themselves are checked one
by one in `insights.ingest`, so a bad event is reported without rejecting the good ones.
"""

import json
import logging
import time
from typing import Any

from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from psycopg import errors as pg_errors

from assistants import services as assistant_services
from assistants.lib import ratelimit
from assistants.models import ApiKey
from insights.ingest import (
    MAX_EVENTS,
    EventBatch,
    check_events,
    check_json_body,
    store_events,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# Attempts of a batch that PostgreSQL aborted to break a deadlock with a concurrent writer.
_ATTEMPTS = 3


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return assistant_services.authenticate_api_key(token.strip())


class ApiError(Schema):
    detail: str


class EventErrorOut(Schema):
    index: int
    id: str | None
    error: str


class BatchResult(Schema):
    accepted: int
    duplicates: int
    errors: list[EventErrorOut]


RESPONSES = {
    "200": "The batch is committed. accepted: events stored now; duplicates: events "
    "already stored (a retry) or feedback older than the person's current rating of that "
    "answer, which change nothing; errors: each refused event, by its index in the batch.",
    "400": "The body is not a JSON object with a non-empty events list.",
    "401": "Missing, unknown or revoked API key.",
    "413": f"The body is over {MAX_BODY_BYTES // 1024 // 1024} MiB or has more than "
    f"{MAX_EVENTS} events.",
    "415": "The body is not uncompressed UTF-8 JSON sent as application/json.",
    "429": "Too many requests with this key; the Retry-After header says how many seconds to wait.",
    "503": "The database is restarting, unreachable or had to abort the batch: send the same "
    "batch again after Retry-After seconds (events already stored count as duplicates).",
}


class EventsAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Adds the request body's schema (the endpoint reads its body itself, see above) and
        says what each answer means."""
        schema = super().get_openapi_schema(*args, **kwargs)
        body = EventBatch.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(body.pop("$defs", {}))
        components["EventBatch"] = body
        for path in schema["paths"].values():
            for operation in path.values():
                for status, response in operation.get("responses", {}).items():
                    response["description"] = RESPONSES.get(str(status), response["description"])
        return schema


api = EventsAPI(
    title="Usage Insights events API",
    version="1",
    description="Send the messages, failed replies and feedback of a chat front end outside "
    "this app, so that they count in Usage Insights exactly like chats in the app.",
    urls_namespace="api-v1",
    docs_url=None,
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request,
        401,
        "Missing, unknown or revoked API key: send the header "
        "“Authorization: Bearer <key>” with an active key of the assistant.",
    )
    response["WWW-Authenticate"] = 'Bearer realm="events"'
    return response


_REQUEST_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventBatch"}}},
}
_CLIENT_ERRORS = {code: ApiError for code in (400, 401, 413, 415, 429, 503)}


def _header_problem(request: HttpRequest) -> tuple[int, str] | None:
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        return 415, "Compressed bodies are not accepted: send plain JSON without Content-Encoding."
    if request.content_type != "application/json":
        return 415, "Send the body as JSON with “Content-Type: application/json”."
    charset = request.content_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        return 415, "Send the body in UTF-8."
    if not request.META.get("CONTENT_LENGTH") and request.headers.get("Transfer-Encoding"):
        return 400, "Send the body with a Content-Length header; chunked bodies are not read."
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400, "The Content-Length header is not a number."
    if declared > MAX_BODY_BYTES:
        return 413, f"The body is larger than {MAX_BODY_BYTES // 1024 // 1024} MiB."
    return None


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes) -> tuple[int, str] | list[object]:
    """The batch's events as parsed JSON, or the status and reason it is refused."""
    if len(raw) > MAX_BODY_BYTES:
        return 413, f"The body is larger than {MAX_BODY_BYTES // 1024 // 1024} MiB."
    if not raw.strip():
        return 400, 'The body is empty: send {"events": [...]} as JSON.'
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError:
        return 400, "The body is not valid UTF-8."
    except RecursionError:
        return 400, "The body is nested too deeply."
    except ValueError as error:
        return 400, f"The body is not valid JSON: {error}."
    if not isinstance(data, dict) or "events" not in data:
        return 400, 'The body must be a JSON object with an "events" list.'
    unknown = sorted(set(data) - {"events"})
    if unknown:
        return 400, f"Unknown top-level field: {unknown[0][:100]!r}."
    events = data["events"]
    if not isinstance(events, list):
        return 400, '"events" must be a list.'
    if not events:
        return 400, '"events" is empty: send at least one event.'
    if len(events) > MAX_EVENTS:
        return 413, f"At most {MAX_EVENTS} events per request; this one has {len(events)}."
    return events


def _is_deadlock(error: OperationalError) -> bool:
    return isinstance(error.__cause__, pg_errors.DeadlockDetected | pg_errors.SerializationFailure)


@api.post(
    "/events",
    auth=ApiKeyAuth(),
    response={200: BatchResult, **_CLIENT_ERRORS},
    summary="Send a batch of message and feedback events",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
def post_events(request: HttpRequest):
    """Stores the valid events of the batch and answers, only once they are committed, how
    many were accepted, how many were already stored (retries are safe), and why each other
    event was refused, by its index in the batch."""
    api_key: ApiKey = request.auth
    with transaction.atomic():
        # A counter of requests need not wait for the disk: losing its last few counts in a
        # crash is harmless, and the events' own transaction still waits.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        retry_after = ratelimit.hit(
            f"api-key:{api_key.pk}", limit=api_key.requests_per_minute, per_seconds=60
        )
    if retry_after is not None:
        response = _error(
            request,
            429,
            f"Too many requests with this key (at most {api_key.requests_per_minute} a "
            f"minute): retry in {retry_after} s.",
        )
        response["Retry-After"] = str(retry_after)
        return response
    problem = _header_problem(request)
    if problem:
        return _error(request, *problem)
    raw = request.read(MAX_BODY_BYTES + 1)
    now = timezone.now()
    checked = check_json_body(raw, now=now) if len(raw) <= MAX_BODY_BYTES else None
    if checked is None:
        parsed = parse_body(raw)
        if isinstance(parsed, tuple):
            return _error(request, *parsed)
        checked = check_events(parsed, now=now)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            outcome = store_events(assistant=api_key.assistant, checked=checked)
            break
        except OperationalError as error:
            if not _is_deadlock(error):
                raise
            logger.warning("events batch aborted by a deadlock (attempt %s)", attempt)
            time.sleep(0.05 * attempt)
    else:
        response = _error(request, 503, "The database is busy: send the same batch again.")
        response["Retry-After"] = "1"
        return response
    return Status(
        200,
        {
            "accepted": outcome.accepted,
            "duplicates": outcome.duplicates,
            "errors": [
                {"index": error.index, "id": error.id, "error": error.error}
                for error in outcome.errors
            ],
        },
    )
