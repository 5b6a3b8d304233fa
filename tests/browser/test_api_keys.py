import json

import pytest
from playwright.sync_api import expect

from assistants.models import ApiKey, Message
from tests.browser.pages import sign_in
from tests.factories import PASSWORD


@pytest.mark.django_db(transaction=True)
def test_creator_creates_copies_uses_and_revokes_a_key(
    page, live_server, people, console_errors, client
):
    assistant = people["assistant"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, "creator", PASSWORD)
    page.get_by_role("link", name=assistant.name).click()
    page.get_by_role("button", name="More options").click()
    page.get_by_role("menuitem", name="API keys").click()
    page.get_by_label("Name").fill("Support widget")
    page.get_by_role("button", name="Create key").click()

    field = page.get_by_label("New API key")
    expect(field).to_be_visible()
    key = field.input_value()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key

    # The copied key works at once.
    event = {
        "type": "message",
        "id": "m1",
        "conversation": "c1",
        "user": "u1",
        "role": "user",
        "timestamp": "2026-01-05T10:00:00Z",
        "content": "Hello",
    }
    response = client.post(
        "/api/v1/events",
        json.dumps({"events": [event]}),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.json()["accepted"] == 1
    assert Message.objects.filter(assistant=assistant).count() == 1

    # Shown once: a reload lists the key by its prefix only.
    page.reload()
    expect(page.get_by_label("New API key")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Support widget")
    expect(row).to_contain_text(ApiKey.objects.get().prefix)
    row.get_by_role("button", name="Revoke Support widget").click()
    expect(page.get_by_role("row").filter(has_text="Support widget")).to_contain_text("Revoked")
    assert (
        client.post(
            "/api/v1/events",
            json.dumps({"events": [event]}),
            "application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        ).status_code
        == 401
    )
    assert console_errors == []
