"""The assistant pages: the list, one assistant, its configuration, and Share."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assistants import selectors, services
from assistants.forms import AddMemberForm, ConfigurationForm, RetentionForm
from assistants.selectors import Need, get_assistant_for


@login_required
@require_GET
def assistant_list(request):
    return render(
        request,
        "assistants/list.html",
        {"assistants": selectors.assistants_for(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assistant_create(request):
    form = ConfigurationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assistant = services.create_assistant(
            creator=request.user, **{f: form.cleaned_data[f] for f in ConfigurationForm.Meta.fields}
        )
        messages.success(request, f"“{assistant.name}” is ready.")
        return redirect("assistants:detail", assistant_id=assistant.pk)
    return render(request, "assistants/create.html", {"form": form})


@login_required
@require_GET
def assistant_detail(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    return render(
        request, "assistants/detail.html", {"access": access, "assistant": access.assistant}
    )


@login_required
@require_http_methods(["GET", "POST"])
def assistant_settings(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.MANAGE)
    assistant = access.assistant
    form = ConfigurationForm(request.POST or None, instance=assistant)
    if request.method == "POST" and form.is_valid():
        version = services.update_configuration(
            assistant=assistant,
            changed_by=request.user,
            **{f: form.cleaned_data[f] for f in ConfigurationForm.Meta.fields},
        )
        if version:
            messages.success(request, f"Saved as version {version.number}.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect("assistants:settings", assistant_id=assistant.pk)
    return render(
        request,
        "assistants/settings.html",
        {
            "access": access,
            "assistant": assistant,
            "form": form,
            "retention_form": RetentionForm(instance=assistant),
            "versions": selectors.versions_of(assistant)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assistant_share(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.SHARE)
    assistant = access.assistant
    form = AddMemberForm(request.POST or None, assistant=assistant)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        services.set_member_role(assistant=assistant, user=person, role=form.cleaned_data["role"])
        messages.success(request, f"{person.get_username()} is now {form.cleaned_data['role']}.")
        return redirect("assistants:share", assistant_id=assistant.pk)
    return render(
        request,
        "assistants/share.html",
        {
            "access": access,
            "assistant": assistant,
            "form": form,
            "members": selectors.members_of(assistant),
        },
    )


@login_required
@require_POST
def member_remove(request, assistant_id: int, user_id: int):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.SHARE).assistant
    person = get_object_or_404(get_user_model(), pk=user_id)
    if services.remove_member(assistant=assistant, user=person):
        messages.success(request, f"{person.get_username()} no longer has access.")
    return redirect("assistants:share", assistant_id=assistant.pk)
