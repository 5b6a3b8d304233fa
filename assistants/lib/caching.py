"""Pages and exports of Usage Insights are never stored by a browser or proxy cache.

They hold what a manager may read and a shared computer's next user may not (feedback,
contact details, shared chats), and an API key is shown once. One middleware instead of a
decorator on each view, so a new insights view or CSV is covered by living in the namespace.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# URL namespaces whose every answer is private: Usage Insights (tabs, CSVs, shared chats,
# impact pages) and the API keys page.
PRIVATE_NAMESPACES = frozenset({"insights", "api_keys"})


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and PRIVATE_NAMESPACES.intersection(match.namespaces):
            patch_cache_control(response, private=True, no_store=True)
        return response
