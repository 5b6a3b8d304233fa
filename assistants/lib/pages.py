"""The views and pages of one assistant: `assistant_view` lets a person in, and each page
shows its header (`assistants/_header.html`), which needs the viewer's access and the
assistant."""

from collections.abc import Callable, Sequence
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from assistants.selectors import AssistantAccess, Need, get_assistant_for


def assistant_view(*, need: Need, methods: Sequence[str]) -> Callable:
    """A view of the URL's assistant, called as `view(request, access, **other URL kwargs)`
    once the person is signed in (else the sign-in redirect), the method is one of `methods`
    (else 405) and `get_assistant_for` gives them `need` (else its 404 or 403), in that
    order."""

    def decorate(view: Callable) -> Callable:
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def checked(request: HttpRequest, assistant_id: int, **kwargs) -> HttpResponse:
            access = get_assistant_for(request.user, assistant_id, need=need)
            return view(request, access, **kwargs)

        return checked

    return decorate


def render_assistant_page(
    request: HttpRequest,
    template: str,
    access: AssistantAccess,
    context: dict | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """`template` with `access`, its assistant and `context`."""
    return render(
        request,
        template,
        {"access": access, "assistant": access.assistant, **(context or {})},
        status=status,
    )
