"""Database errors that a retry can cure answer 503 with Retry-After, never 500.

PostgreSQL restarting, refusing connections while it starts or shuts down, an administrator
ending sessions, a connection that broke, a deadlock or a serialization failure: each one
passes by itself, so the client is told to come back (JSON on the API, a page elsewhere).
Errors that a retry cannot cure (a bad statement, a missing table) stay 500s.
"""

import logging

from django.db import InterfaceError, OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# SQLSTATE classes of errors that pass by themselves: 08 connection exception, 40 transaction
# rollback (deadlock, serialization), 53 insufficient resources (too many connections),
# 57 operator intervention (admin shutdown, crash shutdown, cannot connect now), 58 system
# error (I/O while the server restarts).
_TRANSIENT_SQLSTATE_CLASSES = {"08", "40", "53", "57", "58"}


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a database error that the same request, sent again later, can pass."""
    if isinstance(error, InterfaceError):
        # Django raises it for a connection that is already closed: the next request opens
        # a new one.
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    # No SQLSTATE: the server never answered (connection refused, closed unexpectedly).
    return sqlstate is None or sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, the styled page elsewhere. Touches no database
    (the page is rendered without the request, so no session or user is loaded)."""
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": "The database is unavailable for a moment (restarting or busy): "
                f"send the same request again in {RETRY_AFTER_SECONDS} s."
            },
            status=503,
        )
    else:
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """Answers 503 instead of 500 when a view fails on a transient database error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_transient(exception):
            return None
        logger.warning("database unavailable for %s: %s", request.path, exception)
        # Django would drop the broken connection when the request finishes; doing it now
        # also covers handlers that do not send request_finished (the test client).
        close_old_connections()
        return outage_response(request)
