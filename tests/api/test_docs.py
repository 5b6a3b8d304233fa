"""The OpenAPI document, the readable docs page, and the example in docs/api.md."""

import json
import re
from pathlib import Path

import time_machine

from assistants import services
from assistants.models import Message
from feedback.models import Rating

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_openapi_document_describes_the_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    operation = document["paths"]["/api/v1/events"]["post"]
    assert operation["security"] == [{"ApiKeyAuth": []}]
    assert document["components"]["securitySchemes"]["ApiKeyAuth"]["scheme"] == "bearer"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/EventBatch"}
    schemas = document["components"]["schemas"]
    assert schemas["EventBatch"]["properties"]["events"]["maxItems"] == 1000
    assert set(schemas["MessageEvent"]["required"]) == {
        "type",
        "id",
        "conversation",
        "user",
        "role",
        "timestamp",
        "content",
    }
    assert {"contact", "share_chat", "comment"} <= set(schemas["FeedbackEvent"]["properties"])
    assert set(operation["responses"]) == {"200", "400", "401", "413", "415", "429", "503"}


def test_the_docs_page_loads_nothing_from_the_internet(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "/api/v1/openapi.json" in page
    for field in ("conversation", "share_chat", "contact", "Retry-After"):
        assert field in page


def _example_from_docs() -> tuple[dict, dict]:
    text = DOCS.read_text()
    body = text.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0]
    answer = re.search(r"The answer:\n\n```json\n(.*?)\n```", text, re.S).group(1)
    return json.loads(body), json.loads(answer)


def test_the_curl_example_of_the_docs_works_as_written(client, db):
    from tests.factories import AssistantFactory

    assistant = AssistantFactory(time_zone="Europe/Paris")
    _, key = services.create_api_key(assistant=assistant, name="curl example", created_by=None)
    body, answer = _example_from_docs()
    with time_machine.travel("2026-11-24T12:00:00Z", tick=False):
        response = client.post(
            "/api/v1/events",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.json() == answer
        again = client.post(
            "/api/v1/events",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert again.json() == {"accepted": 0, "duplicates": 3, "errors": []}
    assert Message.objects.filter(assistant=assistant).count() == 2
    rating = Rating.objects.get(assistant=assistant)
    assert (rating.contact_name, rating.share_token is not None) == ("Ada", True)
