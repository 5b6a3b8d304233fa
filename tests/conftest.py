import pytest
import time_machine
from django.utils import timezone

from tests.factories import AssistantFactory, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default hasher is slow on purpose; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(db):
    """The five people of SPEC §2 around one assistant."""
    creator = UserFactory(username="creator")
    editor = UserFactory(username="editor")
    member = UserFactory(username="member")
    outsider = UserFactory(username="outsider")
    assistant = AssistantFactory(creator=creator, editors=[editor], users=[member])
    return {
        "assistant": assistant,
        "creator": creator,
        "editor": editor,
        "user": member,
        "other": outsider,
        "anonymous": None,
    }


@pytest.fixture
def client_as(client):
    """client_as(user) signs the test client in as `user` (None stays signed out)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def fresh_rate_window():
    """Start the test at the top of a minute, the rate limits' fixed window, so a test that
    runs across a window's end cannot see its count reset halfway."""
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=True):
        yield
