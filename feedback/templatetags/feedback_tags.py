"""Rating controls for the chat, which belongs to the assistants app: its templates load this
library, so assistants never imports feedback; and the Feedback tab's items.

    {% load feedback_tags %}
    {% current_ratings assistant conversation as ratings %}   {# three queries at most #}
    {% rating_controls message ratings %}
"""

from dataclasses import dataclass, field

from django import template
from django.utils.safestring import SafeString

from feedback import selectors
from feedback.controls import controls_context
from feedback.forms import ReasonListsForm
from feedback.models import Rating
from feedback.selectors import FeedbackItem
from feedback.tab_items import ItemLinks, feedback_item_html

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


@register.simple_tag(takes_context=True)
def feedback_item(context, item: FeedbackItem) -> SafeString:
    """One item of the Feedback tab (`feedback.tab_items`); `saved` in the context opens its
    review form with a note that the review was saved."""
    # Once a page: the render context lives as long as the template's rendering.
    key = (ItemLinks, context["assistant"].pk)
    links = context.render_context.get(key)
    if links is None:
        links = context.render_context[key] = ItemLinks.of(key[1])
    return feedback_item_html(
        item,
        links=links,
        csrf_token=str(context.get("csrf_token", "")),
        saved=bool(context.get("saved")),
    )


@register.inclusion_tag("feedback/_reason_lists.html", takes_context=True)
def reason_lists_form(context, assistant) -> dict:
    """The assistant settings page's section that edits both reason lists. One query."""
    lists = selectors.reason_lists(assistant.pk)
    form = ReasonListsForm(initial={value: "\n".join(labels) for value, labels in lists.items()})
    return {"assistant": assistant, "form": form, "csrf_token": context.get("csrf_token")}
