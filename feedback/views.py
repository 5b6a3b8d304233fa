"""Feedback: the chat's rating controls, the Feedback tab of Usage Insights, its CSV and the
shared chats."""

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import (
    content_disposition_header,
    url_has_allowed_host_and_scheme,
    urlencode,
)
from django.utils.text import slugify

from assistants.lib import ratelimit
from assistants.lib.htmx import render_page_or_partial, render_partial, wants_partial
from assistants.lib.markup import render_markdown
from assistants.lib.pages import assistant_view
from assistants.models import Assistant, Message
from assistants.selectors import Need
from assistants.timeframe import TimeframeForm, timeframe_context, today_in
from feedback import selectors, services
from feedback.charts import reasons_figure
from feedback.controls import controls_context
from feedback.export import feedback_csv_chunks
from feedback.forms import (
    SEARCH_MAX_LENGTH,
    DetailsForm,
    FeedbackFilterForm,
    FeedbackPageForm,
    MarkReviewedForm,
    RateForm,
    ReasonListsForm,
    ReviewForm,
    reasons_offered,
)
from feedback.models import NOTE_MAX_LENGTH, Rating

# Ratings and their follow-up forms one person may send per minute; a person clicks far
# fewer, a script many more.
FEEDBACK_RATE_LIMIT = 30
FEEDBACK_RATE_WINDOW_SECONDS = 60

# --- The chat's rating controls ------------------------------------------------------------


def _too_many(request) -> HttpResponse | None:
    return ratelimit.refusal(
        f"feedback:user:{request.user.pk}",
        limit=FEEDBACK_RATE_LIMIT,
        per_seconds=FEEDBACK_RATE_WINDOW_SECONDS,
        problem="Too much feedback at once. Try again in {wait} seconds.",
    )


def _controls(request, answer, *, rating: Rating | None, form=None, note: str = "", status=200):
    """The rating controls of one answer, as the chat shows them."""
    context = controls_context(
        user=request.user,
        answer=answer,
        rating=rating,
        reason_lists=selectors.reason_lists(answer.assistant_id) if rating else {},
        managers=selectors.managers_of(answer.assistant) if rating else [],
        form=form,
        note=note,
    )
    return render(request, "feedback/_rating.html", context, status=status)


def _own_answer(request, assistant: Assistant, message_id: int) -> Message:
    """The person's answer to rate (404 otherwise), its assistant attached for the controls."""
    answer = selectors.answer_to_rate(assistant, request.user, message_id)
    answer.assistant = assistant
    return answer


def _done(request, answer, *, rating: Rating | None, note: str, thanks: str) -> HttpResponse:
    """The controls again, saying what was done; without htmx, back to the chat with `thanks`."""
    if not request.htmx:
        messages.success(request, thanks)
        return _back_to_chat(answer)
    return _controls(request, answer, rating=rating, note=note)


def _back_to_chat(answer):
    url = reverse("assistants:conversation", args=[answer.assistant_id, answer.conversation_id])
    return redirect(f"{url}#message-{answer.pk}")


@assistant_view(need=Need.USE, methods=("POST",))
def rate(request, access, message_id: int):
    answer = _own_answer(request, access.assistant, message_id)
    assistant = answer.assistant
    if limited := _too_many(request):
        return limited
    form = RateForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose Thumbs up or Thumbs down.")
    services.rate_answer(
        assistant=assistant,
        message_id=answer.pk,
        participant_id=answer.conversation.participant_id,
        value=form.cleaned_data["value"],
        at=timezone.now(),
    )
    if not request.htmx:
        messages.success(request, "Thanks for your feedback.")
        return _back_to_chat(answer)
    return _controls(request, answer, rating=selectors.rating_of(answer), note="rated")


@assistant_view(need=Need.USE, methods=("POST",))
def details(request, access, message_id: int):
    answer = _own_answer(request, access.assistant, message_id)
    assistant = answer.assistant
    rating = selectors.rating_of(answer)
    if rating is None:
        return HttpResponseBadRequest("Rate the answer first.")
    if limited := _too_many(request):
        return limited
    form = DetailsForm(
        request.POST, reasons=reasons_offered(selectors.reason_lists(assistant.pk), rating)
    )
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return _back_to_chat(answer)
        return _controls(request, answer, rating=rating, form=form)
    services.update_details(rating=rating, at=timezone.now(), **form.cleaned_data)
    return _done(request, answer, rating=rating, note="saved", thanks="Saved. Thank you.")


