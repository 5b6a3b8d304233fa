"""A database outage answers 503 with Retry-After (SPEC §7), never a 500.

Against a real PostgreSQL server of the test's own (pgserver's binaries on a data folder under
tmp_path), stopped and started inside the test; the shared test server is never touched.
Slow: about ten seconds, most of it the migrations on the new server.
"""

import json

import psycopg
import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, ProgrammingError, connections
from django.test import Client
from psycopg import errors as pg_errors

from assistants import services
from assistants.lib.outage import is_transient
from assistants.models import Message
from insights.bench.private_postgres import PrivatePostgres
from tests.factories import AssistantFactory, UserFactory

pytestmark = pytest.mark.slow

EVENTS_URL = "/api/v1/events"


@pytest.fixture
def private_server(tmp_path, django_db_blocker):
    """Django's default connection pointed at a migrated database on a server of our own."""
    server = PrivatePostgres(tmp_path / "pg")
    server.create_database("outage")
    connection = connections["default"]
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(server.django_settings("outage"))
        try:
            call_command("migrate", verbosity=0, interactive=False)
            yield server
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
            server.stop("immediate")


def _batch(*ids: str) -> str:
    return json.dumps(
        {
            "events": [
                {
                    "type": "message",
                    "id": event_id,
                    "conversation": "c1",
                    "user": "u1",
                    "role": "user",
                    "timestamp": "2026-11-20T10:00:00Z",
                    "content": "Hello",
                }
                for event_id in ids
            ]
        }
    )


def _post(client: Client, key: str, body: str):
    return client.post(
        EVENTS_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_api_and_pages_answer_503_while_the_database_is_down(private_server):
    creator = UserFactory(username="creator")
    assistant = AssistantFactory(creator=creator)
    _, key = services.create_api_key(assistant=assistant, name="Widget", created_by=None)
    api = Client(raise_request_exception=False)
    browser = Client(raise_request_exception=False)
    browser.force_login(creator)
    insights_url = f"/assistants/{assistant.pk}/insights/"
    assert _post(api, key, _batch("m1")).status_code == 200
    assert browser.get(insights_url).status_code == 200

    private_server.stop("fast")
    refused = _post(api, key, _batch("m2"))
    page = browser.get(insights_url)

    assert refused.status_code == 503
    assert refused["Content-Type"] == "application/json"
    assert refused["Retry-After"] == "5"
    assert "send the same request again in 5 s" in refused.json()["detail"]
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    html = page.content.decode()
    assert "<h1>Back in a moment</h1>" in html and "css/app.css" in html
    assert "Try again in 5 seconds" in html

    private_server.start()
    retried = _post(api, key, _batch("m1", "m2"))
    assert (retried.status_code, retried.json()["accepted"], retried.json()["duplicates"]) == (
        200,
        1,
        1,
    )
    assert browser.get(insights_url).status_code == 200
    assert Message.objects.filter(conversation__assistant=assistant).count() == 2


def test_an_administrator_ending_the_session_is_transient(private_server):
    """A real "terminating connection due to administrator command", then the closed
    connection Django reports afterwards: both are errors a retry cures."""
    connection = connections["default"]
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(private_server.url("outage"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    errors = []
    for _ in range(2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except (InterfaceError, OperationalError) as error:
            errors.append(error)
    connection.close()
    assert len(errors) == 2
    assert isinstance(errors[0].__cause__, pg_errors.AdminShutdown)
    assert all(is_transient(error) for error in errors)


def test_errors_a_retry_cannot_cure_stay_errors(private_server):
    with pytest.raises(ProgrammingError) as raised, connections["default"].cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert not is_transient(raised.value)
