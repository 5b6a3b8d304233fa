import pytest

from assistants.models import Conversation
from tests.assistants import model_server as fake

HTMX = {"HX-Request": "true"}


@pytest.fixture
def model_server(monkeypatch):
    """The fake model server, where the OpenAI-compatible backend looks for one."""
    server = fake.start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "0.5")
    yield server
    server.shutdown()
    server.server_close()


def use_model(assistant, model: str) -> None:
    assistant.model = model
    assistant.save(update_fields=["model"])


@pytest.fixture
def ask(people, client_as, model_server):
    """`ask(model, content)`: `people`'s assistant set to `model` (the fake server's names;
    its own when None), its user sends `content` in a new chat. Returns the user's client,
    the conversation and the URL that asks for the answer."""

    def ask(model: str | None, content: str = "Hello?"):
        assistant = people["assistant"]
        if model is not None:
            use_model(assistant, model)
        client = client_as(people["user"])
        client.post(f"/assistants/{assistant.pk}/chat/send/", {"content": content}, headers=HTMX)
        conversation = Conversation.objects.get()
        return client, conversation, f"/assistants/{assistant.pk}/chat/{conversation.pk}/reply/"

    return ask
