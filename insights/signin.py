"""What a throttled sign-in answers (django-axes counts the failures, in PostgreSQL).

Both sign-in pages (`/accounts/login/` and `/admin/login/`) go through Django's
`authenticate`, where axes counts wrong passwords by account and by address; once either
reaches the limit, every attempt for it answers 429 with this page until the cool-off ends.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with a page that says why and how long to wait, and the same in Retry-After."""
    wait_seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = math.ceil(wait_seconds / 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response
