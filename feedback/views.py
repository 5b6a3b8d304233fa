"""Feedback: the chat's rating controls, the Feedback tab of Usage Insights, its CSV and the
shared chats."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from assistants.lib import ratelimit
from assistants.lib.htmx import render_page_or_partial, render_partial, wants_partial
from assistants.lib.markup import render_markdown
from assistants.selectors import Need, get_assistant_for
from assistants.timeframe import TimeframeForm, timeframe_context, today_in
from feedback import selectors, services
from feedback.export import feedback_csv_chunks
from feedback.forms import (
    DetailsForm,
    FeedbackCsvForm,
    FeedbackFilterForm,
    RateForm,
    details_initial,
)
from feedback.models import Rating

# Ratings and their follow-up forms one person may send per minute; a person clicks far
# fewer, a script many more.
FEEDBACK_RATE_LIMIT = 30
FEEDBACK_RATE_WINDOW_SECONDS = 60

# --- The chat's rating controls ------------------------------------------------------------


def _too_many(request) -> HttpResponse | None:
    wait = ratelimit.hit(
        f"feedback:user:{request.user.pk}",
        limit=FEEDBACK_RATE_LIMIT,
        per_seconds=FEEDBACK_RATE_WINDOW_SECONDS,
    )
    if wait is None:
        return None
    response = HttpResponse(
        f"Too much feedback at once. Try again in {wait} seconds.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response


def _controls(request, answer, *, rating: Rating | None, form=None, note: str = "", status=200):
    """The rating controls of one answer, as the chat shows them."""
    assistant = answer.assistant
    context = {
        "answer": answer,
        "assistant_id": assistant.pk,
        "rating": rating,
        "form": form or DetailsForm(initial=details_initial(request.user, rating)),
        "details_open": form is not None or bool(note),
        "note": note,
        "managers": selectors.managers_of(assistant) if rating else [],
    }
    return render(request, "feedback/_rating.html", context, status=status)


def _back_to_chat(answer):
    url = reverse("assistants:conversation", args=[answer.assistant_id, answer.conversation_id])
    return redirect(f"{url}#message-{answer.pk}")


@login_required
@require_POST
def rate(request, assistant_id: int, message_id: int):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.USE).assistant
    answer = selectors.answer_to_rate(assistant, request.user, message_id)
    answer.assistant = assistant
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


@login_required
@require_POST
def details(request, assistant_id: int, message_id: int):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.USE).assistant
    answer = selectors.answer_to_rate(assistant, request.user, message_id)
    answer.assistant = assistant
    rating = selectors.rating_of(answer)
    if rating is None:
        return HttpResponseBadRequest("Rate the answer first.")
    if limited := _too_many(request):
        return limited
    form = DetailsForm(request.POST)
    if not form.is_valid():
        if not request.htmx:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return _back_to_chat(answer)
        return _controls(request, answer, rating=rating, form=form)
    services.update_details(rating=rating, at=timezone.now(), **form.cleaned_data)
    if not request.htmx:
        messages.success(request, "Saved. Thank you.")
        return _back_to_chat(answer)
    return _controls(request, answer, rating=rating, note="saved")


def _withdraw(request, assistant_id: int, message_id: int, *, what: str):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.USE).assistant
    answer = selectors.answer_to_rate(assistant, request.user, message_id)
    answer.assistant = assistant
    rating = selectors.rating_of(answer)
    if rating is not None:
        if what == "contact":
            services.withdraw_contact(rating=rating, at=timezone.now())
        else:
            services.withdraw_shared_chat(rating=rating, at=timezone.now())
    note = "contact-withdrawn" if what == "contact" else "chat-withdrawn"
    if not request.htmx:
        messages.success(
            request,
            "Your name and e-mail are no longer shared."
            if what == "contact"
            else "This chat is no longer shared.",
        )
        return _back_to_chat(answer)
    return _controls(request, answer, rating=rating, note=note)


@login_required
@require_POST
def withdraw_contact(request, assistant_id: int, message_id: int):
    return _withdraw(request, assistant_id, message_id, what="contact")


@login_required
@require_POST
def withdraw_chat(request, assistant_id: int, message_id: int):
    return _withdraw(request, assistant_id, message_id, what="chat")


# --- The Feedback tab ----------------------------------------------------------------------


def _filter_query(filters: FeedbackFilterForm) -> list[tuple[str, str]]:
    """The filters to keep in links that change the timeframe or the page."""
    pairs = []
    if filters.value("rating"):
        pairs.append(("rating", filters.value("rating")))
    if filters.value("has_comment"):
        pairs.append(("has_comment", "on"))
    return pairs


@login_required
@require_GET
def feedback_tab(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.MANAGE)
    assistant = access.assistant
    form = TimeframeForm(request.GET, today=today_in(assistant.tzinfo))
    filters = FeedbackFilterForm(request.GET)
    date_range = form.date_range()
    rating_filter = filters.value("rating") or ""
    has_comment = bool(filters.value("has_comment"))
    tab_url = reverse("insights:feedback", args=[assistant.pk])
    kept = _filter_query(filters)
    base_query = f"{date_range.as_query()}{'&' + urlencode(kept) if kept else ''}"

    shown = [rating_filter] if rating_filter else ["positive", "negative"]
    partial = wants_partial(request)
    # "Show older" in one column asks for that column's next items only.
    more_of = filters.value("column") if partial else None
    if more_of in shown:
        shown = [more_of]
    else:
        more_of = None
    counts = dict(
        zip(("positive", "negative"), selectors.feedback_counts(assistant, date_range), strict=True)
    )
    columns = []
    for value in shown:
        after = filters.value(f"{value}_after")
        page = selectors.feedback_page(
            assistant, date_range, value=value, has_comment=has_comment, after=after
        )
        more_url = None
        if page.next_cursor:
            more_url = (
                f"{tab_url}?{base_query}&{value}_after={page.next_cursor.encode()}&column={value}"
            )
        columns.append(
            {
                "value": value,
                "label": "Positive" if value == "positive" else "Negative",
                "count": counts[value],
                "page": page,
                "more_url": more_url,
                "continued": after is not None,
            }
        )
    context = timeframe_context(access, form, tab="feedback", tab_url=tab_url) | {
        "extra_query": f"&{urlencode(kept)}" if kept else "",
        "extra_fields": kept,
        "filters": filters,
        "rating_filter": rating_filter,
        "has_comment": has_comment,
        "counts": counts,
        "columns": columns,
        "csv_url": reverse("insights:feedback_csv", args=[assistant.pk])
        + f"?{date_range.as_query()}"
        + (f"&rating={rating_filter}" if rating_filter else ""),
    }
    template = "feedback/feedback_tab.html"
    if more_of:
        return render_partial(request, template, "more-items", context | {"column": columns[0]})
    return render_page_or_partial(request, template, "body", context)


@login_required
@require_GET
def feedback_csv(request, assistant_id: int):
    assistant = get_assistant_for(request.user, assistant_id, need=Need.MANAGE).assistant
    form = TimeframeForm(request.GET, today=today_in(assistant.tzinfo))
    csv_form = FeedbackCsvForm(request.GET)
    if not form.is_valid() or not csv_form.is_valid():
        problems = form.error_text() if not form.is_valid() else ""
        if not csv_form.is_valid():
            problems = f"{problems} rating: choose positive or negative.".strip()
        return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
    date_range = form.date_range()
    value = csv_form.cleaned_data["rating"] or None
    placeholder = UUID(int=0)
    shared_chat_base = request.build_absolute_uri(
        reverse("insights:shared_chat", args=[assistant.pk, placeholder])
    ).removesuffix(f"{placeholder}/")
    name = slugify(assistant.name) or "assistant"
    which = f"-{value}" if value else ""
    response = StreamingHttpResponse(
        feedback_csv_chunks(
            assistant=assistant,
            date_range=date_range,
            value=value,
            shared_chat_base=shared_chat_base,
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"{name}-feedback{which}-{date_range.start}-to-{date_range.end}.csv"
    )
    return response


@login_required
@require_GET
def shared_chat(request, assistant_id: int, token: UUID):
    access = get_assistant_for(request.user, assistant_id, need=Need.MANAGE)
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
