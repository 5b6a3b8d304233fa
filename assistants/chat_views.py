"""The chat: a person's conversations with an assistant, and the answers of its backend.

Sending stores the person's message first (through `record_messages`, so it is counted at
once and never lost), then asks the backend in a second request; a slow or failing backend
leaves an error with "Try again" in the chat, never a 500. Without JavaScript both happen in
one request and the page reloads.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import push_url, reswap, retarget

from assistants import selectors, services
from assistants.backends import ReplyError
from assistants.lib import ratelimit
from assistants.lib.htmx import render_page_or_partial, render_partial
from assistants.lib.markup import render_markdown
from assistants.lib.pages import assistant_view
from assistants.models import Conversation, Message
from assistants.selectors import Need

MESSAGE_MAX_LENGTH = 8000

# Messages a person may send to one assistant a minute: each one is a paid call to the model.
CHAT_RATE_LIMIT = 20
CHAT_RATE_WINDOW_SECONDS = 60

# Conversations listed beside the chat, most recent first.
SIDEBAR_CONVERSATIONS = 30


class MessageForm(forms.Form):
    content = forms.CharField(max_length=MESSAGE_MAX_LENGTH, strip=True)
    conversation = forms.IntegerField(required=False, min_value=1)


def _show(message: Message) -> Message:
    message.html = render_markdown(message.content) if message.role == "assistant" else None
    return message


def _chat_context(request, access, conversation: Conversation | None) -> dict:
    assistant = access.assistant
    thread = selectors.chat_messages(conversation) if conversation else []
    return {
        "access": access,
        "assistant": assistant,
        "conversation": conversation,
        "conversations": selectors.conversations_of(assistant, request.user)[
            :SIDEBAR_CONVERSATIONS
        ],
        "thread": [_show(message) for message in thread],
        # The last question has no answer yet (the backend failed, or the page was left).
        "unanswered": bool(thread) and thread[-1].role == Message.Role.USER,
        "auto_reply": False,
        "form": MessageForm(initial={"conversation": conversation.pk if conversation else None}),
        "message_max_length": MESSAGE_MAX_LENGTH,
    }


def _too_many_messages(request, assistant) -> HttpResponse | None:
    """429 once the person has sent CHAT_RATE_LIMIT messages to this assistant in the window;
    the chat shows the text (chat.js), a page without JavaScript shows it as a message."""
    refused = ratelimit.refusal(
        f"chat:user:{request.user.pk}:assistant:{assistant.pk}",
        limit=CHAT_RATE_LIMIT,
        per_seconds=CHAT_RATE_WINDOW_SECONDS,
        problem="Too many messages at once. Try again in {wait} seconds.",
    )
    if refused is None or request.htmx:
        return refused
    messages.error(request, refused.content.decode())
    response = redirect("assistants:chat", assistant_id=assistant.pk)
    response["Retry-After"] = refused["Retry-After"]
    return response


def _render_chat(request, context: dict):
    return render_page_or_partial(request, "assistants/chat.html", "chat", context)


@assistant_view(need=Need.USE, methods=("GET",))
def chat_new(request, access):
    return _render_chat(request, _chat_context(request, access, None))


@assistant_view(need=Need.USE, methods=("GET",))
def conversation_detail(request, access, conversation_id: int):
    conversation = selectors.own_conversation(access.assistant, request.user, conversation_id)
    return _render_chat(request, _chat_context(request, access, conversation))


@assistant_view(need=Need.USE, methods=("POST",))
def chat_send(request, access):
    assistant = access.assistant
    form = MessageForm(request.POST)
    if not form.is_valid():
        problem = f"Write a message of at most {MESSAGE_MAX_LENGTH:,} characters."
        if request.htmx:
            return HttpResponse(problem, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, problem)
        return redirect("assistants:chat", assistant_id=assistant.pk)
    if limited := _too_many_messages(request, assistant):
        return limited
    conversation_id = form.cleaned_data["conversation"]
    conversation = (
        selectors.own_conversation(assistant, request.user, conversation_id)
        if conversation_id
        else None
    )
    is_new = conversation is None
    conversation, message_id = services.send_message(
        assistant=assistant,
        user=request.user,
        conversation=conversation,
        content=form.cleaned_data["content"],
    )
    url = reverse("assistants:conversation", args=[assistant.pk, conversation.pk])
    if not request.htmx:
        error = services.answer_last_question(assistant=assistant, conversation=conversation)
        if isinstance(error, ReplyError):
            messages.error(request, str(error))
        return redirect(url)
    if is_new:
        # The first message opens the conversation: the whole chat is redrawn around it.
        context = _chat_context(request, access, conversation) | {"auto_reply": True}
        response = render_partial(request, "assistants/chat.html", "chat", context)
        return push_url(reswap(retarget(response, "#chat"), "outerHTML"), url)
    question = _show(selectors.chat_message(conversation, message_id))
    return render_partial(
        request,
        "assistants/chat.html",
        "exchange",
        {"assistant": assistant, "conversation": conversation, "question": question},
    )


@assistant_view(need=Need.USE, methods=("POST",))
def chat_reply(request, access, conversation_id: int):
    """Answer the conversation's last question, or say why the backend could not."""
    assistant = access.assistant
    conversation = selectors.own_conversation(assistant, request.user, conversation_id)
    result = services.answer_last_question(assistant=assistant, conversation=conversation)
    if not request.htmx:
        if isinstance(result, ReplyError):
            messages.error(request, str(result))
        return redirect(
            "assistants:conversation", assistant_id=assistant.pk, conversation_id=conversation.pk
        )
    context = {"assistant": assistant, "conversation": conversation}
    if isinstance(result, ReplyError):
        return render_partial(
            request, "assistants/chat.html", "reply-error", context | {"error": result}
        )
    if result is None:
        return HttpResponse("")  # already answered (a second click, another tab)
    return render_partial(
        request, "assistants/chat.html", "answer", context | {"message": _show(result)}
    )


@assistant_view(need=Need.USE, methods=("POST",))
def conversation_delete(request, access, conversation_id: int):
    """Delete a chat's text. Its messages and ratings still count in Usage Insights: the
    figures are history, and deleting a chat never rewrites them."""
    conversation = selectors.own_conversation(access.assistant, request.user, conversation_id)
    services.delete_chat_content(assistant=access.assistant, conversation=conversation)
    url = reverse("assistants:chat", args=[access.assistant.pk])
    if request.htmx:
        return push_url(
            reswap(
                retarget(_render_chat(request, _chat_context(request, access, None)), "#chat"),
                "outerHTML",
            ),
            url,
        )
    messages.success(request, "The chat was deleted.")
    return redirect(url)
