"""SPEC §2, cell by cell: every URL of an assistant × the five people, with the method (or
methods) the URL takes. A refused request answers 403, 404 or the sign-in redirect, and
changes nothing in the database; an allowed write does what it says; a read never writes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from assistants import services
from assistants.models import ApiKey, Assistant, Conversation, Membership, Message
from feedback.models import Rating
from tests.access import ALLOWED, MANAGE, ROLES, SHARE, USE, assert_status, database_rows
from tests.factories import SHARING_ALL, chat_turn, rate
from tests.privacy.helpers import api_chat

HTMX = {"HX-Request": "true"}
MEMBERS = ("creator", "editor", "user")


@dataclass(frozen=True)
class Url:
    method: str
    path: str  # {a} assistant, {c} conversation, {m} answer, {member}, {key}, {token}
    access: dict[str, int | str]
    allowed: int = 200
    data: dict | None = None
    htmx: bool = False
    rated: bool = False  # the person has rated the answer {m} already, sharing both
    done: Callable[[SimpleNamespace], bool] | None = None  # what an allowed write did
    case: str = ""  # tells apart two rows of one URL

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}{f' ({self.case})' if self.case else ''}"

    @property
    def route(self) -> str:
        return self.path.partition("?")[0]

    @property
    def takes_one_method(self) -> bool:
        return len({url.method for url in URLS if url.route == self.route}) == 1


# What each allowed write did, read back from the database.
def _rating(w) -> Rating:
    return Rating.objects.get(message_id=w.answer.pk)


def _rated(w) -> bool:
    return _rating(w).value == "negative"


def _commented(w) -> bool:
    return _rating(w).comment == "Thanks"


def _contact_gone(w) -> bool:
    return not _rating(w).share_contact


def _chat_unshared(w) -> bool:
    return _rating(w).share_token is None


def _key_created(w) -> bool:
    return ApiKey.objects.filter(assistant=w.assistant, name="Support widget").exists()


def _key_revoked(w) -> bool:
    w.api_key.refresh_from_db()
    return w.api_key.revoked_at is not None


def _only_created(w) -> bool:
    return _key_created(w) and not _key_revoked(w)


def _only_revoked(w) -> bool:
    return _key_revoked(w) and not _key_created(w)


def _is_member(w, role: str) -> bool:
    return Membership.objects.filter(assistant=w.assistant, user=w.people[role]).exists()


def _outsider_added(w) -> bool:
    return _is_member(w, "other")


def _member_removed(w) -> bool:
    return not _is_member(w, "user")


def _renamed(w) -> bool:
    return Assistant.objects.get(pk=w.assistant.pk).name == "Renamed"


def _my_text_erased(w) -> bool:
    mine = Message.objects.filter(assistant=w.assistant, conversation__participant__user=w.owner)
    return not mine.exclude(content="").exists()


def _visitor_erased(w) -> bool:
    theirs = Message.objects.filter(
        assistant=w.assistant, conversation__participant__external_id=VISITOR
    )
    return not theirs.exclude(content="").exists()


def _kept_30_days(w) -> bool:
    return Assistant.objects.get(pk=w.assistant.pk).retention_days == 30


def _sent(w) -> bool:
    return Message.objects.filter(assistant=w.assistant, role="user", content="Hello").exists()


def _sent_into(w) -> bool:
    return w.conversation.messages.filter(content="Hello").exists()


def _deleted(w) -> bool:
    return Conversation.objects.get(pk=w.conversation.pk).content_deleted_at is not None


SETTINGS = {
    "name": "Renamed",
    "description": "",
    "instructions": "Be brief.",
    "model": "offline",
    "time_zone": "UTC",
}
RATE = "/assistants/{a}/feedback/answers/{m}/"
INSIGHTS = "/assistants/{a}/insights/"
HELLO = {"content": "Hello"}
THANKS = {"comment": "Thanks"}
OUTSIDER = {"person": "outsider", "role": "user"}
WIDGET = {"name": "Support widget"}
SHARING = "/assistants/{a}/share/"
KEYS = "/assistants/{a}/api-keys/"
MY_DATA = "/assistants/{a}/my-data/delete/"
VISITOR = "visitor-42"  # a person seen only through the events API

URLS = [
    # Chat with it, rate answers, share and delete one's own chat.
    Url("get", "/assistants/{a}/", USE),
    Url("get", "/assistants/{a}/chat/", USE),
    Url("get", "/assistants/{a}/chat/{c}/", USE),
    Url("post", "/assistants/{a}/chat/send/", USE, data=HELLO, htmx=True, done=_sent),
    Url(
        "post",
        "/assistants/{a}/chat/send/",
        USE,
        case="into an existing conversation",
        data=HELLO | {"conversation": "{c}"},
        htmx=True,
        done=_sent_into,
    ),
    # The conversation's last question is answered already: nothing to write.
    Url("post", "/assistants/{a}/chat/{c}/reply/", USE, htmx=True),
    Url("post", "/assistants/{a}/chat/{c}/delete/", USE, htmx=True, done=_deleted),
    Url("post", RATE + "rate/", USE, data={"value": "negative"}, htmx=True, done=_rated),
    Url("post", RATE + "details/", USE, data=THANKS, htmx=True, rated=True, done=_commented),
    Url("post", RATE + "withdraw-contact/", USE, htmx=True, rated=True, done=_contact_gone),
    Url("post", RATE + "withdraw-chat/", USE, htmx=True, rated=True, done=_chat_unshared),
    Url("get", MY_DATA, USE),
    Url("post", MY_DATA, USE, allowed=302, done=_my_text_erased),
    # Edit the configuration.
    Url("get", "/assistants/{a}/settings/", MANAGE),
    Url("post", "/assistants/{a}/settings/", MANAGE, allowed=302, data=SETTINGS, done=_renamed),
    Url(
        "post",
        "/assistants/{a}/settings/retention/",
        MANAGE,
        allowed=302,
        data={"retention_days": "30"},
        done=_kept_30_days,
    ),
    # Share: editors and users; API keys.
    Url("get", SHARING, SHARE),
    Url("post", SHARING, SHARE, allowed=302, data=OUTSIDER, done=_outsider_added),
    Url("get", SHARING + "{member}/remove/", SHARE),
    Url("post", SHARING + "{member}/remove/", SHARE, allowed=302, done=_member_removed),
    Url("get", KEYS, SHARE),
    Url("post", KEYS, SHARE, allowed=302, data=WIDGET, done=_only_created),
    Url("post", KEYS + "{key}/revoke/", SHARE, allowed=302, data=WIDGET, done=_only_revoked),
    Url("get", KEYS + "erase-person/?user=" + VISITOR, SHARE),
    Url(
        "post",
        KEYS + "erase-person/",
        SHARE,
        allowed=302,
        data={"user": VISITOR},
        done=_visitor_erased,
    ),
    # Usage Insights: every tab and CSV; shared chats.
    Url("get", INSIGHTS, MANAGE),
    Url("get", INSIGHTS + "analytics.csv", MANAGE),
    Url("get", INSIGHTS + "analytics.csv?by=week&source=api", MANAGE),
    Url("get", INSIGHTS + "?by=month&source=app", MANAGE),
    Url("get", INSIGHTS + "people.csv", MANAGE),
    Url("get", INSIGHTS + "people.csv?source=api", MANAGE),
    Url("get", INSIGHTS + "changes/1/", MANAGE),
    Url("get", INSIGHTS + "changes/1/?window=28", MANAGE),
    Url("get", INSIGHTS + "feedback/", MANAGE),
    Url("get", INSIGHTS + "feedback/?rating=negative&has_comment=on", MANAGE),
    Url("get", INSIGHTS + "feedback.csv", MANAGE),
    Url("get", INSIGHTS + "feedback.csv?rating=positive", MANAGE),
    Url("get", INSIGHTS + "shared-chats/{token}/", MANAGE),
]


def _world(people, role: str, url: Url) -> SimpleNamespace:
    """What the URLs name: each person works in their own chat, and an outsider tries the
    member's; the member's other answer is rated and its chat shared with the managers; a
    person of the events API has chatted too."""
    assistant = people["assistant"]
    now = timezone.now()
    shared = chat_turn(assistant, people["user"], now - timedelta(hours=2))
    rate(assistant, shared, "negative", now - timedelta(hours=1), comment="Wrong", **SHARING_ALL)
    owner = people[role] if role in MEMBERS else people["user"]
    answer = chat_turn(assistant, owner, now - timedelta(minutes=5))
    if url.rated:
        rate(assistant, answer, "positive", now - timedelta(minutes=4), **SHARING_ALL)
    api_key, _ = services.create_api_key(assistant=assistant, name="Widget", created_by=None)
    api_chat(assistant, VISITOR, now - timedelta(hours=3), question="Visitor's", answer="Hi")
    return SimpleNamespace(
        assistant=assistant,
        people=people,
        owner=owner,
        answer=answer,
        conversation=answer.conversation,
        api_key=api_key,
        token=Rating.objects.get(message_id=shared.pk).share_token,
    )


def _fill(text: str, world) -> str:
    return text.format(
        a=world.assistant.pk,
        c=world.conversation.pk,
        m=world.answer.pk,
        member=world.people["user"].pk,
        key=world.api_key.pk,
        token=world.token,
    )


def _request(client, method: str, url: Url, world):
    path = _fill(url.path, world)
    data = {name: _fill(value, world) for name, value in (url.data or {}).items()}
    return getattr(client, method)(path, data, headers=HTMX if url.htmx else {})


def _cells():
    for url in URLS:
        for role in ROLES:
            yield pytest.param(url, role, id=f"{url.name} as {role}")


@pytest.mark.parametrize(("url", "role"), list(_cells()))
def test_access_matrix(people, client_as, url, role):
    world = _world(people, role, url)
    client = client_as(people[role])
    before = database_rows()
    response = _request(client, url.method, url, world)
    expected = url.access[role]
    assert_status(response, url.allowed if expected == ALLOWED else expected)
    if expected != ALLOWED or url.method == "get":
        assert database_rows() == before
    elif url.done is not None:
        assert url.done(world)


@pytest.mark.parametrize(
    "url",
    [url for url in URLS if url.takes_one_method and url.path == url.route and not url.case],
    ids=lambda url: url.name,
)
def test_a_url_refuses_the_method_it_does_not_take(people, client_as, url):
    world = _world(people, "creator", url)
    client = client_as(people["creator"])
    before = database_rows()
    other = "post" if url.method == "get" else "get"
    response = _request(client, other, url, world)
    assert response.status_code == 405
    assert database_rows() == before
