"""The pages of one assistant: each shows its header (`assistants/_header.html`), which needs
the viewer's access and the assistant."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assistants.selectors import AssistantAccess


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