def _withdraw(request, access, message_id: int, *, what: str):
    answer = _own_answer(request, access.assistant, message_id)
    rating = selectors.rating_of(answer)
    if rating is not None:
        if what == "contact":
            services.withdraw_contact(rating=rating, at=timezone.now())
        else:
            services.withdraw_shared_chat(rating=rating, at=timezone.now())
    if what == "contact":
        note, thanks = "contact-withdrawn", "Your name and e-mail are no longer shared."
    else:
        note, thanks = "chat-withdrawn", "This chat is no longer shared."
    return _done(request, answer, rating=rating, note=note, thanks=thanks)


@assistant_view(need=Need.USE, methods=("POST",))
def withdraw_contact(request, access, message_id: int):
    return _withdraw(request, access, message_id, what="contact")


@assistant_view(need=Need.USE, methods=("POST",))
def withdraw_chat(request, access, message_id: int):
    return _withdraw(request, access, message_id, what="chat")


# --- The Feedback tab ----------------------------------------------------------------------


@assistant_view(need=Need.MANAGE, methods=("GET",))
def feedback_tab(request, access):
    assistant = access.assistant
    form = TimeframeForm(request.GET, today=today_in(assistant.tzinfo))
    page_form = FeedbackPageForm(request.GET)
    date_range = form.date_range()
    filters = selectors.planned_search(assistant, date_range, page_form.filters())
    after = {value: page_form.value(f"{value}_after") for value in Rating.Value.values}
    template = "feedback/feedback_tab.html"
    # "Show older" in one column asks for that column's next items only; one that the filters
    # leave out gets the whole tab.
    more_of = page_form.value("column") if wants_partial(request) else None
    if more_of and more_of in selectors.shown_values(filters):
        (column,) = selectors.feedback_columns(
            assistant, date_range, filters, counts=None, after=after, only=more_of
        )
        return render_partial(
            request, template, "more-items", {"column": column, "assistant": assistant}
        )
    counts, reasons = selectors.feedback_summary(assistant, date_range, filters)
    columns = selectors.feedback_columns(assistant, date_range, filters, counts=counts, after=after)
    tab_url = reverse("insights:feedback", args=[assistant.pk])
    kept = filters.query_pairs()
    range_query = urlencode(selectors.range_pairs(date_range))
    lists = selectors.reason_lists(assistant.pk)
    context = timeframe_context(access, form, tab="feedback", tab_url=tab_url) | {
        "extra_query": f"&{urlencode(kept)}" if kept else "",
        "extra_fields": kept,
        "feedback_filters": filters,
        "filter_errors": page_form.errors,
        "reason_choices": _reason_choices(lists, filters.reason),
        "status_choices": Rating.Status.choices,
        "version_choices": selectors.versions_rated(assistant),
        "search_max_length": SEARCH_MAX_LENGTH,
        "counts": counts,
        "columns": columns,
        "newest_url": f"{tab_url}?{urlencode([*selectors.range_pairs(date_range), *kept])}",
        "clear_url": f"{tab_url}?{range_query}",
        "this_url": f"{tab_url}?{urlencode([*selectors.range_pairs(date_range), *kept])}",
        "csv_url": reverse("insights:feedback_csv", args=[assistant.pk])
        + f"?{urlencode([*selectors.range_pairs(date_range), *kept])}",
        "reasons_chart": reasons_figure(reasons) if reasons.any else None,
    }
    return render_page_or_partial(request, template, "body", context)


def _reason_choices(lists: dict[str, list[str]], chosen: str | None) -> list[str]:
    """Both lists' reasons for the reason filter, and the chosen one even if no longer listed."""
    choices = list(dict.fromkeys([*lists["negative"], *lists["positive"]]))
    if chosen and chosen not in choices:
        choices.append(chosen)
    return choices


