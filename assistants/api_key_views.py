"""The creator's API keys page: list the assistant's keys, create one, revoke one."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from assistants import selectors, services
from assistants.lib.pages import assistant_view, render_assistant_page
from assistants.selectors import Need


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Where the key is used, such as “Support widget”.",
    )


# The new key waits in the session for the one page view that shows it, so that the
# create form can redirect (a reload must not create another key).
_NEW_KEY = "new_api_key"


@assistant_view(need=Need.SHARE, methods=("GET", "POST"))
def api_keys(request, access):
    assistant = access.assistant
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created, key = services.create_api_key(
            assistant=assistant, name=form.cleaned_data["name"], created_by=request.user
        )
        request.session[_NEW_KEY] = {"id": created.pk, "key": key}
        return redirect("api_keys:list", assistant_id=assistant.pk)
    keys = selectors.api_keys_of(assistant)
    shown = request.session.pop(_NEW_KEY, None) if request.method == "GET" else None
    created = next((k for k in keys if shown and k.pk == shown["id"]), None)
    response = render_assistant_page(
        request,
        "assistants/api_keys.html",
        access,
        {
            "form": form,
            "new_key": shown["key"] if created else None,
            "created": created,
            "keys": keys,
        },
    )
    add_never_cache_headers(response)
    return response


@assistant_view(need=Need.SHARE, methods=("POST",))
def api_key_revoke(request, access, key_id: int):
    assistant = access.assistant
    if services.revoke_api_key(assistant=assistant, key_id=key_id):
        messages.success(request, "The key is revoked: requests with it are refused from now on.")
    return redirect("api_keys:list", assistant_id=assistant.pk)
