"""Rating controls for the chat, which belongs to the assistants app: its templates load this
library, so assistants never imports feedback.

    {% load feedback_tags %}
    {% current_ratings assistant conversation as ratings %}   {# three queries at most #}
    {% rating_controls message ratings %}
"""

from dataclasses import dataclass, field

from django import template

from assistants.lib.markup import markdown_to_text
from feedback import selectors
from feedback.controls import controls_context
from feedback.forms import ReasonListsForm
from feedback.models import Rating
from feedback.selectors import EXCERPT_CHARACTERS

register = template.Library()


@dataclass
class ChatRatings:
    by_answer: dict[int, Rating] = field(default_factory=dict)
    managers: list[selectors.Manager] = field(default_factory=list)
    reason_lists: dict[str, list[str]] = field(default_factory=dict)


@register.simple_tag
def current_ratings(assistant, conversation) -> ChatRatings:
    """The person's ratings in this conversation and who would see what they share."""
    if conversation is None:
        return ChatRatings()
    by_answer = selectors.ratings_in(assistant.pk, conversation.pk)
    if not by_answer:
        return ChatRatings()
    return ChatRatings(
        by_answer=by_answer,
        managers=selectors.managers_of(assistant),
        reason_lists=selectors.reason_lists(assistant.pk),
    )


@register.inclusion_tag("feedback/_rating.html", takes_context=True)
def rating_controls(context, message, ratings: ChatRatings | None) -> dict:
    rating = ratings.by_answer.get(message.pk) if ratings else None
    request = context["request"]
    return controls_context(
        user=request.user,
        answer=message,
        rating=rating,
        reason_lists=ratings.reason_lists if ratings else {},
        managers=ratings.managers if ratings and rating else [],
    ) | {"csrf_token": context.get("csrf_token"), "request": request}


@register.filter
def answer_text(markdown_text: str) -> str:
    """A message's words without Markdown markup, at most `EXCERPT_CHARACTERS`, for the
    Feedback tab's excerpts of the answer and the question."""
    text = markdown_to_text(markdown_text)
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    return text[: EXCERPT_CHARACTERS - 1].rstrip() + "…"


@register.inclusion_tag("feedback/_reason_lists.html", takes_context=True)
def reason_lists_form(context, assistant) -> dict:
    """The assistant settings page's section that edits both reason lists. One query."""
    lists = selectors.reason_lists(assistant.pk)
    form = ReasonListsForm(initial={value: "\n".join(labels) for value, labels in lists.items()})
    return {"assistant": assistant, "form": form, "csrf_token": context.get("csrf_token")}