@assistant_view(need=Need.MANAGE, methods=("GET",))
def feedback_csv(request, access):
    assistant = access.assistant
    form = TimeframeForm(request.GET, today=today_in(assistant.tzinfo))
    filter_form = FeedbackFilterForm(request.GET)
    if not form.is_valid() or not filter_form.is_valid():
        problems = form.error_text() if not form.is_valid() else ""
        if not filter_form.is_valid():
            problems = f"{problems} {filter_form.error_text()}".strip()
        return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
    date_range = form.date_range()
    filters = selectors.planned_search(assistant, date_range, filter_form.filters())
    placeholder = UUID(int=0)
    shared_chat_base = request.build_absolute_uri(
        reverse("insights:shared_chat", args=[assistant.pk, placeholder])
    ).removesuffix(f"{placeholder}/")
    name = slugify(assistant.name) or "assistant"
    which = f"-{filters.rating}" if filters.rating else ""
    response = StreamingHttpResponse(
        feedback_csv_chunks(
            assistant=assistant,
            date_range=date_range,
            filters=filters,
            shared_chat_base=shared_chat_base,
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}-feedback{which}-{date_range.start}-to-{date_range.end}.csv"
    )
    return response


# --- Review --------------------------------------------------------------------------------


def _back_to_tab(request, assistant: Assistant):
    """Where a review form sends the manager back: the tab as they saw it."""
    tab_url = reverse("insights:feedback", args=[assistant.pk])
    back = request.POST.get("next", "")
    if not back.startswith(f"{tab_url}?") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = tab_url
    return redirect(back)


@assistant_view(need=Need.MANAGE, methods=("POST",))
def review(request, access, rating_id: int):
    assistant = access.assistant
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            f"Choose new, reviewed or resolved; a note is at most {NOTE_MAX_LENGTH} characters.",
            content_type="text/plain; charset=utf-8",
        )
    if not services.review_rating(
        assistant=assistant,
        rating_id=rating_id,
        by=request.user,
        at=timezone.now(),
        **form.cleaned_data,
    ):
        raise Http404("No such feedback.")
    if not request.htmx:
        messages.success(request, "Review saved.")
        return _back_to_tab(request, assistant)
    item = selectors.feedback_item(assistant, rating_id)
    return render_partial(
        request,
        "feedback/feedback_tab.html",
        "feedback-item",
        {"item": item, "assistant": assistant, "saved": True},
    )


@assistant_view(need=Need.MANAGE, methods=("POST",))
def mark_reviewed(request, access):
    assistant = access.assistant
    form = MarkReviewedForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            " ".join(form.errors["id"]), content_type="text/plain; charset=utf-8"
        )
    marked = services.mark_reviewed(
        assistant=assistant, rating_ids=form.cleaned_data["id"], by=request.user, at=timezone.now()
    )
    messages.success(request, f"{marked} item{pluralize(marked)} marked as reviewed.")
    return _back_to_tab(request, assistant)


@assistant_view(need=Need.MANAGE, methods=("POST",))
def reason_lists(request, access):
    """The assistant settings page's reasons form posts here."""
    assistant = access.assistant
    form = ReasonListsForm(request.POST)
    if form.is_valid():
        services.set_reason_lists(
            assistant=assistant, by=request.user, at=timezone.now(), **form.cleaned_data
        )
        messages.success(request, "Reasons saved. Ratings keep the reasons they have.")
    else:
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"Reasons not saved: {problems}")
    return redirect(f"{reverse('assistants:settings', args=[assistant.pk])}#reasons")


@assistant_view(need=Need.MANAGE, methods=("GET",))
def shared_chat(request, access, token: UUID):
    chat = selectors.shared_chat(access.assistant, token)
    for message in chat.messages:
        message.html = render_markdown(message.content) if message.role == "assistant" else None
    return render(
        request,
        "feedback/shared_chat.html",
        {
            "access": access,
            "assistant": access.assistant,
            "chat": chat,
            "rating": chat.rating,
            "shared_at": chat.rating.chat_shared_at.astimezone(access.assistant.tzinfo),
            "back_url": reverse("insights:feedback", args=[access.assistant.pk]),
        },
    )
