"""The assistant pages: the list, one assistant, its configuration, and Share."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from assistants import selectors, services
from assistants.forms import AddMemberForm, ConfigurationForm, MemberSearchForm, RetentionForm
from assistants.lib.pages import assistant_view, render_assistant_page
from assistants.models import Membership
from assistants.selectors import Need


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


@assistant_view(need=Need.USE, methods=("GET",))
def assistant_detail(request, access):
    return render_assistant_page(request, "assistants/detail.html", access)


@assistant_view(need=Need.MANAGE, methods=("GET", "POST"))
def assistant_settings(request, access):
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
    return settings_page(
        request, access, form=form, retention_form=RetentionForm(instance=assistant)
    )


def settings_page(request, access, *, form, retention_form, status: int = 200):
    """The configuration page with these forms (either may be a posted one with errors) and
    the latest 50 versions."""
    return render_assistant_page(
        request,
        "assistants/settings.html",
        access,
        {
            "form": form,
            "retention_form": retention_form,
            "versions": selectors.versions_of(access.assistant)[:50],
        },
        status=status,
    )


@assistant_view(need=Need.SHARE, methods=("GET", "POST"))
def assistant_share(request, access):
    assistant = access.assistant
    form = AddMemberForm(request.POST or None, assistant=assistant)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        services.set_member_role(assistant=assistant, user=person, role=form.cleaned_data["role"])
        messages.success(request, f"{person.get_username()} is now {form.cleaned_data['role']}.")
        return redirect("assistants:share", assistant_id=assistant.pk)
    search = MemberSearchForm(request.GET)
    query = search.query()
    page = Paginator(selectors.search_members(assistant, query), MEMBERS_PER_PAGE).get_page(
        search.page_number()
    )
    return render_assistant_page(
        request,
        "assistants/share.html",
        access,
        {
            "form": form,
            "search": search,
            "query": query,
            "page": page,
        },
    )


MEMBERS_PER_PAGE = 25


@assistant_view(need=Need.SHARE, methods=("GET", "POST"))
def member_remove(request, access, user_id: int):
    """GET asks to confirm (a page of its own, so it works without JavaScript); POST removes."""
    assistant = access.assistant
    person = get_object_or_404(get_user_model(), pk=user_id)
    if request.method == "GET":
        membership = get_object_or_404(Membership, assistant=assistant, user=person)
        return render_assistant_page(
            request, "assistants/member_remove.html", access, {"membership": membership}
        )
    if services.remove_member(assistant=assistant, user=person):
        messages.success(request, f"{person.get_username()} no longer has access.")
    return redirect("assistants:share", assistant_id=assistant.pk)
