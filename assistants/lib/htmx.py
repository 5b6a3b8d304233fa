"""Full page or htmx partial: one template per page, and one way to choose what to render."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap gets only a part of the page; a direct load or a history restore (which
    needs the whole document) gets the page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest, template: str, partial: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """`template#partial` for an htmx swap, the whole `template` otherwise. Both answers sit
    at one URL, so caches are told that they differ by `HX-Request`."""
    name = f"{template}#{partial}" if wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_partial(
    request: HttpRequest, template: str, partial: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """Only `template#partial`, whatever the request (a piece an htmx request asked for by its
    own URL), with the same `Vary` as every other answer of the page's views."""
    response = render(request, f"{template}#{partial}", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
