"""Privacy: a person deletes their data with an assistant, the creator erases a person seen
only through the events API, and managers set how long chat text is kept.

The erasing itself is `services.erase_person_content` (every app's text of the person, in
one transaction); these views only check access, confirm and report.
"""

from copy import copy

from django.contrib import messages
from django.shortcuts import redirect

from assistants import selectors, services
from assistants.forms import ApiPersonForm, ConfigurationForm, RetentionForm
from assistants.lib.pages import assistant_view, render_assistant_page
from assistants.selectors import Need
from assistants.views import settings_page


def _erased_note(erased: dict[str, int]) -> str:
    summary = services.erased_summary(erased)
    return f" ({summary})" if summary else ""


def _confirm_erasure(request, access, participant, *, own: bool, form=None, status: int = 200):
    """The page that shows what of `participant` goes and what stays (the person's own data
    when `own`, else a person of the events API looked up through `form`)."""
    return render_assistant_page(
        request,
        "assistants/erase_person.html",
        access,
        {
            "own": own,
            "form": form,
            "participant": participant,
            "content": selectors.person_content(access.assistant, participant),
        },
        status=status,
    )


@assistant_view(need=Need.USE, methods=("GET", "POST"))
def delete_my_data(request, access):
    """The person's own data with the assistant: what goes and what stays, then erase it."""
    assistant = access.assistant
    participant = selectors.own_participant(assistant, request.user)
    if request.method == "POST":
        if participant is None:
            messages.info(request, f"You have no data with {assistant.name} to delete.")
        else:
            erased = services.erase_person_content(assistant=assistant, participant=participant)
            messages.success(
                request, f"Your data with {assistant.name} is deleted{_erased_note(erased)}."
            )
        return redirect("assistants:chat", assistant_id=assistant.pk)
    return _confirm_erasure(request, access, participant, own=True)


@assistant_view(need=Need.SHARE, methods=("GET", "POST"))
def erase_api_person(request, access):
    """The creator erases a person whom the events API named: GET ?user= confirms, POST
    erases. Only people of the events API: an account's data is theirs (or an admin's)."""
    assistant = access.assistant
    if request.method == "POST":
        form = ApiPersonForm(request.POST)
    else:
        # Opened without a user string: only the look-up form, with no error yet.
        form = ApiPersonForm(request.GET if "user" in request.GET else None)
    participant = None
    if form.is_valid():
        participant = selectors.api_participant(assistant, form.cleaned_data["user"])
        if participant is None:
            form.add_error(
                "user", "Nobody with this user string has sent events to this assistant."
            )
    if request.method == "POST" and participant is not None:
        erased = services.erase_person_content(assistant=assistant, participant=participant)
        messages.success(
            request,
            f"The data of “{participant.external_id}” is erased{_erased_note(erased)}.",
        )
        return redirect("api_keys:list", assistant_id=assistant.pk)
    return _confirm_erasure(
        request,
        access,
        participant,
        own=False,
        form=form,
        status=200 if participant is not None or not form.is_bound else 400,
    )


@assistant_view(need=Need.MANAGE, methods=("POST",))
def retention_settings(request, access):
    """Set how many days the assistant keeps chat text (empty: forever). Kept in the
    configuration history, but not a change that Usage Insights compares."""
    assistant = access.assistant
    # A copy: the form writes the posted value into its instance even when it is invalid.
    form = RetentionForm(request.POST, instance=copy(assistant))
    if not form.is_valid():
        return settings_page(
            request,
            access,
            form=ConfigurationForm(instance=assistant),
            retention_form=form,
            status=400,
        )
    days = form.cleaned_data["retention_days"]
    version = services.update_configuration(
        assistant=assistant, changed_by=request.user, retention_days=days
    )
    if version is None:
        messages.info(request, "Nothing changed.")
    elif days is None:
        messages.success(request, "Chat text is kept forever.")
    else:
        messages.success(
            request,
            f"Chat text is kept for {days:,} days: older text is erased at the next purge.",
        )
    return redirect("assistants:settings", assistant_id=assistant.pk)
