"""Rating controls for the chat, which belongs to the assistants app: its templates load this
library, so assistants never imports feedback.

    {% load feedback_tags %}
    {% current_ratings assistant conversation as ratings %}   {# two queries at most #}
    {% rating_controls message ratings %}
"""

from dataclasses import dataclass, field

from django import template

from assistants.lib.markup import markdown_to_text
from feedback import selectors
from feedback.forms import DetailsForm, details_initial
from feedback.models import Rating

register = template.Library()


@dataclass
class ChatRatings:
    by_answer: dict[int, Rating] = field(default_factory=dict)
    managers: list[selectors.Manager] = field(default_factory=list)


@register.simple_tag
def current_ratings(assistant, conversation) -> ChatRatings:
    """The person's ratings in this conversation and who would see what they share."""
    if conversation is None:
        return ChatRatings()
    by_answer = selectors.ratings_in(assistant.pk, conversation.pk)
    managers = selectors.managers_of(assistant) if by_answer else []
    return ChatRatings(by_answer=by_answer, managers=managers)


@register.inclusion_tag("feedback/_rating.html", takes_context=True)
def rating_controls(context, message, ratings: ChatRatings | None) -> dict:
    rating = ratings.by_answer.get(message.pk) if ratings else None
    request = context["request"]
    managers = ratings.managers if ratings and rating else []
    return {
        "answer": message,
        "assistant_id": message.assistant_id,
        "rating": rating,
        "form": DetailsForm(initial=details_initial(request.user, rating)),
        "details_open": False,
        "note": "",
        "managers": managers,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.filter
def answer_text(markdown_text: str) -> str:
    """An answer's words without Markdown markup, at most 300 characters, for the Feedback
    tab's excerpts."""
    text = markdown_to_text(markdown_text)
    return text if len(text) <= 300 else text[:299].rstrip() + "…"
