"""The chat: a person's conversations with an assistant, and the answers of its backend.

Sending stores the person's message first (through `record_messages`, so it is counted at
once and never lost), then asks the backend in a second request; a slow or failing backend
leaves an error with "Try again" in the chat, never a 500. Without JavaScript both happen in
one request and the page reloads.
"""

import logging
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import push_url, reswap, retarget

from assistants import selectors, services
from assistants.backends import ChatTurn, ReplyError, backend_for
from assistants.backends.markdown import render_markdown
from assistants.models import Assistant, Conversation, Message
from assistants.selectors import Need, get_assistant_for
from assistants.services import NewMessage

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 8000

# Apps that keep copies of a chat's text (feedback keeps each rated answer with its rating)
# register a function here that forgets them; it runs in the transaction that deletes the
# chat. The same inversion as `rollups.register_rebuilder`: assistants imports no app.
_content_deletion_hooks: list[Callable[[Conversation], None]] = []


def register_content_deletion_hook(hook: Callable[[Conversation], None]) -> None:
    if hook not in _content_deletion_hooks:
        _content_deletion_hooks.append(hook)


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
    }


def _render_chat(request, context: dict):
    template = "assistants/chat.html"
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{template}#chat", context)
    return render(request, template, context)


@login_required
@require_GET
def chat_new(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    return _render_chat(request, _chat_context(request, access, None))


@login_required
@require_GET
def conversation_detail(request, assistant_id: int, conversation_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    conversation = selectors.own_conversation(access.assistant, request.user, conversation_id)
    return _render_chat(request, _chat_context(request, access, conversation))


@login_required
@require_POST
def chat_send(request, assistant_id: int):
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    assistant = access.assistant
    form = MessageForm(request.POST)
    if not form.is_valid():
        problem = f"Write a message of at most {MESSAGE_MAX_LENGTH:,} characters."
        if request.htmx:
            return HttpResponse(problem, status=422, content_type="text/plain; charset=utf-8")
        messages.error(request, problem)
        return redirect("assistants:chat", assistant_id=assistant.pk)
    conversation_id = form.cleaned_data["conversation"]
    conversation = (
        selectors.own_conversation(assistant, request.user, conversation_id)
        if conversation_id
        else None
    )
    content = form.cleaned_data["content"]
    with transaction.atomic():
        is_new = conversation is None
        if is_new:
            conversation = services.start_conversation(
                assistant=assistant, user=request.user, title=_title(content)
            )
        ((message_id, _),) = services.record_messages(
            assistant=assistant,
            messages=[
                NewMessage(
                    conversation_id=conversation.pk,
                    role=Message.Role.USER,
                    content=content,
                    created_at=timezone.now(),
                )
            ],
        )
    url = reverse("assistants:conversation", args=[assistant.pk, conversation.pk])
    if not request.htmx:
        error = _answer(assistant, conversation)
        if isinstance(error, ReplyError):
            messages.error(request, str(error))
        return redirect(url)
    if is_new:
        # The first message opens the conversation: the whole chat is redrawn around it.
        context = _chat_context(request, access, conversation) | {"auto_reply": True}
        response = render(request, "assistants/chat.html#chat", context)
        return push_url(reswap(retarget(response, "#chat"), "outerHTML"), url)
    question = _show(Message.objects.get(pk=message_id))
    return render(
        request,
        "assistants/chat.html#exchange",
        {"assistant": assistant, "conversation": conversation, "question": question},
    )


@login_required
@require_POST
def chat_reply(request, assistant_id: int, conversation_id: int):
    """Answer the conversation's last question, or say why the backend could not."""
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    assistant = access.assistant
    conversation = selectors.own_conversation(assistant, request.user, conversation_id)
    result = _answer(assistant, conversation)
    if not request.htmx:
        if isinstance(result, ReplyError):
            messages.error(request, str(result))
        return redirect(
            "assistants:conversation", assistant_id=assistant.pk, conversation_id=conversation.pk
        )
    context = {"assistant": assistant, "conversation": conversation}
    if isinstance(result, ReplyError):
        return render(request, "assistants/chat.html#reply-error", context | {"error": result})
    if result is None:
        return HttpResponse("")  # already answered (a second click, another tab)
    return render(request, "assistants/chat.html#answer", context | {"message": _show(result)})


def _answer(assistant: Assistant, conversation: Conversation) -> Message | ReplyError | None:
    """Ask the backend about the last question and store its answer. Returns the answer, the
    error the person should see, or None when the last message already has its answer."""
    thread = selectors.chat_messages(conversation)
    if not thread or thread[-1].role != Message.Role.USER:
        return None
    history = [ChatTurn(role=m.role, content=m.content) for m in thread]
    try:
        content = backend_for(assistant.model).reply(
            instructions=assistant.instructions, history=history
        )
    except ReplyError as error:
        return error
    except Exception:
        # A backend bug must not turn into a 500 and hide the message the person wrote.
        logger.exception("reply backend failed for assistant %s", assistant.pk)
        return ReplyError("The assistant could not answer because of an unexpected error.")
    with transaction.atomic():
        # Two requests may answer at once (a double click): the first one's answer stays.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        latest = conversation.messages.order_by("-created_at", "-id").first()
        if latest.role != Message.Role.USER:
            return None
        ((answer_id, _),) = services.record_messages(
            assistant=assistant,
            messages=[
                NewMessage(
                    conversation_id=conversation.pk,
                    role=Message.Role.ASSISTANT,
                    content=content,
                    created_at=max(timezone.now(), latest.created_at),
                )
            ],
        )
    return Message.objects.get(pk=answer_id)


def _title(content: str) -> str:
    words = " ".join(content.split())
    return words if len(words) <= 60 else words[:59].rstrip() + "…"


@login_required
@require_POST
def conversation_delete(request, assistant_id: int, conversation_id: int):
    """Delete a chat's text. Its messages and ratings still count in Usage Insights: the
    figures are history, and deleting a chat never rewrites them."""
    access = get_assistant_for(request.user, assistant_id, need=Need.USE)
    conversation = selectors.own_conversation(access.assistant, request.user, conversation_id)
    with transaction.atomic():
        Message.objects.filter(assistant=access.assistant, conversation=conversation).update(
            content=""
        )
        conversation.title = ""
        conversation.content_deleted_at = timezone.now()
        conversation.save(update_fields=["title", "content_deleted_at"])
        for hook in _content_deletion_hooks:
            hook(conversation)
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
